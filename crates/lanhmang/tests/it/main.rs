//! The black-box tests, in one binary: the real server and command line against fresh
//! databases, on SQLite and PostgreSQL. One module per area; `common` holds the harness.
//! (One binary links the application once instead of once per file.)

mod common;

mod activities;
mod address_policy;
mod api;
mod audit_signing;
mod authorization;
mod cli;
mod compression;
mod crash;
mod dashboard;
mod hostile_files;
mod incidents;
mod lessons_api;
mod lessons_pages;
mod mail;
mod news;
mod news_clean;
mod notices;
mod parents;
mod people_admin;
mod phone_shell;
mod plain_http_grade;
mod plans_pages;
mod public_site;
mod report_form;
mod review_notices;
mod security_http;
mod site_truth;
mod stories;
mod supervision;
mod trainings;
mod web_shell;
mod webhooks;
mod yearly_api;
mod yearly_rules;
