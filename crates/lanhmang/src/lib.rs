//! The `lanhmang` binary's library: configuration, start-up, demo data and the commands, kept
//! here so that integration tests start the same server the binary does.

pub mod commands;
pub mod config;
pub mod demo;
pub mod inspect_cli;
pub mod server;
