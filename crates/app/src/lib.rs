//! Trainyard's use cases. Each public async function is one thing a user can do; it authorizes the
//! caller, validates input through `trainyard_core`, writes through `trainyard_store` in one
//! transaction and records the audit event (and any outgoing message) in that same transaction.
//! The HTML UI and the JSON API both call these functions and nothing below them.

pub mod account_links;
pub mod accounting_export;
pub mod accounts;
pub mod agreements;
pub mod attendance;
pub mod audience;
pub mod audit;
pub mod bench;
pub mod budgets;
pub mod bulk_enrollment;
pub mod caller;
pub mod cancellation;
pub mod catalog;
pub mod certificates;
pub mod compliance;
pub mod costs;
pub mod credentials;
pub mod delivery;
pub mod demo;
pub mod doctor;
pub mod documents;
pub mod enrollment;
pub mod error;
pub mod feeds;
pub mod finance_facts;
pub mod history;
pub mod http;
pub mod idempotency;
pub mod import;
pub mod invoice_print;
pub mod invoice_runs;
pub mod invoicing;
pub mod kpi_kept;
pub mod languages;
pub mod messages;
pub mod morning;
pub mod people;
pub mod planning;
pub mod portal;
pub mod prices;
pub mod programs;
pub mod quality;
pub mod quotes;
mod records;
pub mod recurrence;
pub mod registration;
pub mod reminders;
pub mod renewals;
pub mod report_views;
pub mod reporting;
pub mod satisfaction;
pub mod schedule;
pub mod sites;
pub mod sso;
pub mod staffing;
pub mod surveys;
pub mod timeline;
pub mod webhooks;
pub mod xapi;

pub use caller::Caller;
pub use error::AppError;
pub use trainyard_core as core;
pub use trainyard_store as store;

use trainyard_store::Store;

/// Settings the use cases need. Everything else (listen address, SMTP) belongs to the edges.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a login lasts.
    pub session_hours: i64,
    /// Login attempts per account and address pair in `throttle_window_minutes` before refusing
    /// (20× that per address, 10× per account; see `accounts::login`).
    pub max_login_failures: i64,
    pub throttle_window_minutes: i64,
    /// The address people reach Trainyard at (scheme, host, optional port and path prefix, no
    /// trailing slash). Every absolute link (e-mails, feeds, sign-in links) is built from it, never
    /// from a request's Host header.
    pub public_url: String,
    /// JSON API requests per token (per client address without one) per minute, counted by each
    /// process on its own; 0 turns the limit off.
    pub api_rate_limit_per_minute: u32,
    /// Certificate authorities trusted for outgoing HTTPS beside the Mozilla roots (an
    /// organisation's own PKI: `--ca-file`).
    pub extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_hours: 12,
            max_login_failures: 5,
            throttle_window_minutes: 15,
            public_url: "http://127.0.0.1:8080".into(),
            api_rate_limit_per_minute: 600,
            extra_roots: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub settings: Settings,
}

impl App {
    pub fn new(store: Store, settings: Settings) -> Self {
        // Any process with an App may build HTTP clients (the CLI's, the tests'): they need a TLS
        // provider even for plain HTTP.
        http::use_ring();
        Self { store, settings }
    }

    /// An absolute link to `path` (which starts with `/`) under the configured public URL.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.settings.public_url.trim_end_matches('/'), path)
    }
}

pub(crate) fn now_ms() -> i64 {
    trainyard_core::time::now_ms()
}
