//! The incident timeline: entries, the append-only journal they live in, the state rebuilt
//! from them, the detectors that write automatic entries and the postmortem export.
//!
//! Data flow: people act through [`Author`] constructors and automatic observations go through
//! the detectors; both produce [`Entry`] values that are appended to the [`Journal`] (fsync
//! before they count as recorded) and applied to an [`Incident`]. A [`Watcher`] delivers entries
//! appended by other processes sharing the journal. Nothing here draws.
//!
//! How a dashboard uses it:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use chrono::Utc;
//! use warroom::runbook;
//! use warroom::timeline::{Actor, Author, Incident, Journal, JournalEvent, Watcher};
//!
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("incident.jsonl");
//! let book = runbook::load("webhook-outage")?;
//! let (journal, replay) = Journal::open(&path)?; // replay.problems: torn or bad lines
//! let mut incident = Incident::from_entries(Some(&book), &replay.entries);
//! let author = Author::new(Actor::from_environment(None));
//!
//! let now = Utc::now();
//! for entry in author.startup_entries(now, &incident, Some("Webhooks failing"), Some(&book)) {
//!     incident.apply(&journal.append(&entry)?); // durable before it is shown
//! }
//! let step = book.outline().step("renew-certificate").cloned().ok_or("no step")?;
//! incident.apply(&journal.append(&author.tick(now, &step))?);
//!
//! // Entries from other dashboards on the same file, within a second, each once.
//! let (sender, others) = std::sync::mpsc::sync_channel::<JournalEvent>(64);
//! let watcher = Watcher::spawn(&journal, move |event| sender.send(event).is_ok())?;
//! # drop(watcher);
//! # drop(others);
//! assert_eq!(incident.checklist.total_progress().settled, 1);
//! # Ok(())
//! # }
//! ```

pub mod author;
pub mod change;
pub mod detect;
pub mod entry;
pub mod export;
pub mod journal;
pub mod notify;
pub mod redact;
pub mod state;
pub mod watch;

pub use author::Author;
pub use change::{Change, Milestone, Role, Severity, Status, StepState};
pub use entry::{Actor, Entry, EntryId, EntryKind, Refs};
pub use journal::{Journal, JournalError, LineProblem, Replay};
pub use state::{Clocks, Incident, IncidentState, Timeline, TimelineFilter};
pub use watch::{JournalEvent, Tail, Watcher};
