//! The incident timeline: entries, the append-only journal they live in, the state rebuilt
//! from them, the detectors that write automatic entries and the postmortem export.
//!
//! Data flow: people act through [`Author`] constructors and automatic observations go through
//! the detectors; both produce [`Entry`] values that are appended to the [`Journal`] (fsync
//! before they count as recorded) and applied to an [`Incident`]. A [`Watcher`] delivers entries
//! appended by other processes sharing the journal. Nothing here draws.

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
