//! Checklist progress: the state of every runbook step, rebuilt from timeline entries.
//!
//! The runbook file never changes during an incident; who did which step, when and why lives in
//! the journal. [`Checklist::apply`] replays one entry, so a dashboard restarted on a journal, a
//! second dashboard watching it and `warroom export` all reach the same state. The checklist
//! pane draws this state; it does no I/O.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CheckBinding, Runbook, StepKind};
use crate::timeline::change::{Change, StepState};
use crate::timeline::entry::Entry;

/// What a journal records about a runbook: enough to list its steps without the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookOutline {
    pub name: String,
    pub title: String,
    pub sections: Vec<SectionOutline>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionOutline {
    pub title: String,
    pub steps: Vec<StepOutline>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutline {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<StepKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckBinding>,
    /// The step's command, shown and copyable in the detail area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Further lines of the step.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Runbook {
    /// The outline recorded in the journal when this runbook is loaded.
    #[must_use]
    pub fn outline(&self) -> RunbookOutline {
        RunbookOutline {
            name: self.name.clone(),
            title: self.title.clone(),
            sections: self
                .sections
                .iter()
                .map(|section| SectionOutline {
                    title: section.title.clone(),
                    steps: section
                        .steps
                        .iter()
                        .map(|step| StepOutline {
                            id: step.id.clone(),
                            text: step.text.clone(),
                            kind: step.kind,
                            owner: step.owner.clone(),
                            check: step.check.clone(),
                            command: step.command.clone(),
                            detail: step.detail.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl RunbookOutline {
    pub fn steps(&self) -> impl Iterator<Item = &StepOutline> {
        self.sections.iter().flat_map(|s| s.steps.iter())
    }

    #[must_use]
    pub fn step(&self, id: &str) -> Option<&StepOutline> {
        self.steps().find(|s| s.id == id)
    }
}

/// Where one step stands and who moved it last.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct StepProgress {
    pub state: StepState,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// An owner assigned during the incident, replacing the runbook's.
    pub owner: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
    pub changed_by: Option<String>,
    /// Evidence recorded with the last change (for a bound step: the live check at that time).
    pub evidence: Option<Value>,
}

/// How many steps of a section or runbook are settled (done or skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Progress {
    pub settled: usize,
    pub total: usize,
}

/// The progress of every step of one runbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checklist {
    outline: Option<RunbookOutline>,
    /// Given by the caller (`--runbook`): runbooks recorded in the journal do not replace it.
    pinned: bool,
    progress: BTreeMap<String, StepProgress>,
}

static NOT_STARTED: StepProgress = StepProgress {
    state: StepState::Todo,
    reason: None,
    owner: None,
    changed_at: None,
    changed_by: None,
    evidence: None,
};

impl Checklist {
    /// A checklist for `outline`, kept whatever the journal records; without one it follows
    /// the runbook recorded in the journal it replays (the latest, if it was switched).
    #[must_use]
    pub fn new(outline: Option<RunbookOutline>) -> Checklist {
        Checklist {
            pinned: outline.is_some(),
            outline,
            progress: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn from_runbook(runbook: &Runbook) -> Checklist {
        Checklist::new(Some(runbook.outline()))
    }

    #[must_use]
    pub fn outline(&self) -> Option<&RunbookOutline> {
        self.outline.as_ref()
    }

    /// Replays one entry; returns whether anything changed.
    pub fn apply(&mut self, entry: &Entry) -> bool {
        let Some(change) = &entry.change else {
            return false;
        };
        if let Change::Runbook { outline } = change {
            if self.pinned {
                return false;
            }
            self.outline = Some(outline.clone());
            return true;
        }
        let Some(step) = entry.refs.step.as_deref() else {
            return false;
        };
        let progress = self.progress.entry(step.to_owned()).or_default();
        match change {
            Change::Step { state, reason } => {
                progress.state = *state;
                progress.reason.clone_from(reason);
                progress.evidence.clone_from(&entry.evidence);
            }
            Change::Owner { owner } => progress.owner = Some(owner.clone()),
            _ => return false,
        }
        progress.changed_at = Some(entry.occurred_at);
        progress.changed_by = Some(entry.actor.name.clone());
        true
    }

    /// The progress of a step; a step nobody touched is `todo`.
    #[must_use]
    pub fn progress(&self, step: &str) -> &StepProgress {
        self.progress.get(step).unwrap_or(&NOT_STARTED)
    }

    /// The owner shown for a step: assigned during the incident, else the runbook's role.
    #[must_use]
    pub fn owner(&self, step: &str) -> Option<&str> {
        self.progress(step).owner.as_deref().or_else(|| {
            self.outline
                .as_ref()
                .and_then(|o| o.step(step))
                .and_then(|s| s.owner.as_deref())
        })
    }

    /// Progress of the section at `index` in the outline.
    #[must_use]
    pub fn section_progress(&self, index: usize) -> Progress {
        let steps = self
            .outline
            .as_ref()
            .and_then(|o| o.sections.get(index))
            .map(|s| s.steps.as_slice())
            .unwrap_or_default();
        self.count(steps.iter())
    }

    /// Progress over the whole runbook.
    #[must_use]
    pub fn total_progress(&self) -> Progress {
        match &self.outline {
            Some(outline) => self.count(outline.steps()),
            None => Progress::default(),
        }
    }

    fn count<'a>(&self, steps: impl Iterator<Item = &'a StepOutline>) -> Progress {
        let mut progress = Progress::default();
        for step in steps {
            progress.total += 1;
            if self.progress(&step.id).state.is_settled() {
                progress.settled += 1;
            }
        }
        progress
    }

    /// Steps of the outline in file order with their progress.
    pub fn steps(&self) -> impl Iterator<Item = (&StepOutline, &StepProgress)> {
        self.outline
            .iter()
            .flat_map(RunbookOutline::steps)
            .map(|step| (step, self.progress(&step.id)))
    }

    /// Step ids the journal mentions that the outline lacks (the runbook was edited since).
    pub fn unknown_steps(&self) -> impl Iterator<Item = (&str, &StepProgress)> {
        self.progress
            .iter()
            .filter(|(id, _)| self.outline.as_ref().and_then(|o| o.step(id)).is_none())
            .map(|(id, progress)| (id.as_str(), progress))
    }
}
