//! The reconciliation as evidence: a small serde summary for the incident timeline and export,
//! and a runner driven by a `[reconcile]` table in the configuration.
//!
//! ```toml
//! [reconcile]
//! ours = "exports/webhook_events.csv"     # relative to the config file's directory
//! gateway = "exports/stripe_events.csv"
//! profile = "generic"                      # or stripe, adyen, transactions, a TOML file
//! from = "2026-03-02T13:40:00Z"
//! to = "2026-03-02T15:10:00Z"
//! skew = "5m"
//! retry_horizon = "3d"
//! now = "2026-03-02T15:30:00Z"             # optional; defaults to `to`, then the clock
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::report::{CurrencyTotals, Report, Status};
use super::timestamp::parse_time_ms;
use super::{Category, Options, Profile, ReconcileError};

/// What a timeline entry of kind `reconciliation` carries as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverySummary {
    pub schema_version: u32,
    pub status: Status,
    pub profile: String,
    pub ours_file: String,
    pub gateway_file: String,
    pub window_from: Option<String>,
    pub window_to: Option<String>,
    /// Keys per category name, every category present.
    pub counts: BTreeMap<String, u64>,
    pub totals: BTreeMap<String, CurrencyTotals>,
    pub bad_rows: u64,
    /// Keys missing on our side past the retry horizon, that is, to replay.
    pub replay_count: u64,
    /// One line for the timeline, such as `critical: 3 missing_in_ours, 1 duplicate_effect`.
    pub headline: String,
}

impl RecoverySummary {
    #[must_use]
    pub fn from_report(report: &Report) -> Self {
        let file = |side: &str| {
            report
                .inputs
                .get(side)
                .map(|i| i.file.clone())
                .unwrap_or_default()
        };
        let counts = Category::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), report.counts.get(*c)))
            .collect();
        let problems: Vec<String> = Category::ALL
            .iter()
            .filter(|c| **c != Category::Matched && report.counts.get(**c) > 0)
            .map(|c| format!("{} {}", report.counts.get(*c), c.as_str()))
            .collect();
        let verdict = match report.status {
            Status::Consistent => "consistent",
            Status::Warning => "warning",
            Status::Critical => "critical",
        };
        let mut headline = format!(
            "{verdict}: {} matched",
            report.counts.get(Category::Matched)
        );
        for problem in &problems {
            headline.push_str(", ");
            headline.push_str(problem);
        }
        if report.bad_row_count > 0 {
            headline.push_str(&format!(", {} bad rows", report.bad_row_count));
        }
        Self {
            schema_version: 1,
            status: report.status,
            profile: report.profile.clone(),
            ours_file: file("ours"),
            gateway_file: file("gateway"),
            window_from: report.window.from.clone(),
            window_to: report.window.to.clone(),
            counts,
            totals: report.totals.clone(),
            bad_rows: report.bad_row_count,
            replay_count: report.replay_count,
            headline,
        }
    }

    /// The export's "Data consistency" section body: the verdict, non-zero categories and the
    /// totals per currency, as Markdown (no heading, so the export chooses its level).
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "Reconciliation of `{}` against `{}` (profile {}): **{}**.\n\n",
            self.ours_file, self.gateway_file, self.profile, self.headline
        );
        out.push_str("| category | keys |\n|---|---:|\n");
        for category in Category::ALL {
            let n = self.counts.get(category.as_str()).copied().unwrap_or(0);
            if n > 0 {
                out.push_str(&format!("| {} | {n} |\n", category.as_str()));
            }
        }
        if !self.totals.is_empty() {
            out.push_str("\n| currency | ours (minor units) | gateway (minor units) | delta |\n");
            out.push_str("|---|---:|---:|---:|\n");
            for (currency, t) in &self.totals {
                out.push_str(&format!(
                    "| {currency} | {} in {} | {} in {} | {} |\n",
                    t.ours_minor, t.ours_count, t.gateway_minor, t.gateway_count, t.delta_minor
                ));
            }
        }
        if self.bad_rows > 0 {
            out.push_str(&format!(
                "\n{} rows could not be read, so this result is incomplete.\n",
                self.bad_rows
            ));
        }
        out
    }

    /// The command's exit code for this result: 0, 1, 2, or 3 when rows were unreadable.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        if self.bad_rows > 0 {
            return 3;
        }
        match self.status {
            Status::Consistent => 0,
            Status::Warning => 1,
            Status::Critical => 2,
        }
    }
}

/// The `[reconcile]` table of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileSection {
    pub ours: PathBuf,
    pub gateway: PathBuf,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub skew: Option<String>,
    #[serde(default)]
    pub retry_horizon: Option<String>,
    #[serde(default)]
    pub now: Option<String>,
}

#[derive(Deserialize)]
struct ConfigWithSection {
    reconcile: ReconcileSection,
}

/// Runs the reconciliation described by the `[reconcile]` table in `config_text` (other tables
/// are ignored). Relative paths are taken from `base_dir`, normally the config file's folder.
pub fn run_configured(
    config_text: &str,
    base_dir: &Path,
) -> Result<RecoverySummary, ReconcileError> {
    let option_error = |what: &str, message: String| ReconcileError::Option {
        what: what.to_owned(),
        message,
    };
    let config: ConfigWithSection = toml::from_str(config_text)
        .map_err(|e| option_error("[reconcile]", e.message().trim().to_owned()))?;
    run_section(&config.reconcile, base_dir)
}

/// Runs one already parsed section.
pub fn run_section(
    section: &ReconcileSection,
    base_dir: &Path,
) -> Result<RecoverySummary, ReconcileError> {
    let time = |what: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| {
                parse_time_ms(t.as_bytes()).map_err(|e| ReconcileError::Option {
                    what: format!("[reconcile] {what}"),
                    message: e.to_string(),
                })
            })
            .transpose()
    };
    let duration = |what: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| {
                crate::duration::parse_duration(t)
                    .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                    .map_err(|e| ReconcileError::Option {
                        what: format!("[reconcile] {what}"),
                        message: e.to_string(),
                    })
            })
            .transpose()
    };
    let profile_name = section.profile.as_deref().unwrap_or("generic");
    let profile = if Profile::built_in(profile_name).is_ok() {
        Profile::built_in(profile_name)?
    } else {
        Profile::load(&base_dir.join(profile_name).to_string_lossy())?
    };
    let options = Options {
        from_ms: time("from", &section.from)?,
        to_ms: time("to", &section.to)?,
        skew_ms: duration("skew", &section.skew)?,
        retry_horizon_ms: duration("retry_horizon", &section.retry_horizon)?,
        now_ms: time("now", &section.now)?,
        max_rows: 0,
        ..Options::default()
    };
    let report = super::reconcile(
        &base_dir.join(&section.ours),
        &base_dir.join(&section.gateway),
        &profile,
        &options,
    )?;
    Ok(RecoverySummary::from_report(&report))
}
