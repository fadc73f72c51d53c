//! The `warroom logs` report: one JSON document (schema version 1), or a few lines of text, and
//! the one-line interval summaries printed with `--every`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::aggregate::Aggregator;
use super::histogram::{Counts, Window};
use super::parse::{Level, StatusClass};
use super::snapshot::SourceStatus;
use super::spike::{SpikeEvent, SpikeKind};

/// Entries in the summary's top-k lists.
const TOP_ENTRIES: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct PathCount {
    pub path: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpstreamCount {
    pub upstream: String,
    pub count: u64,
}

/// The JSON document `warroom logs --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    pub truncated_lines: u64,
    pub invalid_utf8_lines: u64,
    pub fragments: u64,
    pub nul_bytes_skipped: u64,
    pub classes: BTreeMap<&'static str, u64>,
    pub status: BTreeMap<String, u64>,
    pub levels: BTreeMap<&'static str, u64>,
    pub server_error_share: f64,
    pub top_5xx_paths: Vec<PathCount>,
    pub top_5xx_upstreams: Vec<UpstreamCount>,
    pub spikes: Vec<SpikeEvent>,
    pub sources: Vec<SourceStatus>,
}

impl Summary {
    #[must_use]
    pub fn from_aggregator(aggregator: &Aggregator) -> Summary {
        let sources = aggregator.sources();
        let total = |f: fn(&SourceStatus) -> u64| sources.iter().map(f).sum::<u64>();
        let counts = aggregator.histogram().counts(Window::SinceStart);
        Summary {
            schema_version: 1,
            lines: total(|s| s.lines),
            parsed: total(|s| s.parsed),
            unparsed: total(|s| s.unparsed),
            truncated_lines: total(|s| s.truncated_lines),
            invalid_utf8_lines: total(|s| s.invalid_utf8_lines),
            fragments: total(|s| s.fragments),
            nul_bytes_skipped: total(|s| s.nul_bytes_skipped),
            classes: class_map(&counts),
            status: counts.codes().map(|(c, n)| (c.to_string(), n)).collect(),
            levels: Level::ALL
                .iter()
                .map(|l| (l.name(), counts.level(*l)))
                .collect(),
            server_error_share: counts.server_error_share(),
            top_5xx_paths: aggregator
                .top_5xx(false, Window::SinceStart, TOP_ENTRIES)
                .into_iter()
                .map(|(path, count)| PathCount { path, count })
                .collect(),
            top_5xx_upstreams: aggregator
                .top_5xx(true, Window::SinceStart, TOP_ENTRIES)
                .into_iter()
                .map(|(upstream, count)| UpstreamCount { upstream, count })
                .collect(),
            spikes: aggregator.spike_log().to_vec(),
            sources,
        }
    }

    /// The report as text for a person.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "lines {}  parsed {}  unparsed {}  cut at 64 KiB {}  invalid UTF-8 {}  fragments {}\n",
            self.lines,
            self.parsed,
            self.unparsed,
            self.truncated_lines,
            self.invalid_utf8_lines,
            self.fragments
        );
        let requests: u64 = self.classes.values().sum();
        out.push_str("classes ");
        for (class, n) in &self.classes {
            out.push_str(&format!(" {class} {n} ({:.1}%)", percent(*n, requests)));
        }
        out.push('\n');
        let mut codes: Vec<_> = self.status.iter().collect();
        codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        out.push_str("status  ");
        for (code, n) in codes.iter().take(12) {
            out.push_str(&format!(" {code} {n}"));
        }
        out.push('\n');
        out.push_str("levels  ");
        for (level, n) in &self.levels {
            out.push_str(&format!(" {level} {n}"));
        }
        out.push('\n');
        if !self.top_5xx_paths.is_empty() {
            out.push_str("top 5xx paths:\n");
            for entry in &self.top_5xx_paths {
                out.push_str(&format!("  {:>8}  {}\n", entry.count, entry.path));
            }
        }
        for spike in &self.spikes {
            out.push_str(&format!(
                "5xx spike {} at {}: {:.1}% of requests, {:.1}/s (baseline {:.1}%)\n",
                match spike.kind {
                    SpikeKind::Began => "began",
                    SpikeKind::Ended => "ended",
                },
                spike.at.format("%H:%M:%S"),
                spike.share * 100.0,
                spike.rate_per_sec,
                spike.baseline_share * 100.0
            ));
        }
        for s in &self.sources {
            out.push_str(&format!(
                "source {} ({}) format {}: {} lines, {} rotations, {} truncations\n",
                s.name,
                s.path,
                s.format.unwrap_or("unknown"),
                s.lines,
                s.rotations,
                s.truncations
            ));
            for error in &s.errors {
                out.push_str(&format!("  error: {error}\n"));
            }
            for line in &s.stderr {
                out.push_str(&format!("  stderr: {line}\n"));
            }
        }
        out
    }
}

fn class_map(counts: &Counts) -> BTreeMap<&'static str, u64> {
    StatusClass::ALL
        .iter()
        .map(|c| (c.name(), counts.class(*c)))
        .collect()
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// One `--every` line: what happened during the interval.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalSummary {
    pub time: String,
    /// Lines read during the interval.
    pub lines: u64,
    /// Lines read since start.
    pub total_lines: u64,
    pub classes: BTreeMap<&'static str, u64>,
    pub server_error_share: f64,
}

/// Remembers the previous totals to print differences.
#[derive(Debug, Default)]
pub struct IntervalTracker {
    lines: u64,
    classes: [u64; 5],
}

impl IntervalTracker {
    pub fn next(&mut self, aggregator: &Aggregator, time: String) -> IntervalSummary {
        let counts = aggregator.histogram().counts(Window::SinceStart);
        let total_lines: u64 = aggregator.sources().iter().map(|s| s.lines).sum();
        let mut delta = [0u64; 5];
        for (i, d) in delta.iter_mut().enumerate() {
            *d = counts.classes[i] - self.classes[i];
        }
        let lines = total_lines - self.lines;
        self.lines = total_lines;
        self.classes = counts.classes;
        let requests: u64 = delta.iter().sum();
        IntervalSummary {
            time,
            lines,
            total_lines,
            classes: StatusClass::ALL
                .iter()
                .map(|c| (c.name(), delta[c.index()]))
                .collect(),
            server_error_share: percent(delta[StatusClass::ServerError.index()], requests) / 100.0,
        }
    }
}

impl IntervalSummary {
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} lines +{} ({} total)",
            self.time, self.lines, self.total_lines
        );
        for (class, n) in &self.classes {
            out.push_str(&format!(" {class} {n}"));
        }
        out.push_str(&format!(
            " 5xx share {:.1}%",
            self.server_error_share * 100.0
        ));
        out
    }
}
