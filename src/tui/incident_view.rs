//! The incident as the dashboard holds it: the state rebuilt from the journal, who is typing,
//! the detectors, and the cursor positions of the checklist and timeline panes.
//!
//! Entries made here are not applied at once: they go out as `Record` effects, are appended
//! and fsynced by the journal worker, and come back as recorded. What the screen shows as done
//! is therefore always on disk.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::checklist_state::ChecklistPane;
use super::timeline_state::TimelinePane;
use crate::probe::model::RoundReport;
use crate::runbook::CheckBinding;
use crate::runbook::evidence::{LiveEvidence, live_evidence};
use crate::timeline::detect::{Detector, LogEvidence};
use crate::timeline::{Author, Entry, Incident, StepState};

pub struct IncidentView {
    pub incident: Incident,
    pub author: Author,
    pub detector: Detector,
    /// Shown in the status bar, so everyone knows where the record is.
    pub journal_path: String,
    /// Entries sent to the journal and not yet acknowledged as durable.
    pub pending_writes: usize,
    /// The last journal or export problem, shown until the next success.
    pub problem: Option<String>,
    /// The last export written, shown in the status bar.
    pub exported: Option<String>,
    pub status_reminder: Duration,
    pub checklist: ChecklistPane,
    pub timeline: TimelinePane,
    /// The latest reconciliation summary, as recorded (the JSON evidence).
    pub reconcile: Option<Value>,
    /// The latest log figures, for steps bound to the 5xx share.
    pub log_figures: Vec<LogEvidence>,
    /// Each step's command from the runbook file (the journal records only the outline).
    pub commands: HashMap<String, String>,
}

impl IncidentView {
    #[must_use]
    pub fn new(
        incident: Incident,
        author: Author,
        detector: Detector,
        journal_path: String,
        status_reminder: Duration,
    ) -> Self {
        let reconcile = incident
            .timeline
            .entries()
            .iter()
            .rev()
            .find(|e| e.kind == crate::timeline::EntryKind::Reconcile)
            .and_then(|e| e.evidence.clone());
        IncidentView {
            incident,
            author,
            detector,
            journal_path,
            pending_writes: 0,
            problem: None,
            exported: None,
            status_reminder,
            checklist: ChecklistPane::default(),
            timeline: TimelinePane::default(),
            reconcile,
            log_figures: Vec::new(),
            commands: HashMap::new(),
        }
    }

    /// The live evidence of a bound step, from the latest probe round, logs and reconciliation.
    #[must_use]
    pub fn evidence(&self, binding: &CheckBinding, round: &RoundReport) -> LiveEvidence {
        live_evidence(
            binding,
            Some(round),
            &self.log_figures,
            self.reconcile.as_ref(),
        )
    }

    /// The entry for moving the selected step to `state`, with the live evidence of a bound step
    /// attached when it is ticked done.
    #[must_use]
    pub fn step_entry(
        &self,
        now: DateTime<Utc>,
        state: StepState,
        reason: Option<&str>,
        round: &RoundReport,
    ) -> Option<Entry> {
        let step = self.checklist.selected(&self.incident.checklist)?;
        let entry = self.author.step(now, step, state, reason);
        Some(match (&step.check, state) {
            (Some(binding), StepState::Done) => {
                entry.with_evidence(self.evidence(binding, round).to_json())
            }
            _ => entry,
        })
    }

    /// The state of the step under the cursor.
    #[must_use]
    pub fn selected_state(&self) -> Option<StepState> {
        let step = self.checklist.selected(&self.incident.checklist)?;
        Some(self.incident.checklist.progress(&step.id).state)
    }
}
