//! The journal: one incident's entries as JSON lines in one append-only file.
//!
//! Every entry is written with a single `write` to a file opened with `O_APPEND`, under an
//! exclusive `flock` so that several warroom processes on one host never interleave lines, and
//! made durable with `fdatasync` before [`Journal::append`] returns: only then may the UI show it
//! as recorded. Nothing already written is ever rewritten. A line torn by a crash is reported
//! and skipped when the journal is read; the next append starts on a fresh line instead of
//! repairing it, so the damaged bytes stay visible to whoever investigates.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rustix::fs::{FlockOperation, flock};
use thiserror::Error;

use super::entry::{Entry, EntryId};
use super::redact::Redactor;
use crate::runbook::slugify;

/// Something that went wrong with the journal file itself.
#[derive(Debug, Error)]
pub enum JournalError {
    #[error("cannot open journal {}: {source}", path.display())]
    Open { path: PathBuf, source: io::Error },
    #[error("cannot read journal {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write to journal {}: {source}; the entry was not recorded", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot encode a journal entry: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A line that could not be read as an entry. It stays in the file untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number in the file.
    pub line: usize,
    pub kind: LineProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblemKind {
    /// The last line has no newline and does not parse: a write cut short by a crash.
    TornTail,
    /// A complete line that is not a valid entry.
    Malformed(String),
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            LineProblemKind::TornTail => write!(
                f,
                "line {}: incomplete last line (a write interrupted by a crash); skipped and kept",
                self.line
            ),
            LineProblemKind::Malformed(why) => {
                write!(
                    f,
                    "line {}: not a journal entry ({why}); skipped",
                    self.line
                )
            }
        }
    }
}

/// What reading a journal from the start found.
#[derive(Debug, Default)]
pub struct Replay {
    pub entries: Vec<Entry>,
    pub problems: Vec<LineProblem>,
    /// Bytes read; a watcher continues from here.
    pub end_offset: u64,
    /// Lines seen, complete or not; a watcher numbers its lines after these.
    pub lines: usize,
}

/// An open journal that this process appends to.
// Known gap: `flock` only excludes processes on one host (and not at all on some network
// filesystems), so responders sharing a journal must work on the same machine, as on a bastion.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    redactor: Redactor,
    /// `flock` excludes other processes only: threads of this one share the open file, so
    /// they take turns here first.
    write_turn: Mutex<()>,
    /// Ids written or delivered in this process, so a watcher never hands one back.
    pub(super) seen: Arc<Mutex<HashSet<EntryId>>>,
    pub(super) replayed: (u64, usize),
}

impl Journal {
    /// Opens `path` for appending, creating it readable by its owner only, and reads what is
    /// already there.
    pub fn open(path: &Path) -> Result<(Journal, Replay), JournalError> {
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(|source| JournalError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        if !existed {
            sync_parent(path).map_err(|source| JournalError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let replay = read_from(&file, path)?;
        for problem in &replay.problems {
            tracing::warn!(journal = %path.display(), "journal recovery: {problem}");
        }
        let seen = replay.entries.iter().map(|e| e.id.clone()).collect();
        let journal = Journal {
            path: path.to_path_buf(),
            file,
            redactor: Redactor::default(),
            write_turn: Mutex::new(()),
            seen: Arc::new(Mutex::new(seen)),
            replayed: (replay.end_offset, replay.lines),
        };
        Ok((journal, replay))
    }

    /// Redacts every entry through `redactor` before it is written.
    #[must_use]
    pub fn with_redactor(mut self, redactor: Redactor) -> Journal {
        self.redactor = redactor;
        self
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Redacts, writes and fsyncs one entry; returns the entry as recorded. When this returns
    /// `Ok` the entry survives a crash of warroom or of the machine.
    pub fn append(&self, entry: &Entry) -> Result<Entry, JournalError> {
        let entry = self.redactor.entry(entry.clone());
        let mut line = entry.to_line()?;
        line.push('\n');
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(entry.id.clone());

        let write_error = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        {
            let _turn = self
                .write_turn
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            flock(&self.file, FlockOperation::LockExclusive).map_err(|e| write_error(e.into()))?;
            let written = self.write_line(line);
            let unlocked = flock(&self.file, FlockOperation::Unlock);
            written.map_err(write_error)?;
            unlocked.map_err(|e| write_error(e.into()))?;
        }
        self.file.sync_data().map_err(write_error)?;
        Ok(entry)
    }

    /// Writes one line under the lock, starting a fresh line when the file ends in a torn one.
    fn write_line(&self, mut line: String) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            self.file.read_exact_at(&mut last, len - 1)?;
            if last[0] != b'\n' {
                line.insert(0, '\n');
            }
        }
        (&self.file).write_all(line.as_bytes())
    }
}

/// Makes a new file's directory entry durable, so that a crash right after the first fsynced
/// entry cannot lose the whole file.
fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

/// Reads a journal without opening it for writing (for `warroom export`).
pub fn read(path: &Path) -> Result<Replay, JournalError> {
    let file = File::open(path).map_err(|source| JournalError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read_from(&file, path)
}

/// Reads the whole file under a shared lock, so that a line another process is writing at
/// this moment is not mistaken for a torn one: only a crash leaves an incomplete last line.
fn read_from(mut file: &File, path: &Path) -> Result<Replay, JournalError> {
    let read_error = |source| JournalError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    flock(file, FlockOperation::LockShared).map_err(|e| read_error(e.into()))?;
    let read = file.read_to_end(&mut bytes);
    let unlocked = flock(file, FlockOperation::Unlock);
    read.map_err(read_error)?;
    unlocked.map_err(|e| read_error(e.into()))?;
    let mut replay = Replay::default();
    let complete = parse_lines(&bytes, 0, &mut replay.entries, &mut replay.problems);
    replay.lines = memchr::memchr_iter(b'\n', &bytes[..complete]).count();
    let tail = &bytes[complete..];
    if !tail.iter().all(u8::is_ascii_whitespace) {
        replay.lines += 1;
        match serde_json::from_slice::<Entry>(tail) {
            // Cut exactly before its newline: the entry is whole, so it counts.
            Ok(entry) => replay.entries.push(entry),
            Err(_) => replay.problems.push(LineProblem {
                line: replay.lines,
                kind: LineProblemKind::TornTail,
            }),
        }
    }
    replay.end_offset = bytes.len() as u64;
    Ok(replay)
}

/// Parses every complete line of `bytes` (numbering from `first_line + 1`) and returns how many
/// bytes they span; an unterminated remainder is left to the caller.
pub(super) fn parse_lines(
    bytes: &[u8],
    first_line: usize,
    entries: &mut Vec<Entry>,
    problems: &mut Vec<LineProblem>,
) -> usize {
    let mut consumed = 0;
    let mut line_no = first_line;
    while let Some(newline) = bytes[consumed..].iter().position(|&b| b == b'\n') {
        let line = &bytes[consumed..consumed + newline];
        consumed += newline + 1;
        line_no += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => entries.push(entry),
            Err(error) => problems.push(LineProblem {
                line: line_no,
                kind: LineProblemKind::Malformed(error.to_string()),
            }),
        }
    }
    consumed
}

/// The default journal name: the UTC date and the slugified incident title, in the current
/// directory (`2026-03-02-webhooks-failing.jsonl`). Reopening it resumes the incident.
#[must_use]
pub fn default_path(now: DateTime<Utc>, title: Option<&str>) -> PathBuf {
    let slug = title.map(slugify).filter(|s| s != "step");
    let slug = slug.as_deref().unwrap_or("incident");
    PathBuf::from(format!("{}-{slug}.jsonl", now.format("%Y-%m-%d")))
}
