//! The incident as rebuilt from its journal: milestones, severity, status, roles, clocks, the
//! ordered timeline and the checklist.
//!
//! Everything here is a pure fold over entries. The dashboard applies each entry it records and
//! each one the watcher delivers; a restart replays the journal; `warroom export` replays it
//! once. Applying the same entry twice changes nothing, so a late duplicate is harmless.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::change::{Change, Milestone, Role, Severity, Status};
use super::entry::{Entry, EntryId, EntryKind};
use crate::runbook::Runbook;
use crate::runbook::checklist::Checklist;

/// How long without a status update before the dashboard reminds the commander.
pub const DEFAULT_STATUS_REMINDER: Duration = Duration::from_secs(30 * 60);

/// When a milestone was reached, by whose entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneMark {
    pub at: DateTime<Utc>,
    pub entry: EntryId,
    pub by: String,
}

/// Incident-wide facts: what the status bar and the export's metadata show.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct IncidentState {
    pub title: Option<String>,
    /// The earliest time any entry happened.
    pub opened_at: Option<DateTime<Utc>>,
    pub milestones: BTreeMap<Milestone, MilestoneMark>,
    pub severity: Option<Severity>,
    /// The worst severity reached.
    pub peak_severity: Option<Severity>,
    pub status: Option<Status>,
    pub last_status_update: Option<MilestoneMark>,
    pub roles: BTreeMap<Role, String>,
}

/// Elapsed times for the status bar and the postmortem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Clocks {
    /// Since impact started (or the first entry when no impact time is set).
    pub since_start: Option<Duration>,
    pub to_detect: Option<Duration>,
    pub to_mitigate: Option<Duration>,
    pub to_resolve: Option<Duration>,
    /// Time to consistency: until the consistency-restored milestone.
    pub to_restore: Option<Duration>,
    pub since_status_update: Option<Duration>,
    /// No status update for longer than the reminder period, and not resolved.
    pub status_update_due: bool,
}

fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).to_std().unwrap_or(Duration::ZERO)
}

impl IncidentState {
    /// Replays one entry's change.
    pub fn apply(&mut self, entry: &Entry) {
        let at = entry.occurred_at;
        if self.opened_at.is_none_or(|opened| at < opened) {
            self.opened_at = Some(at);
        }
        let mark = || MilestoneMark {
            at,
            entry: entry.id.clone(),
            by: entry.actor.name.clone(),
        };
        match &entry.change {
            Some(Change::Title { title }) if self.title.is_none() => {
                self.title = Some(title.clone());
            }
            Some(Change::Milestone { milestone }) => {
                self.milestones.insert(*milestone, mark());
            }
            Some(Change::Severity { level }) => {
                self.severity = Some(*level);
                if self
                    .peak_severity
                    .is_none_or(|peak| level.is_worse_than(peak))
                {
                    self.peak_severity = Some(*level);
                }
            }
            Some(Change::Status { status }) => {
                self.status = Some(*status);
                self.last_status_update = Some(mark());
            }
            Some(Change::Role { role, person }) => {
                self.roles.insert(*role, person.clone());
            }
            Some(Change::Correct { occurred_at }) => {
                if let Some(target) = &entry.refs.entry {
                    self.correct(target, *occurred_at);
                }
            }
            _ => {}
        }
    }

    fn correct(&mut self, target: &EntryId, occurred_at: DateTime<Utc>) {
        let marks = self
            .milestones
            .values_mut()
            .chain(self.last_status_update.as_mut());
        for mark in marks.filter(|m| m.entry == *target) {
            mark.at = occurred_at;
        }
        if self.opened_at.is_none_or(|opened| occurred_at < opened) {
            self.opened_at = Some(occurred_at);
        }
    }

    /// The level `+` (`worse`) or `-` moves to; an incident without one starts at SEV3.
    #[must_use]
    pub fn next_severity(&self, worse: bool) -> Severity {
        match (self.severity, worse) {
            (None, _) => Severity::new(3),
            (Some(level), true) => level.raised(),
            (Some(level), false) => level.lowered(),
        }
    }

    #[must_use]
    pub fn milestone(&self, milestone: Milestone) -> Option<DateTime<Utc>> {
        self.milestones.get(&milestone).map(|m| m.at)
    }

    /// When the incident's clock starts: the impact milestone, else the first entry.
    #[must_use]
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.milestone(Milestone::ImpactStarted).or(self.opened_at)
    }

    /// The clocks at `now`; `reminder` is the status-update cadence.
    #[must_use]
    pub fn clocks(&self, now: DateTime<Utc>, reminder: Duration) -> Clocks {
        let start = self.started_at();
        let from_start = |m| Some(elapsed(start?, self.milestone(m)?));
        let last_update = self
            .last_status_update
            .as_ref()
            .map(|m| m.at)
            .or(self.opened_at);
        let since_status_update = last_update.map(|at| elapsed(at, now));
        Clocks {
            since_start: start.map(|s| elapsed(s, now)),
            to_detect: from_start(Milestone::Detected),
            to_mitigate: from_start(Milestone::Mitigated),
            to_resolve: from_start(Milestone::Resolved),
            to_restore: from_start(Milestone::ConsistencyRestored),
            since_status_update,
            status_update_due: self.status != Some(Status::Resolved)
                && since_status_update.is_some_and(|d| d >= reminder),
        }
    }
}

/// The timeline in the order things happened (corrections applied), ties in journal order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    entries: Vec<Entry>,
    ids: HashSet<EntryId>,
}

impl Timeline {
    /// Adds an entry; false when it was already there.
    pub fn insert(&mut self, entry: &Entry) -> bool {
        if !self.ids.insert(entry.id.clone()) {
            return false;
        }
        let at = self
            .entries
            .partition_point(|e| e.occurred_at <= entry.occurred_at);
        self.entries.insert(at, entry.clone());
        if let (Some(Change::Correct { occurred_at }), Some(target)) =
            (&entry.change, &entry.refs.entry)
        {
            if let Some(corrected) = self.entries.iter_mut().find(|e| e.id == *target) {
                corrected.occurred_at = *occurred_at;
            }
            // Stable: entries at the same time keep their journal order.
            self.entries.sort_by_key(|e| e.occurred_at);
        }
        true
    }

    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries that pass `filter`, oldest first.
    pub fn filtered<'a>(&'a self, filter: &'a TimelineFilter) -> impl Iterator<Item = &'a Entry> {
        self.entries.iter().filter(|e| filter.matches(e))
    }
}

/// What the timeline pane shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimelineFilter {
    /// Only these kinds; empty means all.
    pub kinds: Vec<EntryKind>,
    /// Hide warroom's automatic entries.
    pub people_only: bool,
    /// Case-insensitive text to look for in the text, actor and references.
    pub search: String,
}

impl TimelineFilter {
    #[must_use]
    pub fn matches(&self, entry: &Entry) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&entry.kind) {
            return false;
        }
        if self.people_only && entry.actor.is_automatic() {
            return false;
        }
        if self.search.is_empty() {
            return true;
        }
        let needle = self.search.to_lowercase();
        [
            Some(entry.text.as_str()),
            Some(entry.actor.name.as_str()),
            entry.refs.step.as_deref(),
            entry.refs.target.as_deref(),
            entry.refs.hop.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(&needle))
    }
}

/// Everything rebuilt from a journal, updated one entry at a time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Incident {
    pub state: IncidentState,
    pub timeline: Timeline,
    pub checklist: Checklist,
    /// Name of the latest runbook recorded in the journal.
    latest_runbook: Option<String>,
}

impl Incident {
    /// An empty incident worked from `runbook`; without one, the checklist adopts the runbook
    /// recorded in the journal.
    #[must_use]
    pub fn new(runbook: Option<&Runbook>) -> Incident {
        Incident {
            checklist: runbook.map(Checklist::from_runbook).unwrap_or_default(),
            ..Incident::default()
        }
    }

    /// Replays a whole journal.
    #[must_use]
    pub fn from_entries<'a>(
        runbook: Option<&Runbook>,
        entries: impl IntoIterator<Item = &'a Entry>,
    ) -> Incident {
        let mut incident = Incident::new(runbook);
        for entry in entries {
            incident.apply(entry);
        }
        incident
    }

    /// Applies one entry to the timeline, the incident state and the checklist; false when it
    /// was already applied.
    pub fn apply(&mut self, entry: &Entry) -> bool {
        if !self.timeline.insert(entry) {
            return false;
        }
        self.state.apply(entry);
        self.checklist.apply(entry);
        if let Some(Change::Runbook { outline }) = &entry.change {
            self.latest_runbook = Some(outline.name.clone());
        }
        true
    }

    /// Whether the latest runbook the journal records is not `runbook`, so the dashboard
    /// should record it (in journal order, the order entries were applied).
    #[must_use]
    pub fn needs_runbook_entry(&self, runbook: &Runbook) -> bool {
        self.latest_runbook.as_deref() != Some(runbook.name.as_str())
    }
}
