//! Watching a shared journal: entries appended by other warroom processes, delivered once.
//!
//! A worker thread polls the file every [`POLL_INTERVAL`] from where the last read stopped and
//! hands complete new lines to a callback; a line still being written waits for its newline.
//! Polling is used rather than inotify because journals often live on network or container
//! filesystems where change notifications are unreliable, and a stat every 250 ms costs
//! nothing. Entries this process wrote itself, or already delivered, are filtered by id.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::entry::{Entry, EntryId};
use super::journal::{Journal, JournalError, LineProblem, parse_lines};

/// How often the file is checked for new lines.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// What a watcher found in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum JournalEvent {
    /// An entry another process appended.
    Entry(Box<Entry>),
    /// A new line that is not an entry.
    Problem(LineProblem),
    /// The file could not be read; the watcher keeps trying and reports the error again only
    /// when it changes.
    ReadFailed(String),
}

/// Reads the lines appended after an offset, remembering where it stopped.
#[derive(Debug)]
pub struct Tail {
    file: File,
    offset: u64,
    lines: usize,
    pending: Vec<u8>,
    seen: Arc<Mutex<HashSet<EntryId>>>,
}

impl Tail {
    /// Follows the journal from where its opening read stopped.
    pub fn after(journal: &Journal) -> Result<Tail, JournalError> {
        let (offset, lines) = journal.replayed;
        Tail::open(journal.path(), offset, lines, Arc::clone(&journal.seen))
    }

    fn open(
        path: &Path,
        offset: u64,
        lines: usize,
        seen: Arc<Mutex<HashSet<EntryId>>>,
    ) -> Result<Tail, JournalError> {
        let file = File::open(path).map_err(|source| JournalError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Tail {
            file,
            offset,
            lines,
            pending: Vec::new(),
            seen,
        })
    }

    /// New complete lines since the last call, as events; entries already seen are dropped.
    pub fn poll(&mut self) -> io::Result<Vec<JournalEvent>> {
        let len = self.file.metadata()?.len();
        // Known gap: a journal truncated or replaced under us is not followed; journals are
        // append-only, so that only happens when someone edits the file by hand.
        if len > self.offset {
            let mut buf = vec![0u8; (len - self.offset) as usize];
            self.file.read_exact_at(&mut buf, self.offset)?;
            self.offset = len;
            self.pending.extend_from_slice(&buf);
        }
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        let consumed = parse_lines(&self.pending, self.lines, &mut entries, &mut problems);
        self.lines += memchr::memchr_iter(b'\n', &self.pending[..consumed]).count();
        self.pending.drain(..consumed);

        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let mut events: Vec<JournalEvent> =
            problems.into_iter().map(JournalEvent::Problem).collect();
        for entry in entries {
            if seen.insert(entry.id.clone()) {
                events.push(JournalEvent::Entry(Box::new(entry)));
            }
        }
        Ok(events)
    }
}

/// A running watcher; dropping it stops the worker thread.
#[derive(Debug)]
pub struct Watcher {
    stop: Option<mpsc::Sender<()>>,
    worker: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts a worker that calls `deliver` with each event; it stops when `deliver` returns
    /// false or the watcher is dropped. `deliver` runs on the worker thread, so a dashboard
    /// typically forwards into its event channel (`blocking_send`).
    pub fn spawn<F>(journal: &Journal, deliver: F) -> Result<Watcher, JournalError>
    where
        F: FnMut(JournalEvent) -> bool + Send + 'static,
    {
        let tail = Tail::after(journal)?;
        let (stop, stopped) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("journal-watch".into())
            .spawn(move || run(tail, &stopped, deliver))
            .map_err(|source| JournalError::Open {
                path: journal.path().to_path_buf(),
                source,
            })?;
        Ok(Watcher {
            stop: Some(stop),
            worker: Some(worker),
        })
    }
}

fn run<F>(mut tail: Tail, stopped: &mpsc::Receiver<()>, mut deliver: F)
where
    F: FnMut(JournalEvent) -> bool,
{
    // A read error is reported when it first appears or changes, not every poll.
    let mut last_error: Option<String> = None;
    loop {
        let events = match tail.poll() {
            Ok(events) => {
                last_error = None;
                events
            }
            Err(error) => {
                let error = error.to_string();
                if last_error.as_ref() == Some(&error) {
                    Vec::new()
                } else {
                    last_error = Some(error.clone());
                    vec![JournalEvent::ReadFailed(error)]
                }
            }
        };
        for event in events {
            if !deliver(event) {
                return;
            }
        }
        match stopped.recv_timeout(POLL_INTERVAL) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
