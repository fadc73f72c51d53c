//! What the logs tell the incident timeline: a 5xx spike starting or ending becomes an entry,
//! and the latest window's figures become evidence for runbook steps bound to `logs:5xx`.
//!
//! The spike detector in [`super::spike`] decides when a spike starts and ends (absolute and
//! relative thresholds with hysteresis); this module only words its events, so the histogram's
//! "spike" badge and the timeline never disagree.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::StatusClass;
use super::histogram::Window;
use super::snapshot::LogUpdate;
use super::spike::{SpikeEvent, SpikeKind};
use crate::timeline::detect::LogEvidence;
use crate::timeline::{Actor, Entry, EntryKind};

/// The timeline entry for a spike event, written by warroom itself.
#[must_use]
pub fn spike_entry(event: &SpikeEvent) -> Entry {
    let text = match event.kind {
        SpikeKind::Began => format!(
            "5xx spike started: {:.1}% of responses are 5xx ({:.1}/s), against {:.1}% before",
            event.share * 100.0,
            event.rate_per_sec,
            event.baseline_share * 100.0
        ),
        SpikeKind::Ended => format!(
            "5xx spike ended: {:.1}% of responses are 5xx now, {:.1}% at the peak",
            event.share * 100.0,
            event.peak_share * 100.0
        ),
    };
    let evidence = serde_json::json!({
        "share_5xx": event.share,
        "rate_5xx_per_s": event.rate_per_sec,
        "baseline_share_5xx": event.baseline_share,
        "peak_share_5xx": event.peak_share,
    });
    Entry::new(event.at, Actor::automatic(), EntryKind::Log, text)
        .with_hop("logs:5xx".to_owned())
        .with_evidence(evidence)
}

/// The one-minute figures over all sources, as evidence for the `logs:5xx` check.
#[must_use]
pub fn log_figures(update: &LogUpdate, now: DateTime<Utc>) -> Vec<LogEvidence> {
    let Some(window) = update.histogram.window(Window::OneMinute) else {
        return Vec::new();
    };
    let counts: BTreeMap<String, u64> = StatusClass::ALL
        .iter()
        .map(|class| (class.name().to_owned(), window.classes[class.index()]))
        .collect();
    vec![LogEvidence {
        source: "all logs".to_owned(),
        at: now,
        window_s: 60,
        total: window.requests,
        counts,
        share_5xx: window.server_error_share,
        spike_active: Some(update.histogram.spike_active),
    }]
}
