//! The state changes a timeline entry can carry: a step's new state, a milestone, a severity,
//! a status, a role, a time correction. [`super::Incident`] and the checklist replay them.
//!
//! Every value here is written into journals that outlive this version of warroom, so the
//! spellings are part of the file format: add variants, never rename them. A change written by
//! a newer version that this one does not understand is kept verbatim as [`Change::Unknown`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::runbook::checklist::RunbookOutline;

/// What an entry changes, tagged by `set` in the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "set", rename_all = "snake_case")]
pub enum Change {
    /// Names the incident; the first one in a journal is its title.
    Title {
        title: String,
    },
    /// The runbook the responders work from, recorded so that exports need only the journal.
    Runbook {
        outline: RunbookOutline,
    },
    /// The step named in the entry's `refs.step` moved to `state`.
    Step {
        state: StepState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The step named in `refs.step` has a new owner.
    Owner {
        owner: String,
    },
    Milestone {
        milestone: Milestone,
    },
    Severity {
        level: Severity,
    },
    Status {
        status: Status,
    },
    Role {
        role: Role,
        person: String,
    },
    /// The entry `refs.entry` actually happened at `occurred_at`.
    Correct {
        occurred_at: DateTime<Utc>,
    },
    /// A change from a newer version, kept as written.
    #[serde(untagged)]
    Unknown(serde_json::Value),
}

/// Progress of one runbook step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    #[default]
    Todo,
    Doing,
    Done,
    Skipped,
    Failed,
}

impl StepState {
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            StepState::Todo => "todo",
            StepState::Doing => "doing",
            StepState::Done => "done",
            StepState::Skipped => "skipped",
            StepState::Failed => "failed",
        }
    }

    /// Whether the step needs no more work (done or skipped).
    #[must_use]
    pub fn is_settled(self) -> bool {
        matches!(self, StepState::Done | StepState::Skipped)
    }
}

/// The moments the incident clocks are measured between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    ImpactStarted,
    Detected,
    Mitigated,
    Resolved,
    ConsistencyRestored,
}

impl Milestone {
    pub const ALL: [Milestone; 5] = [
        Milestone::ImpactStarted,
        Milestone::Detected,
        Milestone::Mitigated,
        Milestone::Resolved,
        Milestone::ConsistencyRestored,
    ];

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Milestone::ImpactStarted => "impact started",
            Milestone::Detected => "detected",
            Milestone::Mitigated => "mitigated",
            Milestone::Resolved => "resolved",
            Milestone::ConsistencyRestored => "consistency restored",
        }
    }
}

/// Public status, in the words status pages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
    ];

    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
        }
    }
}

/// Incident roles a person can be assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Commander,
    Scribe,
    Comms,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Commander, Role::Scribe, Role::Comms];

    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Scribe => "scribe",
            Role::Comms => "comms",
        }
    }
}

/// Severity level: 1 is the worst (`SEV1`), [`Severity::LEAST`] the mildest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Severity(u8);

impl Severity {
    pub const WORST: Severity = Severity(1);
    pub const LEAST: Severity = Severity(5);

    /// A level clamped into `1..=5`.
    #[must_use]
    pub fn new(level: u8) -> Severity {
        Severity(level.clamp(Self::WORST.0, Self::LEAST.0))
    }

    #[must_use]
    pub fn level(self) -> u8 {
        self.0
    }

    /// One step worse (`+` in the dashboard), stopping at SEV1.
    #[must_use]
    pub fn raised(self) -> Severity {
        Severity::new(self.0.saturating_sub(1))
    }

    /// One step milder (`-`), stopping at the mildest level.
    #[must_use]
    pub fn lowered(self) -> Severity {
        Severity::new(self.0.saturating_add(1))
    }

    /// Whether `self` is worse than `other`.
    #[must_use]
    pub fn is_worse_than(self, other: Severity) -> bool {
        self.0 < other.0
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV{}", self.0)
    }
}
