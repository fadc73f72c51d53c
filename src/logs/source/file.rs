//! Following a file by name, like `tail -F`, without losing or double-counting a line.
//!
//! Each round the follower first looks at the path, then reads. Looking first matters: a file
//! truncated and regrown past our offset would otherwise be read from the middle.
//! - Same file (device and inode), smaller than our offset, or its first bytes changed (the
//!   *head fingerprint*): it was truncated or rewritten in place; any held partial line is
//!   flushed as a fragment and reading restarts at 0.
//! - A different file at the path (rename and re-create, delete and re-create, symlink swapped):
//!   the old descriptor is drained to its end first, then kept as *retired* for a grace period
//!   (a writer that has not reopened yet still appends to it), and the new file is read from 0.
//! - No file: the descriptor we hold is still read (a renamed file may still grow) and the
//!   follower waits for the path to come back; a file that does not exist yet is the same case.
//!
//! Rounds are driven by change notifications on the file's directory (notify) with a poll as a
//! floor, so a network filesystem or exhausted inotify watches cost latency, not correctness.
//! Waiting blocks on a channel with a timeout: the follower never spins.
//!
//! Known gap: a file truncated and rewritten with exactly the same first bytes, and already
//! longer than our offset when we look, is taken for the same file grown.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::{BATCH_BYTES, ReadMode, SourceEvent, SourceMsg, SourceOptions, StartAt, Stop, send};
use crate::logs::frame::{Framer, LineBatch, flags};

/// Bytes from the start of a file compared to tell a rewrite from growth.
const HEAD_BYTES: usize = 128;
/// How long a rotated-away file is still read after it stopped growing.
const RETIRED_GRACE: Duration = Duration::from_secs(5);
/// Most rotated-away files read at once.
const MAX_RETIRED: usize = 4;
/// Backfill never reads further back than this, whatever the line count.
const MAX_BACKFILL_BYTES: u64 = 16 * 1024 * 1024;

/// Follows (or reads once) the file at `path`, sending to `tx` until stopped or finished.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the source thread owns its channel end and stop flag"
)]
pub fn run(
    source: usize,
    path: PathBuf,
    options: SourceOptions,
    tx: SyncSender<SourceMsg>,
    stop: Stop,
) {
    let mut follower = Follower {
        source,
        path,
        tx,
        current: None,
        retired: Vec::new(),
        missing_reported: false,
        last_error: None,
        read_buf: vec![0; BATCH_BYTES],
    };
    if options.mode == ReadMode::ToEnd {
        follower.read_once();
    } else {
        follower.follow(options, &stop);
    }
    send(&follower.tx, SourceMsg::Finished { source });
}

struct OpenFile {
    file: File,
    dev: u64,
    ino: u64,
    offset: u64,
    framer: Framer,
    head: Vec<u8>,
    /// Lines are flagged as backfill until the first end of file.
    backfill: bool,
    last_growth: Instant,
}

struct Follower {
    source: usize,
    path: PathBuf,
    tx: SyncSender<SourceMsg>,
    current: Option<OpenFile>,
    retired: Vec<OpenFile>,
    missing_reported: bool,
    last_error: Option<String>,
    read_buf: Vec<u8>,
}

impl Follower {
    fn event(&self, event: SourceEvent) -> bool {
        send(
            &self.tx,
            SourceMsg::Event {
                source: self.source,
                event,
            },
        )
    }

    fn error_once(&mut self, message: String) {
        if self.last_error.as_ref() != Some(&message) {
            self.event(SourceEvent::Error(message.clone()));
            self.last_error = Some(message);
        }
    }

    fn read_once(&mut self) {
        match open(&self.path, StartAt::Beginning, true) {
            Ok(mut file) => {
                self.event(SourceEvent::Opened {
                    path: self.path.clone(),
                });
                let mut batch = LineBatch::default();
                if let Err(e) = drain(
                    &mut file,
                    &mut self.read_buf,
                    &mut batch,
                    &self.tx,
                    self.source,
                ) {
                    self.error_once(format!("reading {}: {e}", self.path.display()));
                }
                file.framer.finish(&mut batch);
                batch.mark_all(flags::BACKFILL);
                self.flush(batch);
            }
            Err(e) => self.error_once(format!("opening {}: {e}", self.path.display())),
        }
    }

    fn follow(&mut self, options: SourceOptions, stop: &Stop) {
        let (_watcher, wake) = self.watch();
        let mut start = Some(options.start);
        loop {
            let stopping = stop.requested();
            // Only the file present at startup starts at its end and counts as backfill; files
            // that appear later are new content, read from 0.
            self.look_at_path(start.take());
            self.read_all();
            if stopping {
                self.flush_partials();
                return;
            }
            let _ = wake.recv_timeout(options.poll_interval);
            while wake.try_recv().is_ok() {}
        }
    }

    /// Sets up change notifications on the file's directory; on failure the caller polls.
    fn watch(&self) -> (Option<notify::RecommendedWatcher>, Receiver<()>) {
        let (wake_tx, wake_rx) = sync_channel::<()>(1);
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let watcher = notify::recommended_watcher(move |_event| {
            let _ = wake_tx.try_send(());
        })
        .and_then(|mut watcher| {
            watcher.watch(&dir, RecursiveMode::NonRecursive)?;
            Ok(watcher)
        });
        match watcher {
            Ok(watcher) => (Some(watcher), wake_rx),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "no change notifications; polling");
                self.event(SourceEvent::Polling {
                    reason: format!("no change notifications for {}: {e}", dir.display()),
                });
                (None, wake_rx)
            }
        }
    }

    /// Compares what is at the path with the file we hold, and acts on any difference.
    fn look_at_path(&mut self, start: Option<StartAt>) {
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.missing_reported {
                    self.missing_reported = true;
                    tracing::info!(path = %self.path.display(), "followed file is missing");
                    self.event(SourceEvent::Missing {
                        path: self.path.clone(),
                    });
                }
                return;
            }
            Err(e) => {
                self.error_once(format!("checking {}: {e}", self.path.display()));
                return;
            }
        };
        let same = self
            .current
            .as_ref()
            .is_some_and(|f| f.dev == meta.dev() && f.ino == meta.ino());
        if same {
            self.check_truncation(&meta);
        } else {
            self.switch_to_new_file(start);
        }
    }

    fn check_truncation(&mut self, meta: &Metadata) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let shrunk = meta.len() < current.offset;
        if !shrunk && head_still_matches(current) {
            return;
        }
        let mut batch = LineBatch::default();
        current.framer.flush_fragment(&mut batch);
        current.offset = 0;
        current.head.clear();
        current.backfill = false;
        if let Err(e) = current.file.seek(SeekFrom::Start(0)) {
            self.error_once(format!("rewinding {}: {e}", self.path.display()));
        }
        self.flush(batch);
        tracing::info!(path = %self.path.display(), "truncation detected; reading from 0");
        self.event(SourceEvent::Truncated {
            path: self.path.clone(),
        });
    }

    fn switch_to_new_file(&mut self, start: Option<StartAt>) {
        let new = match open(
            &self.path,
            start.unwrap_or(StartAt::Beginning),
            start.is_some(),
        ) {
            Ok(new) => new,
            Err(e) => {
                self.error_once(format!("opening {}: {e}", self.path.display()));
                return;
            }
        };
        self.last_error = None;
        self.missing_reported = false;
        if let Some(mut old) = self.current.take() {
            let mut batch = LineBatch::default();
            if let Err(e) = drain(
                &mut old,
                &mut self.read_buf,
                &mut batch,
                &self.tx,
                self.source,
            ) {
                self.error_once(format!("reading rotated {}: {e}", self.path.display()));
            }
            self.flush(batch);
            self.retire(old);
            tracing::info!(path = %self.path.display(), "rotation detected; old file drained");
            self.event(SourceEvent::Rotated {
                path: self.path.clone(),
            });
        } else {
            self.event(SourceEvent::Opened {
                path: self.path.clone(),
            });
        }
        self.current = Some(new);
    }

    fn retire(&mut self, old: OpenFile) {
        self.retired.push(old);
        if self.retired.len() > MAX_RETIRED {
            let mut oldest = self.retired.remove(0);
            let mut batch = LineBatch::default();
            oldest.framer.flush_fragment(&mut batch);
            self.flush(batch);
        }
    }

    /// Reads the current file and every retired one to their ends.
    fn read_all(&mut self) {
        if let Some(mut current) = self.current.take() {
            let mut batch = LineBatch::default();
            let result = drain(
                &mut current,
                &mut self.read_buf,
                &mut batch,
                &self.tx,
                self.source,
            );
            // The first end of file ends the backfill.
            current.backfill = false;
            refresh_head(&mut current);
            self.flush(batch);
            if let Err(e) = result {
                self.error_once(format!("reading {}: {e}", self.path.display()));
            }
            self.current = Some(current);
        }
        let mut retired = std::mem::take(&mut self.retired);
        retired.retain_mut(|old| {
            let mut batch = LineBatch::default();
            let _ = drain(old, &mut self.read_buf, &mut batch, &self.tx, self.source);
            let keep = old.last_growth.elapsed() < RETIRED_GRACE;
            if !keep {
                old.framer.flush_fragment(&mut batch);
            }
            self.flush(batch);
            keep
        });
        self.retired = retired;
    }

    /// On stop: partial lines that never got their newline are sent as fragments.
    fn flush_partials(&mut self) {
        let mut batch = LineBatch::default();
        for file in self.current.iter_mut().chain(self.retired.iter_mut()) {
            file.framer.flush_fragment(&mut batch);
        }
        self.flush(batch);
    }

    fn flush(&self, batch: LineBatch) {
        if !batch.is_empty() || batch.nul_bytes_skipped > 0 {
            send(
                &self.tx,
                SourceMsg::Lines {
                    source: self.source,
                    batch,
                },
            );
        }
    }
}

fn open(path: &Path, start: StartAt, backfill: bool) -> io::Result<OpenFile> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    let offset = match start {
        StartAt::Beginning => 0,
        StartAt::End { backfill_lines } => backfill_offset(&file, meta.len(), backfill_lines)?,
    };
    file.seek(SeekFrom::Start(offset))?;
    let mut open = OpenFile {
        file,
        dev: meta.dev(),
        ino: meta.ino(),
        offset,
        framer: Framer::default(),
        head: Vec::new(),
        backfill,
        last_growth: Instant::now(),
    };
    refresh_head(&mut open);
    Ok(open)
}

/// The offset where the last `lines` lines of a file of `len` bytes start.
fn backfill_offset(file: &File, len: u64, lines: usize) -> io::Result<u64> {
    let floor = len.saturating_sub(MAX_BACKFILL_BYTES);
    let mut end = len;
    let mut newlines = 0usize;
    let mut block = vec![0u8; 64 * 1024];
    // A final newline ends the last line rather than starting one more.
    let mut skip_last = true;
    while end > floor {
        let start = end.saturating_sub(block.len() as u64).max(floor);
        let chunk = &mut block[..(end - start) as usize];
        file.read_exact_at(chunk, start)?;
        for (i, byte) in chunk.iter().enumerate().rev() {
            if *byte != b'\n' {
                skip_last = false;
                continue;
            }
            if std::mem::take(&mut skip_last) {
                continue;
            }
            newlines += 1;
            if newlines == lines.max(1) {
                return Ok(if lines == 0 {
                    len
                } else {
                    start + i as u64 + 1
                });
            }
        }
        end = start;
    }
    Ok(if lines == 0 { len } else { floor })
}

/// Reads from the file's offset to its end, sending full batches as they fill.
fn drain(
    file: &mut OpenFile,
    buf: &mut [u8],
    batch: &mut LineBatch,
    tx: &SyncSender<SourceMsg>,
    source: usize,
) -> io::Result<()> {
    loop {
        let n = match file.file.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        file.offset += n as u64;
        file.last_growth = Instant::now();
        let first_new = batch.lines.len();
        file.framer.push(&buf[..n], batch);
        if file.backfill {
            for line in &mut batch.lines[first_new..] {
                line.flags |= flags::BACKFILL;
            }
        }
        if batch.bytes.len() >= BATCH_BYTES {
            let full = std::mem::take(batch);
            if !send(
                tx,
                SourceMsg::Lines {
                    source,
                    batch: full,
                },
            ) {
                return Ok(());
            }
        }
    }
}

/// Records the first bytes of the file once we have read past them.
fn refresh_head(file: &mut OpenFile) {
    let want = HEAD_BYTES.min(usize::try_from(file.offset).unwrap_or(HEAD_BYTES));
    if file.head.len() >= want {
        return;
    }
    let mut head = vec![0u8; want];
    if file.file.read_exact_at(&mut head, 0).is_ok() {
        file.head = head;
    }
}

fn head_still_matches(file: &OpenFile) -> bool {
    if file.head.is_empty() {
        return true;
    }
    let mut now = vec![0u8; file.head.len()];
    match file.file.read_exact_at(&mut now, 0) {
        Ok(()) => now == file.head,
        // Shorter than the head we saw: it shrank, which the size check catches too.
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn offset_for(content: &[u8], lines: usize) -> u64 {
        let mut tmp = tempfile::NamedTempFile::new().expect("temp file");
        tmp.write_all(content).expect("write");
        let file = File::open(tmp.path()).expect("reopen");
        backfill_offset(&file, content.len() as u64, lines).expect("backfill offset")
    }

    #[test]
    fn backfill_starts_at_the_last_lines() {
        assert_eq!(offset_for(b"a\nb\nc\n", 2), 2);
        assert_eq!(offset_for(b"a\nb\nc", 2), 2);
        assert_eq!(offset_for(b"a\nb\nc\n", 10), 0);
        assert_eq!(offset_for(b"a\nb\nc\n", 0), 6);
        assert_eq!(offset_for(b"", 5), 0);
    }
}
