//! Timeline entries: one line of the journal each, one fact about the incident.
//!
//! An entry says who (actor and host), when it was recorded and when it happened, what kind of
//! fact it is, a sentence for people, what it refers to (a step, a target, a hop, another
//! entry), the evidence behind it as JSON, and optionally a [`Change`] to the incident's state.
//! Fields this version does not know are collected in `extra` and written back unchanged, so an
//! older warroom can export a journal written by a newer one without losing anything.

use std::fmt;
use std::io::Read as _;

use chrono::{DateTime, Utc};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::change::Change;

/// A unique, roughly time-ordered id: 48 bits of milliseconds then 80 random bits, as 32 hex
/// digits, so that ids sort by creation time and two hosts never collide in practice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntryId(String);

impl EntryId {
    #[must_use]
    pub fn generate(at: DateTime<Utc>) -> EntryId {
        let millis = (at.timestamp_millis().max(0) as u64) & 0xffff_ffff_ffff;
        let random: u128 = rand::rng().random();
        let random = random & ((1u128 << 80) - 1);
        EntryId(format!("{millis:012x}{random:020x}"))
    }

    /// An id taken as written (from a journal or a test).
    #[must_use]
    pub fn from_string(id: impl Into<String>) -> EntryId {
        EntryId(id.into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who wrote an entry: a person (`--as`, default the login name) or `warroom` for automatic
/// entries, and the host they were on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub host: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Actor {
    #[must_use]
    pub fn new(name: impl Into<String>, host: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            host: host.into(),
            extra: Map::new(),
        }
    }

    /// The person at this keyboard: `name` when given, else `$USER`/`$LOGNAME`, on this host.
    #[must_use]
    pub fn from_environment(name: Option<&str>) -> Actor {
        let name = name
            .map(str::to_owned)
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .filter(|n| !n.is_empty())
            .or_else(passwd_name)
            .unwrap_or_else(|| "unknown".to_owned());
        Actor::new(name, local_host_name())
    }

    /// The actor of automatic entries (probe failures, log spikes) on this host.
    #[must_use]
    pub fn automatic() -> Actor {
        Actor::new(AUTOMATIC_ACTOR, local_host_name())
    }

    /// Whether the entry came from warroom itself rather than a person.
    #[must_use]
    pub fn is_automatic(&self) -> bool {
        self.name == AUTOMATIC_ACTOR
    }
}

/// The account name of this process's user from `/etc/passwd`, for sessions (cron, `su`,
/// some SSH setups) that start without `$USER`.
fn passwd_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    })
}

/// The name automatic entries are recorded under.
pub const AUTOMATIC_ACTOR: &str = "warroom";

fn local_host_name() -> String {
    let mut name = String::new();
    let read = std::fs::File::open("/proc/sys/kernel/hostname")
        .and_then(|mut file| file.read_to_string(&mut name));
    match read {
        Ok(_) if !name.trim().is_empty() => name.trim().to_owned(),
        _ => std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_owned()),
    }
}

/// The kind of fact, used to filter and style the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Note,
    Step,
    Probe,
    Log,
    Milestone,
    Severity,
    Status,
    Role,
    Comms,
    /// The incident's title or runbook was set.
    Incident,
    /// A reconciliation result.
    Reconcile,
    /// A correction of another entry's time.
    Correction,
    /// A kind from a newer version, kept as written.
    #[serde(untagged)]
    Other(String),
}

impl EntryKind {
    #[must_use]
    pub fn word(&self) -> &str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Step => "step",
            EntryKind::Probe => "probe",
            EntryKind::Log => "log",
            EntryKind::Milestone => "milestone",
            EntryKind::Severity => "severity",
            EntryKind::Status => "status",
            EntryKind::Role => "role",
            EntryKind::Comms => "comms",
            EntryKind::Incident => "incident",
            EntryKind::Reconcile => "reconcile",
            EntryKind::Correction => "correction",
            EntryKind::Other(word) => word,
        }
    }
}

/// What an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Refs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A hop id (`tls`), or `dep:NAME` for a dependency, or `logs:SOURCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<String>,
    /// Another entry, for corrections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryId>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Refs {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Refs::default()
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    /// When the line was written (UTC).
    pub recorded_at: DateTime<Utc>,
    /// When it happened as first recorded; a later [`Change::Correct`] entry can move it.
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    pub kind: EntryKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Refs::is_empty")]
    pub refs: Refs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// Probe findings, log counts or a reconcile summary, as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Value>,
    /// Fields from a newer version, written back as they were read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Entry {
    /// A new entry that happened when it is recorded.
    #[must_use]
    pub fn new(
        now: DateTime<Utc>,
        actor: Actor,
        kind: EntryKind,
        text: impl Into<String>,
    ) -> Entry {
        Entry {
            id: EntryId::generate(now),
            recorded_at: now,
            occurred_at: now,
            actor,
            kind,
            text: text.into(),
            refs: Refs::default(),
            change: None,
            evidence: None,
            extra: Map::new(),
        }
    }

    #[must_use]
    pub fn occurred(mut self, at: DateTime<Utc>) -> Entry {
        self.occurred_at = at;
        self
    }

    #[must_use]
    pub fn with_change(mut self, change: Change) -> Entry {
        self.change = Some(change);
        self
    }

    #[must_use]
    pub fn with_evidence(mut self, evidence: Value) -> Entry {
        self.evidence = Some(evidence);
        self
    }

    #[must_use]
    pub fn with_step(mut self, step: impl Into<String>) -> Entry {
        self.refs.step = Some(step.into());
        self
    }

    #[must_use]
    pub fn with_target(mut self, target: impl Into<String>) -> Entry {
        self.refs.target = Some(target.into());
        self
    }

    #[must_use]
    pub fn with_hop(mut self, hop: impl Into<String>) -> Entry {
        self.refs.hop = Some(hop.into());
        self
    }

    /// The entry as one journal line, without the newline.
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

#[cfg(test)]
mod passwd_tests {
    #[test]
    fn the_account_name_is_found_without_the_environment() {
        // Every process runs as some account listed in /etc/passwd on the machines we test on.
        let name = super::passwd_name();
        assert!(name.is_some_and(|n| !n.is_empty()));
    }
}
