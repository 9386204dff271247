//! The web crate's integration tests, one binary: the real HTTP app on a real listener over a
//! fresh database per test (SQLite, and PostgreSQL when `TRAINYARD_TEST_PG_URL` is set).
//! One binary rather than one per file: each file linked the whole application again, which
//! cost minutes of linking and gigabytes of disk per build on a two-core machine.

#![allow(clippy::unwrap_used)]

#[macro_use]
pub mod common;

mod access;
mod accounts;
mod api;
mod audit;
mod browser;
mod browser_accounts;
mod browser_defences;
mod browser_merge;
mod browser_plan;
mod browser_schedule;
mod browser_waitlist;
mod budgets;
mod cancellation_fees;
mod catalog;
mod certificates;
mod client_portal;
mod compliance;
mod consistency;
mod contract;
mod costs;
mod defences;
mod delivery;
mod enrollment;
mod feeds;
mod idempotency;
mod import;
mod invoice_runs;
mod invoices;
mod kpi_facts;
mod languages;
mod patch;
mod planning;
mod prices;
mod programs;
mod quality;
mod quality_signals;
mod quotes;
mod recurrence;
mod reminders;
mod renewals;
mod report_views;
mod reports;
mod scheduling;
mod scheduling_data;
mod sso;
mod surveys;
mod sync;
mod timeline;
mod tokens;
mod ui;
mod users;
mod webhooks;
mod xapi;
