//! The black-box tests, in one binary: the real server and command line against fresh
//! databases, on SQLite and PostgreSQL. One module per area; `common` holds the harness.
//! (One binary links the application once instead of once per file.)

mod common;

mod activities;
mod api;
mod authorization;
mod cli;
mod dashboard;
mod mail;
mod news;
mod plans_pages;
mod supervision;
mod web_shell;
mod yearly_api;
