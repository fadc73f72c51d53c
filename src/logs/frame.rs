//! Framing: a byte stream cut into lines, with the awkward cases counted rather than lost.
//!
//! Sources read chunks of whatever size the OS hands over; a [`Framer`] per open file (or pipe)
//! turns them into a [`LineBatch`] of complete lines. A partial last line is held until its
//! newline arrives. A trailing `\r` is dropped (CRLF). A line longer than [`MAX_LINE_BYTES`] is
//! cut there, flagged, and the rest is skipped up to the next newline, so an endless line costs
//! bounded memory. A run of NUL bytes at the start of a line (the hole a writer without
//! `O_APPEND` leaves after a copytruncate) is skipped and its length counted. A bare `\r` is not
//! a line break: it stays in the line and is shown inert.

use memchr::memchr_iter;

/// Lines are cut at this length (64 KiB).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Flags carried by each framed line.
pub mod flags {
    /// The line was longer than the cap and was cut.
    pub const TRUNCATED: u8 = 1;
    /// The line never got its newline: its file was rotated or truncated, or following stopped.
    pub const FRAGMENT: u8 = 2;
    /// NUL bytes were skipped at the start of the line.
    pub const NUL_SKIPPED: u8 = 4;
    /// Read as backfill at startup, before live following began.
    pub const BACKFILL: u8 = 8;
}

/// Where one line sits in a batch's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef {
    pub start: u32,
    pub end: u32,
    pub flags: u8,
}

/// Complete lines, stored back to back in one buffer so a batch costs two allocations.
#[derive(Debug, Default, Clone)]
pub struct LineBatch {
    pub bytes: Vec<u8>,
    pub lines: Vec<LineRef>,
    /// NUL bytes skipped while framing these lines.
    pub nul_bytes_skipped: u64,
}

impl LineBatch {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The bytes of one line.
    #[must_use]
    pub fn line(&self, line: &LineRef) -> &[u8] {
        &self.bytes[line.start as usize..line.end as usize]
    }

    /// Iterates over (bytes, flags) of every line.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u8)> {
        self.lines.iter().map(|l| (self.line(l), l.flags))
    }

    /// Marks every line in the batch with `flag`.
    pub fn mark_all(&mut self, flag: u8) {
        for line in &mut self.lines {
            line.flags |= flag;
        }
    }

    fn push(&mut self, content: &[u8], mut flags: u8) {
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        let nuls = content.iter().take_while(|b| **b == 0).count();
        if nuls > 0 {
            flags |= flags::NUL_SKIPPED;
            self.nul_bytes_skipped += nuls as u64;
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&content[nuls..]);
        self.lines.push(LineRef {
            start: start as u32,
            end: self.bytes.len() as u32,
            flags,
        });
    }
}

/// Cuts one stream into lines; keeps the partial last line between calls.
#[derive(Debug, Default)]
pub struct Framer {
    partial: Vec<u8>,
    /// The partial line reached the cap: drop bytes until the next newline.
    overlong: bool,
}

impl Framer {
    /// Appends the complete lines of `chunk` (with any held partial line) to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut LineBatch) {
        let mut start = 0;
        for newline in memchr_iter(b'\n', chunk) {
            let piece = &chunk[start..newline];
            if self.partial.is_empty() && !self.overlong {
                if piece.len() > MAX_LINE_BYTES {
                    out.push(&piece[..MAX_LINE_BYTES], flags::TRUNCATED);
                } else {
                    out.push(piece, 0);
                }
            } else {
                self.hold(piece);
                let truncated = if self.overlong { flags::TRUNCATED } else { 0 };
                out.push(&self.partial, truncated);
                self.partial.clear();
                self.overlong = false;
            }
            start = newline + 1;
        }
        self.hold(&chunk[start..]);
    }

    /// Whether a partial line is being held.
    #[must_use]
    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.overlong
    }

    /// Emits a held partial line as a fragment (its file went away under it).
    pub fn flush_fragment(&mut self, out: &mut LineBatch) {
        self.flush(out, flags::FRAGMENT);
    }

    /// Emits a held partial line as a complete line: the input ended, so nothing more comes.
    pub fn finish(&mut self, out: &mut LineBatch) {
        self.flush(out, 0);
    }

    fn flush(&mut self, out: &mut LineBatch, flag: u8) {
        if self.has_partial() {
            let truncated = if self.overlong { flags::TRUNCATED } else { 0 };
            out.push(&self.partial, flag | truncated);
        }
        self.partial.clear();
        self.overlong = false;
    }

    fn hold(&mut self, piece: &[u8]) {
        if self.overlong {
            return;
        }
        let room = MAX_LINE_BYTES - self.partial.len();
        if piece.len() > room {
            self.partial.extend_from_slice(&piece[..room]);
            self.overlong = true;
        } else {
            self.partial.extend_from_slice(piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(chunks: &[&[u8]]) -> (Vec<(Vec<u8>, u8)>, Framer) {
        let mut framer = Framer::default();
        let mut batch = LineBatch::default();
        for chunk in chunks {
            framer.push(chunk, &mut batch);
        }
        let lines = batch.iter().map(|(l, f)| (l.to_vec(), f)).collect();
        (lines, framer)
    }

    #[test]
    fn a_partial_line_is_held_until_its_newline() {
        let (lines, framer) = frame(&[b"a\nhal", b"f", b"-line\nb"]);
        assert_eq!(lines, vec![(b"a".to_vec(), 0), (b"half-line".to_vec(), 0)]);
        assert!(framer.has_partial());
    }

    #[test]
    fn crlf_loses_its_cr_and_bare_cr_stays() {
        let (lines, _) = frame(&[b"one\r", b"\ntwo\rthree\n"]);
        assert_eq!(lines[0].0, b"one");
        assert_eq!(lines[1].0, b"two\rthree");
    }

    #[test]
    fn long_lines_are_cut_and_flagged_then_resync() {
        let long = vec![b'x'; MAX_LINE_BYTES * 3];
        let (lines, _) = frame(&[&long[..1000], &long[1000..], b"tail\nnext\n"]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0.len(), MAX_LINE_BYTES);
        assert_eq!(lines[0].1, flags::TRUNCATED);
        assert_eq!(lines[1], (b"next".to_vec(), 0));

        let mut one_chunk = long.clone();
        one_chunk.push(b'\n');
        let (lines, _) = frame(&[&one_chunk]);
        assert_eq!(lines[0].1, flags::TRUNCATED);
    }

    #[test]
    fn leading_nul_run_is_skipped_and_counted() {
        let mut framer = Framer::default();
        let mut batch = LineBatch::default();
        framer.push(b"\0\0\0\0b1\n", &mut batch);
        assert_eq!(batch.line(&batch.lines[0]), b"b1");
        assert_eq!(batch.lines[0].flags, flags::NUL_SKIPPED);
        assert_eq!(batch.nul_bytes_skipped, 4);
    }

    #[test]
    fn fragments_and_finished_input() {
        let mut framer = Framer::default();
        let mut batch = LineBatch::default();
        framer.push(b"orphan", &mut batch);
        framer.flush_fragment(&mut batch);
        framer.push(b"last", &mut batch);
        framer.finish(&mut batch);
        framer.finish(&mut batch);
        let lines: Vec<_> = batch.iter().map(|(l, f)| (l.to_vec(), f)).collect();
        assert_eq!(
            lines,
            vec![(b"orphan".to_vec(), flags::FRAGMENT), (b"last".to_vec(), 0)]
        );
    }
}
