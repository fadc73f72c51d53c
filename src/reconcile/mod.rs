//! Reconciliation after recovery: our webhook events or ledger transactions compared with the
//! payment gateway's export, every key placed in exactly one category, money kept exact.
//!
//! # Data flow
//! [`profile`] says which columns hold what; [`input`] streams each file (CSV or JSON lines, the
//! two sides on two threads) into a [`matcher::SideTable`] of compact per-key aggregates;
//! [`matcher::match_tables`] joins them and [`report::Collector`] turns the verdicts into a
//! [`Report`] with counts, per-currency totals, bounded example rows and the replay list.
//! Amounts are integer minor units from the first byte on ([`money`]), never floating point.
//!
//! # Categories
//! Each key lands in the first [`Category`] that applies, in this order: `out_of_window`,
//! `missing_in_ours` (or `pending_retry` when the gateway's time is within the retry horizon
//! before the reference time), `missing_in_gateway`, `duplicate_effect`, `currency_mismatch`,
//! `amount_mismatch`, `status_mismatch`, `duplicate_delivery`, `matched`. Our rows whose
//! handler failed do not count as having the event. Totals leave out `out_of_window` keys,
//! count each key once per side (our side only when applied) and are never summed across
//! currencies; `delta_minor` is ours minus the gateway's.
//!
//! In transactions mode the key is the gateway reference plus the kind, so partial refunds of
//! one charge share a key: both sides are compared by row count and signed sum (charges
//! positive, refunds and chargebacks negative whatever sign the export uses), more applied rows
//! on our side than the gateway has is a `duplicate_effect`, and a refund listed before its
//! charge changes nothing because keys are matched, not rows in order.
//!
//! # API for the incident
//! The dashboard's recovery pane and the runbook's consistency step use two calls:
//! - [`summary::run_configured`] takes the text of a config file with a `[reconcile]` table
//!   (`ours`, `gateway`, optional `profile`, `from`, `to`, `skew`, `retry_horizon`, `now`),
//!   resolves relative paths against a base directory, runs the reconciliation and returns a
//!   [`summary::RecoverySummary`].
//! - [`summary::RecoverySummary`] is a small serde type (status, counts, totals per currency,
//!   bad-row and replay counts, a one-line headline) meant to be embedded as the evidence of a
//!   `reconciliation` timeline entry and to fill the export's data-consistency section;
//!   [`summary::RecoverySummary::exit_code`] gives the same 0/1/2/3 as the command and
//!   [`summary::RecoverySummary::markdown`] the body of the export's data-consistency section.
//!
//! Both run synchronously and read whole files, so the dashboard calls them from a worker.
//!
//! # Known gaps
//! Totals are one signed net per currency; the notes' split into gross, refunds and
//! chargebacks, and totals per provider, are not computed. The low-confidence fallback match on
//! merchant reference, amount and currency is not implemented. Adyen's `TimeZone` column is
//! not applied (times are taken as UTC). A gateway export that lists one event id twice in
//! events mode has the repeat reported as a bad row rather than compared.

pub mod input;
pub mod matcher;
pub mod money;
pub mod profile;
pub mod report;
pub mod summary;
pub mod timestamp;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use profile::{Mode, Profile};
pub use report::Report;

/// Where a key ends up. The order of the variants is the order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    OutOfWindow,
    MissingInOurs,
    PendingRetry,
    MissingInGateway,
    DuplicateEffect,
    CurrencyMismatch,
    AmountMismatch,
    StatusMismatch,
    DuplicateDelivery,
    Matched,
}

/// How bad a category is for the exit code and the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Category {
    /// Every category in precedence order.
    pub const ALL: [Category; 10] = [
        Category::OutOfWindow,
        Category::MissingInOurs,
        Category::PendingRetry,
        Category::MissingInGateway,
        Category::DuplicateEffect,
        Category::CurrencyMismatch,
        Category::AmountMismatch,
        Category::StatusMismatch,
        Category::DuplicateDelivery,
        Category::Matched,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::OutOfWindow => "out_of_window",
            Category::MissingInOurs => "missing_in_ours",
            Category::PendingRetry => "pending_retry",
            Category::MissingInGateway => "missing_in_gateway",
            Category::DuplicateEffect => "duplicate_effect",
            Category::CurrencyMismatch => "currency_mismatch",
            Category::AmountMismatch => "amount_mismatch",
            Category::StatusMismatch => "status_mismatch",
            Category::DuplicateDelivery => "duplicate_delivery",
            Category::Matched => "matched",
        }
    }

    /// Pending retries and repeated deliveries are expected after an outage; anything that
    /// leaves money or state different on the two sides is critical.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Category::Matched | Category::OutOfWindow => Severity::Info,
            Category::PendingRetry | Category::DuplicateDelivery => Severity::Warning,
            _ => Severity::Critical,
        }
    }

    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which file a row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Ours,
    Gateway,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Ours => "ours",
            Side::Gateway => "gateway",
        })
    }
}

/// A row that could not be read: reported and counted, never matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow {
    pub file: String,
    /// Physical line where the record starts (1 is the header in CSV).
    pub line: u64,
    pub error: String,
}

/// Why a reconciliation could not run at all (bad rows are not errors; they are reported).
#[derive(Debug, Error)]
pub enum ReconcileError {
    #[error("opening {path}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("reading {path} near line {line}: {message}")]
    Read {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(
        "{path}: no column `{column}` for the {side} side (columns found: {found}); pick another --profile or write a TOML one"
    )]
    MissingColumn {
        path: PathBuf,
        side: Side,
        column: String,
        found: String,
    },
    #[error(transparent)]
    Profile(#[from] profile::ProfileError),
    #[error("{what}: {message}")]
    Option { what: String, message: String },
    #[error("writing {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Choices that are not part of the profile: the window, the reference time, overrides.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Overrides the profile's skew margin.
    pub skew_ms: Option<i64>,
    /// Overrides the profile's retry horizon.
    pub retry_horizon_ms: Option<i64>,
    /// Reference time for the retry horizon; `to_ms` when absent, then the clock.
    pub now_ms: Option<i64>,
    /// Key columns replacing the profile's on both sides.
    pub key: Option<Vec<String>>,
    /// CSV delimiter replacing the profile's.
    pub delimiter: Option<u8>,
    /// Example rows kept per category in the report.
    pub max_rows: usize,
    /// Keep every missing key for a replay file.
    pub collect_replay: bool,
}

/// Reads both files and reconciles them with `profile`.
pub fn reconcile(
    ours: &Path,
    gateway: &Path,
    profile: &Profile,
    options: &Options,
) -> Result<Report, ReconcileError> {
    let mut profile = profile.clone();
    if let Some(key) = &options.key {
        profile.ours.key.clone_from(key);
        profile.gateway.key.clone_from(key);
    }
    if let Some(d) = options.delimiter {
        profile.delimiter = d;
    }
    let skew_ms = options.skew_ms.unwrap_or(profile.skew_ms);
    let retry_horizon_ms = options.retry_horizon_ms.unwrap_or(profile.retry_horizon_ms);
    let reference_ms = options
        .now_ms
        .or(options.to_ms)
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let judge = matcher::Judge {
        mode: profile.mode,
        from_ms: options.from_ms.map(|t| t - skew_ms),
        to_ms: options.to_ms.map(|t| t + skew_ms),
        retry_horizon_ms,
        reference_ms: Some(reference_ms),
    };

    let settings = |side| input::ReadSettings {
        side,
        profile: &profile,
    };
    let (ours_settings, gateway_settings) = (settings(Side::Ours), settings(Side::Gateway));
    let (ours_table, gateway_table) = std::thread::scope(|scope| {
        let gateway_thread = scope.spawn(|| input::read_side(gateway, &gateway_settings));
        let ours_table = input::read_side(ours, &ours_settings);
        let gateway_table = gateway_thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (ours_table, gateway_table)
    });
    let (mut ours_table, mut gateway_table) = (ours_table?, gateway_table?);

    let mut collector =
        report::Collector::new(profile.mode, options.max_rows, options.collect_replay);
    let header = report::Header::new(
        &profile,
        &mut ours_table,
        &mut gateway_table,
        &judge,
        skew_ms,
    );
    matcher::match_tables(ours_table, &gateway_table, &judge, |finding| {
        collector.record(&finding);
    });
    Ok(collector.finish(header))
}
