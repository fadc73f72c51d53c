//! Detectors: probe reports and log figures in, automatic timeline entries out.
//!
//! A hop that starts failing (with its code and message) or recovers (with how long it was
//! down), a dependency that changes state, a log source that fails: each becomes one entry
//! written as the `warroom` actor. (5xx spikes are decided and worded by the log module's own
//! detector, `crate::logs::evidence`, so the histogram and the timeline never disagree.) A [`Detector`] remembers the
//! last state per hop, dependency and log source, and only reports transitions. Flapping is
//! summarised: at most two entries about one thing (a failure and its recovery) per quiet
//! period; further transitions within it are counted, not written, and one entry with the
//! count and the current state follows once the period allows it.
//! Everything here is pure: no clock, no I/O; times come from the reports.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::entry::{Actor, Entry, EntryKind};
use crate::duration::format_duration;
use crate::probe::model::{
    DependencyReport, Finding, HopId, HopReport, HopStatus, RoundReport, TargetReport, Verdict,
};

/// Aggregated access-log figures for one window, as the log module hands them to the
/// detectors. Kept here so that the timeline does not depend on the log parsers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEvidence {
    /// The source's name (`access.log`, `cmd:journalctl`).
    pub source: String,
    pub at: DateTime<Utc>,
    pub window_s: u64,
    pub total: u64,
    /// Requests per status class (`2xx`, `4xx`, `5xx`, ...).
    pub counts: BTreeMap<String, u64>,
    /// Share of 5xx responses in the window, 0.0 to 1.0.
    pub share_5xx: f64,
    /// Whether the log module's spike detector (absolute and relative thresholds) says a spike
    /// is on; when known it decides, so the runbook's evidence and the histogram agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spike_active: Option<bool>,
}

/// Thresholds of the detectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorSettings {
    /// After an entry about something, further changes of it within this period are counted
    /// and summarised instead of written one by one.
    pub flap_quiet: Duration,
    /// For the `logs:5xx` runbook evidence when the log module has not said whether a spike
    /// is on: the share counts as a failure from this...
    pub spike_start_share: f64,
    /// ...and as a warning from this.
    pub spike_end_share: f64,
    /// Windows with fewer requests say nothing either way.
    pub spike_min_requests: u64,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        DetectorSettings {
            flap_quiet: Duration::from_secs(5 * 60),
            spike_start_share: 0.05,
            spike_end_share: 0.02,
            spike_min_requests: 20,
        }
    }
}

/// Entries about one thing allowed per quiet period: a failure and its recovery.
const ENTRIES_PER_PERIOD: usize = 2;

/// Rate-limits the entries about one thing and counts what it held back.
#[derive(Debug, Clone, Default)]
struct Debounce {
    /// Times of the latest entries, at most [`ENTRIES_PER_PERIOD`].
    recent: Vec<DateTime<Utc>>,
    held_back: u32,
}

impl Debounce {
    fn quiet(&self, now: DateTime<Utc>, period: Duration) -> bool {
        let within = |at: &&DateTime<Utc>| (now - **at).to_std().map_or(true, |d| d < period);
        self.recent.iter().filter(within).count() < ENTRIES_PER_PERIOD
    }

    fn record(&mut self, now: DateTime<Utc>) -> u32 {
        self.recent.push(now);
        if self.recent.len() > ENTRIES_PER_PERIOD {
            self.recent.remove(0);
        }
        std::mem::take(&mut self.held_back)
    }

    /// A transition happened: `Some(held back before it)` when it may be written now.
    fn transition(&mut self, now: DateTime<Utc>, period: Duration) -> Option<u32> {
        if self.quiet(now, period) {
            Some(self.record(now))
        } else {
            self.held_back += 1;
            None
        }
    }

    /// No transition: `Some(count)` when held-back transitions are due for a summary.
    fn summary_due(&mut self, now: DateTime<Utc>, period: Duration) -> Option<u32> {
        (self.held_back > 0 && self.quiet(now, period)).then(|| self.record(now))
    }
}

/// What one round says about a hop of a target.
#[derive(Debug, Clone, PartialEq)]
enum HopSeen {
    Failing {
        finding: Option<Finding>,
        address: Option<String>,
    },
    Healthy,
    /// Pending, blocked by an earlier hop, or skipped: says nothing.
    Unknown,
}

#[derive(Debug, Clone, Default)]
struct HopTrack {
    failing_since: Option<DateTime<Utc>>,
    code: Option<String>,
    debounce: Debounce,
}

impl HopTrack {
    /// The hop failed this round: the entry's text after the subject, and its evidence, when
    /// the failure is news (new, or a different code) and the flap budget allows it.
    fn failing(
        &mut self,
        finding: Option<&Finding>,
        address: Option<&str>,
        now: DateTime<Utc>,
        period: Duration,
    ) -> Option<(String, Value)> {
        let code = finding.map(|f| f.code.as_str().to_owned());
        let changed = self.failing_since.is_none() || self.code != code;
        self.failing_since.get_or_insert(now);
        self.code.clone_from(&code);
        let flaps = if changed {
            self.debounce.transition(now, period)
        } else {
            self.debounce.summary_due(now, period)
        }?;
        let on = address.map(|a| format!(" on {a}")).unwrap_or_default();
        let why = finding
            .map(|f| format!(": {}: {}", f.code.as_str(), f.message))
            .unwrap_or_default();
        let evidence = json!({
            "status": "fail",
            "code": code,
            "message": finding.map(|f| f.message.clone()),
            "address": address,
            "flaps": flaps,
        });
        Some((
            format!("failing{on}{why}{}", flap_note(flaps, period)),
            evidence,
        ))
    }

    /// The hop answered this round: a recovery entry with the downtime, or a flap summary.
    fn healthy(&mut self, now: DateTime<Utc>, period: Duration) -> Option<(String, Value)> {
        let was_failing = self.failing_since.take();
        self.code = None;
        let flaps = if was_failing.is_some() {
            self.debounce.transition(now, period)
        } else {
            self.debounce.summary_due(now, period)
        }?;
        let down = was_failing.and_then(|since| (now - since).to_std().ok());
        let text = match down {
            Some(down) => format!("recovered after {}", format_duration(down)),
            None => "ok".to_owned(),
        };
        let evidence = json!({
            "status": "ok",
            "down_s": down.map(|d| d.as_secs()),
            "flaps": flaps,
        });
        Some((format!("{text}{}", flap_note(flaps, period)), evidence))
    }
}

#[derive(Debug, Clone)]
struct Tracked<T> {
    state: Option<T>,
    debounce: Debounce,
}

impl<T> Default for Tracked<T> {
    fn default() -> Self {
        Tracked {
            state: None,
            debounce: Debounce::default(),
        }
    }
}

/// Turns successive reports into timeline entries; one per dashboard.
#[derive(Debug, Clone)]
pub struct Detector {
    settings: DetectorSettings,
    actor: Actor,
    hops: HashMap<(String, HopId), HopTrack>,
    dependencies: HashMap<String, Tracked<Verdict>>,
    failed_sources: HashMap<String, String>,
}

fn hop_seen(report: &HopReport, address: Option<String>) -> HopSeen {
    match report.status {
        HopStatus::Fail => HopSeen::Failing {
            finding: report.findings.first().cloned(),
            address,
        },
        HopStatus::Ok | HopStatus::Warn => HopSeen::Healthy,
        HopStatus::Pending | HopStatus::Blocked | HopStatus::Skipped => HopSeen::Unknown,
    }
}

/// The hop over all addresses: failing if any address fails there, healthy if any is healthy
/// and none fails.
fn target_hop(report: &TargetReport, hop: HopId) -> HopSeen {
    let per_address = |a: &crate::probe::model::AddressReport| {
        let hop_report = match hop {
            HopId::Tcp => &a.hops.tcp,
            HopId::Tls => &a.hops.tls,
            _ => &a.hops.http,
        };
        hop_seen(hop_report, Some(a.ip.to_string()))
    };
    match hop {
        HopId::Dns => hop_seen(&report.hops.dns, None),
        HopId::Ip => hop_seen(&report.hops.ip, None),
        _ => {
            let seen: Vec<HopSeen> = report.addresses.iter().map(per_address).collect();
            if let Some(failing) = seen.iter().find(|s| matches!(s, HopSeen::Failing { .. })) {
                failing.clone()
            } else if seen.contains(&HopSeen::Healthy) {
                HopSeen::Healthy
            } else {
                HopSeen::Unknown
            }
        }
    }
}

fn flap_note(flaps: u32, period: Duration) -> String {
    if flaps == 0 {
        String::new()
    } else {
        format!(
            " (changed state {flaps} more times in the last {})",
            format_duration(period)
        )
    }
}

impl Detector {
    #[must_use]
    pub fn new(settings: DetectorSettings, actor: Actor) -> Detector {
        Detector {
            settings,
            actor,
            hops: HashMap::new(),
            dependencies: HashMap::new(),
            failed_sources: HashMap::new(),
        }
    }

    fn entry(&self, at: DateTime<Utc>, kind: EntryKind, text: String) -> Entry {
        Entry::new(at, self.actor.clone(), kind, text)
    }

    /// Entries for every target and dependency of a round.
    pub fn observe_round(&mut self, round: &RoundReport) -> Vec<Entry> {
        let mut entries = Vec::new();
        for target in &round.targets {
            entries.extend(self.observe_target(target));
        }
        for dependency in &round.dependencies {
            entries.extend(self.observe_dependency(dependency, round.generated_at));
        }
        entries
    }

    /// Entries for hops of one target that started failing, recovered or stopped flapping.
    pub fn observe_target(&mut self, report: &TargetReport) -> Vec<Entry> {
        let now = report.probed_at;
        let period = self.settings.flap_quiet;
        let mut entries = Vec::new();
        for hop in HopId::ALL {
            let seen = target_hop(report, hop);
            let track = self.hops.entry((report.name.clone(), hop)).or_default();
            let text = match seen {
                HopSeen::Unknown => None,
                HopSeen::Failing { finding, address } => {
                    track.failing(finding.as_ref(), address.as_deref(), now, period)
                }
                HopSeen::Healthy => track.healthy(now, period),
            };
            if let Some((text, evidence)) = text {
                let text = format!("{} of {} {text}", hop.id(), report.name);
                entries.push(
                    self.entry(now, EntryKind::Probe, text)
                        .with_target(report.name.clone())
                        .with_hop(hop.id())
                        .with_evidence(evidence),
                );
            }
        }
        entries
    }

    /// An entry when a dependency's verdict changes (pending is not a state).
    pub fn observe_dependency(
        &mut self,
        report: &DependencyReport,
        now: DateTime<Utc>,
    ) -> Option<Entry> {
        if report.status == Verdict::Pending {
            return None;
        }
        let period = self.settings.flap_quiet;
        let track = self.dependencies.entry(report.name.clone()).or_default();
        let previous = track.state.replace(report.status);
        let flaps = match previous {
            // The first verdict is only news when it is bad.
            None if report.status == Verdict::Ok => return None,
            Some(previous) if previous == report.status => track.debounce.summary_due(now, period),
            _ => track.debounce.transition(now, period),
        }?;
        let was = previous
            .map(|p| format!(" (was {})", p.word()))
            .unwrap_or_default();
        let why = report
            .findings
            .first()
            .map(|f| format!(": {}: {}", f.code.as_str(), f.message))
            .unwrap_or_default();
        let text = format!(
            "dependency {} {}{was}{why}{}",
            report.name,
            report.status.word(),
            flap_note(flaps, period)
        );
        let evidence = json!({
            "status": report.status.word(),
            "previous": previous.map(Verdict::word),
            "findings": report.findings,
            "detail": report.detail,
            "flaps": flaps,
        });
        Some(
            self.entry(now, EntryKind::Probe, text)
                .with_target(report.name.clone())
                .with_hop(format!("dep:{}", report.name))
                .with_evidence(evidence),
        )
    }

    /// An entry the first time a log source fails; repeats of the same error are not news.
    pub fn log_source_failed(
        &mut self,
        source: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Option<Entry> {
        if self.failed_sources.get(source).is_some_and(|e| e == error) {
            return None;
        }
        self.failed_sources
            .insert(source.to_owned(), error.to_owned());
        let text = format!("log source {source} failed: {error}");
        Some(
            self.entry(now, EntryKind::Log, text)
                .with_hop(format!("logs:{source}"))
                .with_evidence(json!({"source": source, "error": error})),
        )
    }

    /// An entry when a failed log source reads again.
    pub fn log_source_recovered(&mut self, source: &str, now: DateTime<Utc>) -> Option<Entry> {
        self.failed_sources.remove(source)?;
        let text = format!("log source {source} is readable again");
        Some(
            self.entry(now, EntryKind::Log, text)
                .with_hop(format!("logs:{source}")),
        )
    }
}
