//! Opening the incident: the journal (new or resumed), the runbook, and who is typing. Shared
//! by the dashboard and the demo.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::Utc;

use crate::probe::spec::{HeaderValue, TargetSpec};
use crate::runbook::{self, Runbook};
use crate::timeline::journal::default_path;
use crate::timeline::redact::Redactor;
use crate::timeline::{Entry, Journal};

/// The journal opened for appending, what it already held, and the runbook to work from.
pub struct OpenedIncident {
    pub journal: Journal,
    pub replayed: Vec<Entry>,
    pub runbook: Option<Runbook>,
}

/// Opens (or creates) the journal and loads the runbook. Problems in an existing journal (a
/// torn last line after a crash, a line that is not an entry) are reported on stderr and in
/// warroom's log; the journal itself is never rewritten.
pub fn open(
    journal_path: Option<&Path>,
    title: &str,
    runbook_spec: Option<&str>,
    secrets: Vec<String>,
) -> anyhow::Result<OpenedIncident> {
    let path: PathBuf =
        journal_path.map_or_else(|| default_path(Utc::now(), Some(title)), Path::to_path_buf);
    let (journal, replay) =
        Journal::open(&path).with_context(|| format!("opening the journal {}", path.display()))?;
    for problem in &replay.problems {
        eprintln!("warroom: {}: {problem}", path.display());
        tracing::warn!(journal = %path.display(), %problem, "journal line skipped");
    }
    if !replay.entries.is_empty() {
        tracing::info!(journal = %path.display(), entries = replay.entries.len(), "journal resumed");
    }
    let journal = journal.with_redactor(Redactor::new(secrets));
    let runbook = runbook_spec
        .map(|spec| runbook::load(spec).with_context(|| format!("loading the runbook {spec}")))
        .transpose()?;
    Ok(OpenedIncident {
        journal,
        replayed: replay.entries,
        runbook,
    })
}

/// Every secret header value of the targets, so no entry can carry one into the journal.
#[must_use]
pub fn secrets_of(targets: &[TargetSpec]) -> Vec<String> {
    targets
        .iter()
        .flat_map(|t| t.headers.iter())
        .filter_map(|(_, value)| match value {
            HeaderValue::Secret(secret) => Some(secret.expose().to_owned()),
            HeaderValue::Plain(_) => None,
        })
        .collect()
}
