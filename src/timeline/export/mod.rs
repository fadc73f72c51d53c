//! Exports of a journal: the Markdown postmortem skeleton and a JSON document of the entries
//! with the figures derived from them.
//!
//! Both are pure functions of the journal's entries, so the same journal always gives the same
//! bytes (no "generated at" stamp, stable ordering), and exports diff cleanly in a repository.
//! [`write_atomically`] puts a file in place with a rename so that a reader never sees half.

mod markdown;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::change::{Milestone, StepState};
use super::entry::{Entry, EntryKind};
use super::state::{Clocks, DEFAULT_STATUS_REMINDER, Incident};
use crate::runbook::StepKind;

pub use markdown::markdown;

/// Version of the JSON export's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// The numbers a postmortem quotes, derived from the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub title: String,
    pub started_at: Option<DateTime<Utc>>,
    pub last_entry_at: Option<DateTime<Utc>>,
    pub severity_peak: Option<String>,
    pub severity_final: Option<String>,
    pub status: Option<String>,
    pub roles: BTreeMap<String, String>,
    pub milestones: BTreeMap<String, DateTime<Utc>>,
    pub durations_s: Durations,
    pub runbook: Option<RunbookExecution>,
    pub action_items: Vec<StepRecord>,
    /// The evidence of the latest reconcile entry, as recorded.
    pub consistency: Option<Value>,
    pub entries: usize,
}

/// Seconds from impact start to each milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Durations {
    pub to_detect: Option<u64>,
    pub to_mitigate: Option<u64>,
    pub to_resolve: Option<u64>,
    pub to_restore_consistency: Option<u64>,
}

/// How far the runbook got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunbookExecution {
    pub name: String,
    pub title: String,
    pub done: Vec<StepRecord>,
    pub skipped: Vec<StepRecord>,
    pub failed: Vec<StepRecord>,
    pub in_progress: Vec<StepRecord>,
    pub not_reached: Vec<StepRecord>,
}

/// One step as the postmortem lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub id: String,
    pub text: String,
    pub section: String,
    pub state: StepState,
    pub owner: Option<String>,
    pub reason: Option<String>,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl Figures {
    /// Derives the figures from an incident rebuilt from its journal.
    #[must_use]
    pub fn of(incident: &Incident) -> Figures {
        let state = &incident.state;
        let entries = incident.timeline.entries();
        let last_entry_at = entries.iter().map(|e| e.occurred_at).max();
        let clocks = last_entry_at
            .map(|last| state.clocks(last, DEFAULT_STATUS_REMINDER))
            .unwrap_or_default();
        let runbook = runbook_execution(incident);
        let action_items = runbook
            .iter()
            .flat_map(|r| {
                [
                    &r.done,
                    &r.skipped,
                    &r.failed,
                    &r.in_progress,
                    &r.not_reached,
                ]
            })
            .flatten()
            .filter(|s| is_follow_up(incident, &s.id))
            .cloned()
            .collect();
        Figures {
            title: state
                .title
                .clone()
                .unwrap_or_else(|| "Untitled incident".to_owned()),
            started_at: state.started_at(),
            last_entry_at,
            severity_peak: state.peak_severity.map(|s| s.to_string()),
            severity_final: state.severity.map(|s| s.to_string()),
            status: state.status.map(|s| s.word().to_owned()),
            roles: state
                .roles
                .iter()
                .map(|(r, p)| (r.word().to_owned(), p.clone()))
                .collect(),
            milestones: Milestone::ALL
                .into_iter()
                .filter_map(|m| Some((m.label().replace(' ', "_"), state.milestone(m)?)))
                .collect(),
            durations_s: durations(&clocks),
            runbook,
            action_items,
            consistency: entries
                .iter()
                .rev()
                .find(|e| e.kind == EntryKind::Reconcile)
                .and_then(|e| e.evidence.clone()),
            entries: entries.len(),
        }
    }
}

fn durations(clocks: &Clocks) -> Durations {
    let secs = |d: Option<std::time::Duration>| d.map(|d| d.as_secs());
    Durations {
        to_detect: secs(clocks.to_detect),
        to_mitigate: secs(clocks.to_mitigate),
        to_resolve: secs(clocks.to_resolve),
        to_restore_consistency: secs(clocks.to_restore),
    }
}

fn is_follow_up(incident: &Incident, step: &str) -> bool {
    let outline = incident.checklist.outline();
    outline
        .and_then(|o| o.step(step))
        .is_some_and(|s| s.kind == Some(StepKind::FollowUp))
}

fn runbook_execution(incident: &Incident) -> Option<RunbookExecution> {
    let checklist = &incident.checklist;
    let outline = checklist.outline()?;
    let mut execution = RunbookExecution {
        name: outline.name.clone(),
        title: outline.title.clone(),
        done: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        in_progress: Vec::new(),
        not_reached: Vec::new(),
    };
    for section in &outline.sections {
        for step in &section.steps {
            let progress = checklist.progress(&step.id);
            let record = StepRecord {
                id: step.id.clone(),
                text: step.text.clone(),
                section: section.title.clone(),
                state: progress.state,
                owner: checklist.owner(&step.id).map(str::to_owned),
                reason: progress.reason.clone(),
                by: progress.changed_by.clone(),
                at: progress.changed_at,
            };
            let list = match progress.state {
                StepState::Done => &mut execution.done,
                StepState::Skipped => &mut execution.skipped,
                StepState::Failed => &mut execution.failed,
                StepState::Doing => &mut execution.in_progress,
                StepState::Todo => &mut execution.not_reached,
            };
            list.push(record);
        }
    }
    Some(execution)
}

/// The JSON export: schema version, derived figures and every entry in journal order.
pub fn json(entries: &[Entry]) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        figures: Figures,
        entries: &'a [Entry],
    }
    let incident = Incident::from_entries(None, entries);
    let document = Document {
        schema_version: SCHEMA_VERSION,
        figures: Figures::of(&incident),
        entries,
    };
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    Ok(text)
}

/// Where the dashboard's `e` writes the postmortem: beside the journal, same stem
/// (`2026-03-02-webhooks-failing.jsonl` gives `2026-03-02-webhooks-failing.postmortem.md`).
#[must_use]
pub fn postmortem_path(journal: &Path) -> std::path::PathBuf {
    journal.with_extension("postmortem.md")
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename, so
/// `path` holds either its old contents or all of the new ones.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "output path has no file name")
    })?;
    let temp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
