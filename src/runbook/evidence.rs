//! Live evidence for bound steps: what the check a step is bound to (`check=tls:api`,
//! `dep:queue`, `logs:5xx`, `reconcile`) currently shows.
//!
//! The checklist pane draws [`LiveEvidence::status`] and [`LiveEvidence::summary`] beside the
//! step; when the step is ticked, [`LiveEvidence::to_json`] goes into the entry's evidence, so
//! the timeline records what the check said at that moment (the TLS hop green after renewal).

use serde::Serialize;
use serde_json::{Value, json};

use super::CheckBinding;
use crate::probe::model::{HopId, HopReport, HopStatus, RoundReport, TargetReport, Verdict};
use crate::timeline::detect::{DetectorSettings, LogEvidence};

/// How a bound check looks right now, ordered so that `max` is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceStatus {
    /// Nothing to show yet: no target, no round, no log window, no reconciliation.
    Unknown,
    Ok,
    Warn,
    Fail,
}

impl EvidenceStatus {
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            EvidenceStatus::Unknown => "unknown",
            EvidenceStatus::Ok => "ok",
            EvidenceStatus::Warn => "warn",
            EvidenceStatus::Fail => "fail",
        }
    }

    fn of_verdict(verdict: Verdict) -> EvidenceStatus {
        match verdict {
            Verdict::Pending => EvidenceStatus::Unknown,
            Verdict::Ok => EvidenceStatus::Ok,
            Verdict::Warn | Verdict::Degraded => EvidenceStatus::Warn,
            Verdict::Fail => EvidenceStatus::Fail,
        }
    }
}

/// What a bound step shows beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveEvidence {
    pub check: String,
    pub status: EvidenceStatus,
    /// One line, e.g. `tls of api: fail TLS_CERT_EXPIRED`.
    pub summary: String,
}

impl LiveEvidence {
    /// The evidence recorded in a step entry when the step is ticked.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"check": self.check, "status": self.status.word(), "summary": self.summary})
    }
}

/// Evaluates `binding` against the latest round, the latest log windows (one per source) and
/// the latest reconciliation summary (the `warroom reconcile --json` document).
#[must_use]
pub fn live_evidence(
    binding: &CheckBinding,
    round: Option<&RoundReport>,
    logs: &[LogEvidence],
    reconcile: Option<&Value>,
) -> LiveEvidence {
    let (status, summary) = match binding {
        CheckBinding::Hop { hop, target } => {
            let targets = round.map(|r| r.targets.as_slice()).unwrap_or_default();
            let lines: Vec<(EvidenceStatus, String)> = targets
                .iter()
                .filter(|t| target.as_ref().is_none_or(|name| *name == t.name))
                .map(|t| hop_line(t, *hop))
                .collect();
            worst(lines, "no target probed yet")
        }
        CheckBinding::Dependency(name) => {
            let dependency = round.and_then(|r| r.dependencies.iter().find(|d| d.name == *name));
            match dependency {
                Some(d) => (
                    EvidenceStatus::of_verdict(d.status),
                    format!("{name}: {}", d.status.word()),
                ),
                None => (EvidenceStatus::Unknown, format!("{name}: not probed")),
            }
        }
        CheckBinding::Logs5xx => {
            let settings = DetectorSettings::default();
            let lines = logs
                .iter()
                .map(|window| {
                    let status = if window.spike_active == Some(true) {
                        EvidenceStatus::Fail
                    } else if window.total < settings.spike_min_requests {
                        EvidenceStatus::Unknown
                    } else if window.spike_active.is_none()
                        && window.share_5xx >= settings.spike_start_share
                    {
                        EvidenceStatus::Fail
                    } else if window.share_5xx >= settings.spike_end_share {
                        EvidenceStatus::Warn
                    } else {
                        EvidenceStatus::Ok
                    };
                    let text = format!(
                        "{}: 5xx {:.1}% of {} in {}s",
                        window.source,
                        window.share_5xx * 100.0,
                        window.total,
                        window.window_s
                    );
                    (status, text)
                })
                .collect();
            worst(lines, "no log window yet")
        }
        CheckBinding::Reconcile => {
            let status = reconcile
                .and_then(|r| r.get("status"))
                .and_then(Value::as_str);
            match status {
                Some("consistent") => (EvidenceStatus::Ok, "reconcile: consistent".to_owned()),
                Some("warning") => (
                    EvidenceStatus::Warn,
                    "reconcile: warnings remain".to_owned(),
                ),
                Some(other) => (EvidenceStatus::Fail, format!("reconcile: {other}")),
                None => (EvidenceStatus::Unknown, "reconcile: not run".to_owned()),
            }
        }
    };
    LiveEvidence {
        check: binding.to_string(),
        status,
        summary,
    }
}

fn worst(lines: Vec<(EvidenceStatus, String)>, empty: &str) -> (EvidenceStatus, String) {
    if lines.is_empty() {
        return (EvidenceStatus::Unknown, empty.to_owned());
    }
    let status = lines
        .iter()
        .map(|(s, _)| *s)
        .max()
        .unwrap_or(EvidenceStatus::Unknown);
    let text: Vec<String> = lines.into_iter().map(|(_, t)| t).collect();
    (status, text.join("; "))
}

fn hop_line(target: &TargetReport, hop: HopId) -> (EvidenceStatus, String) {
    let reports: Vec<&HopReport> = match hop {
        HopId::Dns => vec![&target.hops.dns],
        HopId::Ip => vec![&target.hops.ip],
        HopId::Tcp => target.addresses.iter().map(|a| &a.hops.tcp).collect(),
        HopId::Tls => target.addresses.iter().map(|a| &a.hops.tls).collect(),
        HopId::Http => target.addresses.iter().map(|a| &a.hops.http).collect(),
    };
    let status_of = |r: &&HopReport| match r.status {
        HopStatus::Ok | HopStatus::Skipped => EvidenceStatus::Ok,
        HopStatus::Warn => EvidenceStatus::Warn,
        HopStatus::Fail => EvidenceStatus::Fail,
        HopStatus::Pending | HopStatus::Blocked => EvidenceStatus::Unknown,
    };
    let status = reports
        .iter()
        .map(status_of)
        .max()
        .unwrap_or(EvidenceStatus::Unknown);
    let mut codes: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.code.as_str()))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut text = format!("{} of {}: {}", hop.id(), target.name, status.word());
    if !codes.is_empty() {
        text.push(' ');
        text.push_str(&codes.join(","));
    }
    (status, text)
}
