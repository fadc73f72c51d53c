//! The incident timeline: entries, the append-only journal they live in, the state rebuilt
//! from them, the detectors that write automatic entries and the postmortem export.
//!
//! Data flow: people act through [`author::Author`] constructors and automatic observations go
//! through [`detect`]; both produce [`Entry`] values that are appended to the [`journal`] (fsync
//! before they count as recorded) and applied to an [`state::Incident`]. A [`watch`] worker
//! delivers entries appended by other processes sharing the journal. Nothing here draws.

pub mod change;
pub mod entry;

pub use change::{Change, Milestone, Role, Severity, Status, StepState};
pub use entry::{Actor, Entry, EntryId, EntryKind, Refs};
pub mod journal;
pub mod redact;
pub mod watch;

pub use journal::{Journal, JournalError, LineProblem, Replay};
pub use watch::{JournalEvent, Tail, Watcher};
