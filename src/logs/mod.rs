//! Live logs: sources that survive rotation, fast parsers, windowed status-code counts, spikes.
//!
//! Data flow, left to right:
//! ```text
//!  source threads (file follower, command, stdin)        aggregator (one thread)
//!  read bytes ─ frame into lines ─▶ bounded channel ─▶ parse ─ count ─ detect spikes ─▶ publish
//!  (source/, frame.rs)              (SourceMsg)         (parse/, histogram.rs, spike.rs)
//! ```
//! - [`source`] owns all I/O; [`frame`] cuts bytes into lines with the nasty cases counted.
//! - [`parse`] reads status, level, path and upstream from a line's bytes without allocating.
//! - [`aggregate::Aggregator`] keeps the counts: [`histogram`] windows of arrival time, [`topk`]
//!   failing paths, [`spike`] events, and the recent lines for the log pane.
//! - [`engine`] wires sources to an aggregator; `warroom logs` drives it directly, and
//!   [`worker`] runs it for the dashboard, publishing a [`snapshot::LogUpdate`] over a bounded
//!   tokio channel at most every 200 ms. The UI folds updates into a [`view::LogView`] and draws
//!   from it; it never touches a file and never sees a line twice.
//!
//! Nothing here knows about the terminal. Text kept for display passes through
//! [`crate::text::inert`] first, because log content is attacker-controlled.

pub mod aggregate;
pub mod engine;
pub mod evidence;
pub mod frame;
pub mod histogram;
pub mod parse;
pub mod snapshot;
pub mod source;
pub mod spike;
pub mod summary;
pub mod topk;
pub mod view;
pub mod worker;

use serde::Deserialize;

pub use parse::{CustomRegex, Format, Level, StatusClass};
pub use source::SourceSpec;

/// A `[[log]]` entry of the configuration file; the config loader embeds this type.
///
/// ```toml
/// [[log]]
/// path = "/var/log/nginx/access.log"   # a file, a glob, `cmd:...` or `-`
/// name = "ingress"
/// format = "combined"                  # auto (default), combined, common, json, logfmt, regex
/// regex = '^(?P<path>\S+) (?P<status>\d{3})$'   # with format = "regex"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSourceConfig {
    #[serde(alias = "spec")]
    pub path: String,
    pub name: Option<String>,
    pub format: Option<String>,
    pub regex: Option<String>,
}

/// The `[logs]` table of the configuration file; the config loader embeds this type.
///
/// ```toml
/// [logs]
/// recent_lines = 10000
/// [logs.spike]
/// share = 0.05            # 5xx share over the recent window
/// rate_per_sec = 20.0     # or this many 5xx per second
/// relative_factor = 3.0   # and this many times the baseline share
/// min_requests = 20
/// recent_secs = 5
/// baseline_secs = 300
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsConfig {
    /// Lines kept for the log pane.
    pub recent_lines: usize,
    pub spike: spike::SpikeThresholds,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            recent_lines: 10_000,
            spike: spike::SpikeThresholds::default(),
        }
    }
}

/// Errors that stop a source from being set up. Failures while running are source events.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("log source {spec:?}: {reason}")]
    BadCommand { spec: String, reason: String },
    #[error("log source {pattern:?} is not a valid glob: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error("log source {pattern:?} matches no file")]
    GlobMatchesNothing { pattern: String },
    #[error(
        "log source {spec:?}: unknown format {format:?} \
         (use auto, combined, common, json, logfmt or regex)"
    )]
    UnknownFormat { spec: String, format: String },
    #[error("log source {spec:?}: format regex needs a `regex = '...'` with named groups")]
    MissingRegex { spec: String },
    #[error("log source {spec:?}: {source}")]
    Regex {
        spec: String,
        #[source]
        source: parse::RegexFormatError,
    },
    #[error("starting the thread for log source {name:?}: {source}")]
    Thread {
        name: String,
        #[source]
        source: std::io::Error,
    },
}

/// A source ready to start: what to read, what to call it, how to parse it.
#[derive(Debug, Clone)]
pub struct SourcePlan {
    pub name: String,
    pub spec: SourceSpec,
    /// `None` detects the format from the first lines.
    pub format: Option<Format>,
    pub custom: Option<CustomRegex>,
}

impl SourcePlan {
    /// Plans from command-line specs, all with the same format choice.
    pub fn from_specs(
        specs: &[String],
        format: Option<Format>,
    ) -> Result<Vec<SourcePlan>, LogError> {
        let mut plans = Vec::new();
        for spec in specs {
            for resolved in SourceSpec::parse(spec)? {
                plans.push(SourcePlan {
                    name: resolved.default_name(),
                    spec: resolved,
                    format,
                    custom: None,
                });
            }
        }
        Ok(plans)
    }

    /// Plans from `[[log]]` configuration entries.
    pub fn from_config(entry: &LogSourceConfig) -> Result<Vec<SourcePlan>, LogError> {
        let spec = &entry.path;
        let format = match entry.format.as_deref().unwrap_or("auto") {
            "auto" => None,
            "combined" => Some(Format::Combined),
            "common" => Some(Format::Common),
            "json" => Some(Format::Json),
            "logfmt" => Some(Format::Logfmt),
            "regex" => Some(Format::Regex),
            "plain" => Some(Format::Plain),
            other => {
                return Err(LogError::UnknownFormat {
                    spec: spec.clone(),
                    format: other.to_owned(),
                });
            }
        };
        let custom = match (format, &entry.regex) {
            (Some(Format::Regex), None) => {
                return Err(LogError::MissingRegex { spec: spec.clone() });
            }
            (_, Some(pattern)) => {
                Some(CustomRegex::new(pattern).map_err(|source| LogError::Regex {
                    spec: spec.clone(),
                    source,
                })?)
            }
            (_, None) => None,
        };
        let format = if custom.is_some() {
            Some(Format::Regex)
        } else {
            format
        };
        let resolved = SourceSpec::parse(spec)?;
        let several = resolved.len() > 1;
        Ok(resolved
            .into_iter()
            .map(|resolved| SourcePlan {
                name: match (&entry.name, several) {
                    (Some(name), false) => name.clone(),
                    (Some(name), true) => format!("{name}:{}", resolved.default_name()),
                    (None, _) => resolved.default_name(),
                },
                spec: resolved,
                format,
                custom: custom.clone(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_entries_become_plans() {
        let entry: LogSourceConfig = toml::from_str(
            "path = 'cmd:kubectl logs -f deploy/api'\nname = 'api'\nformat = 'json'",
        )
        .expect("valid test input");
        let plans = SourcePlan::from_config(&entry).expect("valid test input");
        assert_eq!(plans[0].name, "api");
        assert_eq!(plans[0].format, Some(Format::Json));

        let entry: LogSourceConfig =
            toml::from_str("path = '/x.log'\nregex = '(?P<status>\\d{3})'")
                .expect("valid test input");
        assert_eq!(
            SourcePlan::from_config(&entry).expect("valid test input")[0].format,
            Some(Format::Regex)
        );

        let entry: LogSourceConfig =
            toml::from_str("path = '/x.log'\nformat = 'regex'").expect("valid test input");
        assert!(matches!(
            SourcePlan::from_config(&entry),
            Err(LogError::MissingRegex { .. })
        ));
        let entry: LogSourceConfig =
            toml::from_str("path = '/x.log'\nformat = 'xml'").expect("valid test input");
        assert!(matches!(
            SourcePlan::from_config(&entry),
            Err(LogError::UnknownFormat { .. })
        ));
    }
}
