//! Entries a person makes: one constructor per dashboard action, so the UI never assembles an
//! entry by hand and every action reads the same in the journal.
//!
//! Constructors take the current time rather than reading the clock, which keeps them pure and
//! lets tests and the demo's sped-up clock use them unchanged.

use chrono::{DateTime, Utc};

use super::change::{Change, Milestone, Role, Severity, Status, StepState};
use super::entry::{Actor, Entry, EntryKind};
use super::state::Incident;
use crate::runbook::Runbook;
use crate::runbook::checklist::StepOutline;

/// Makes entries on behalf of one actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub actor: Actor,
}

impl Author {
    #[must_use]
    pub fn new(actor: Actor) -> Author {
        Author { actor }
    }

    fn entry(&self, now: DateTime<Utc>, kind: EntryKind, text: String) -> Entry {
        Entry::new(now, self.actor.clone(), kind, text)
    }

    /// Names the incident; written once when a new journal is started.
    #[must_use]
    pub fn open_incident(&self, now: DateTime<Utc>, title: &str) -> Entry {
        self.entry(
            now,
            EntryKind::Incident,
            format!("incident opened: {title}"),
        )
        .with_change(Change::Title {
            title: title.to_owned(),
        })
    }

    /// Records the runbook in use, so the journal alone can rebuild the checklist.
    #[must_use]
    pub fn runbook_loaded(&self, now: DateTime<Utc>, runbook: &Runbook) -> Entry {
        let text = format!("runbook: {} ({})", runbook.title, runbook.name);
        self.entry(now, EntryKind::Incident, text)
            .with_change(Change::Runbook {
                outline: runbook.outline(),
            })
    }

    /// A free-text note (`n`). Notes are single lines: a pasted block has its line breaks and
    /// runs of blanks folded into single spaces.
    #[must_use]
    pub fn note(&self, now: DateTime<Utc>, text: &str) -> Entry {
        let text: Vec<&str> = text.split_whitespace().collect();
        self.entry(now, EntryKind::Note, text.join(" "))
    }

    /// What to append when a dashboard starts on `incident` (new or replayed): the title when
    /// the journal has none, and the runbook when the journal does not record it yet.
    #[must_use]
    pub fn startup_entries(
        &self,
        now: DateTime<Utc>,
        incident: &Incident,
        title: Option<&str>,
        runbook: Option<&Runbook>,
    ) -> Vec<Entry> {
        let mut entries = Vec::new();
        if let (None, Some(title)) = (&incident.state.title, title) {
            entries.push(self.open_incident(now, title));
        }
        if let Some(runbook) = runbook.filter(|r| incident.needs_runbook_entry(r)) {
            entries.push(self.runbook_loaded(now, runbook));
        }
        entries
    }

    /// Moves a step to `state`; `reason` is asked for on skip and welcome on failure.
    #[must_use]
    pub fn step(
        &self,
        now: DateTime<Utc>,
        step: &StepOutline,
        state: StepState,
        reason: Option<&str>,
    ) -> Entry {
        let verb = match state {
            StepState::Todo => "reopened",
            StepState::Doing => "started",
            StepState::Done => "done",
            StepState::Skipped => "skipped",
            StepState::Failed => "failed",
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let text = match reason {
            Some(reason) => format!("{verb}: {} ({reason})", step.text),
            None => format!("{verb}: {}", step.text),
        };
        self.entry(now, EntryKind::Step, text)
            .with_step(step.id.clone())
            .with_change(Change::Step {
                state,
                reason: reason.map(str::to_owned),
            })
    }

    /// Ticks a step done (`Space`).
    #[must_use]
    pub fn tick(&self, now: DateTime<Utc>, step: &StepOutline) -> Entry {
        self.step(now, step, StepState::Done, None)
    }

    /// Skips a step with the reason the person gave (`s`).
    #[must_use]
    pub fn skip(&self, now: DateTime<Utc>, step: &StepOutline, reason: &str) -> Entry {
        self.step(now, step, StepState::Skipped, Some(reason))
    }

    /// Gives a step a new owner (`o`).
    #[must_use]
    pub fn owner(&self, now: DateTime<Utc>, step: &StepOutline, owner: &str) -> Entry {
        let text = format!("owner of \"{}\": {owner}", step.text);
        self.entry(now, EntryKind::Step, text)
            .with_step(step.id.clone())
            .with_change(Change::Owner {
                owner: owner.to_owned(),
            })
    }

    /// Sets a milestone (`m`) at `occurred_at`, which may be earlier than now (impact usually
    /// started before anyone noticed).
    #[must_use]
    pub fn milestone(
        &self,
        now: DateTime<Utc>,
        milestone: Milestone,
        occurred_at: DateTime<Utc>,
    ) -> Entry {
        let text = format!("milestone: {}", milestone.label());
        self.entry(now, EntryKind::Milestone, text)
            .occurred(occurred_at)
            .with_change(Change::Milestone { milestone })
    }

    /// Sets the severity (`+`/`-` compute the level from the current one).
    #[must_use]
    pub fn severity(
        &self,
        now: DateTime<Utc>,
        level: Severity,
        previous: Option<Severity>,
    ) -> Entry {
        let text = match previous {
            Some(previous) => format!("severity {level} (was {previous})"),
            None => format!("severity {level}"),
        };
        self.entry(now, EntryKind::Severity, text)
            .with_change(Change::Severity { level })
    }

    /// A status update (`S`): the status word and what the public is told.
    #[must_use]
    pub fn status(&self, now: DateTime<Utc>, status: Status, message: &str) -> Entry {
        let message = message.trim();
        let text = if message.is_empty() {
            format!("status: {}", status.word())
        } else {
            format!("status: {}: {message}", status.word())
        };
        self.entry(now, EntryKind::Status, text)
            .with_change(Change::Status { status })
    }

    /// Assigns a role (`R`).
    #[must_use]
    pub fn role(&self, now: DateTime<Utc>, role: Role, person: &str) -> Entry {
        let text = format!("{person} is {}", role.word());
        self.entry(now, EntryKind::Role, text)
            .with_change(Change::Role {
                role,
                person: person.to_owned(),
            })
    }

    /// Says that `entry` really happened at `occurred_at`.
    #[must_use]
    pub fn correct_time(
        &self,
        now: DateTime<Utc>,
        entry: &Entry,
        occurred_at: DateTime<Utc>,
    ) -> Entry {
        let text = format!(
            "time of \"{}\" corrected to {}",
            entry.text,
            occurred_at.format("%Y-%m-%d %H:%M:%SZ")
        );
        let mut correction = self
            .entry(now, EntryKind::Correction, text)
            .with_change(Change::Correct { occurred_at });
        correction.refs.entry = Some(entry.id.clone());
        correction
    }
}
