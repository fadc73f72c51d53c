//! The aggregator: every line of every source passes through here exactly once.
//!
//! It parses each line with its source's format (detected or forced), counts it in the source's
//! counters and the shared [`Histogram`], feeds the failing paths and upstreams to the top-k
//! sketches, keeps the newest lines for the log pane, and on every clock tick lets the spike
//! detector look at the second that just closed. The clock is passed in (unix seconds), so tests
//! drive time by hand.
//!
//! Counting rules, which the `warroom logs` summary reports:
//! - `lines` counts every complete line; a fragment (a partial line orphaned by a rotation, a
//!   truncation or a stop) is counted in `fragments` instead, and not parsed.
//! - `parsed + unparsed == lines`. An unparsed line is still shown and still counted by level
//!   when a level word is found near its start.
//! - `truncated_lines` and `invalid_utf8_lines` are subsets of `lines`.

use std::collections::VecDeque;
use std::sync::Arc;

use super::SourcePlan;
use super::frame::{LineBatch, flags};
use super::histogram::{Histogram, Window};
use super::parse::{self, CustomRegex, Detector, Format, Parsed, StatusClass};
use super::snapshot::{
    HistogramSnapshot, LogUpdate, RecentLine, SourceState, SourceStatus, WindowCounts,
};
use super::source::{SourceEvent, SourceMsg};
use super::spike::{SpikeDetector, SpikeEvent, SpikeThresholds};
use super::topk::TopKWindows;
use crate::text::{inert, inert_bytes};

/// Most errors and stderr lines kept per source.
const KEPT_MESSAGES: usize = 20;
/// Entries in each top-k list of a snapshot.
const TOP_ENTRIES: usize = 10;

/// Options of an aggregator.
#[derive(Debug, Clone, Copy)]
pub struct AggregatorOptions {
    pub thresholds: SpikeThresholds,
    /// Newest lines kept for the log pane; 0 keeps none (`warroom logs`).
    pub recent_capacity: usize,
}

impl Default for AggregatorOptions {
    fn default() -> Self {
        AggregatorOptions {
            thresholds: SpikeThresholds::default(),
            recent_capacity: 10_000,
        }
    }
}

struct Slot {
    name: Arc<str>,
    forced: Option<Format>,
    custom: Option<CustomRegex>,
    detector: Detector,
    status: SourceStatus,
}

impl Slot {
    fn format(&self) -> Option<Format> {
        self.forced.or_else(|| self.detector.settled())
    }

    /// Parses with the source's format; a line in another format (a source that mixes JSON
    /// and text, as `kubectl logs` often does) is still recognised when a built-in parser reads it.
    fn parse<'a>(&mut self, line: &'a [u8]) -> Option<Parsed<'a>> {
        match self.format() {
            Some(format) => parse::parse_line(format, line, self.custom.as_ref())
                .or_else(|| parse::parse_any(line)),
            None => self.detector.observe(line).1,
        }
    }
}

/// Counts, windows, spikes and recent lines for a set of sources.
pub struct Aggregator {
    slots: Vec<Slot>,
    histogram: Histogram,
    spikes: SpikeDetector,
    spike_log: Vec<SpikeEvent>,
    new_spikes: Vec<SpikeEvent>,
    top_paths: TopKWindows,
    top_upstreams: TopKWindows,
    recent_capacity: usize,
    pending: VecDeque<RecentLine>,
    not_shown: u64,
    seq: u64,
}

impl Aggregator {
    #[must_use]
    pub fn new(plans: &[SourcePlan], options: AggregatorOptions, now_second: i64) -> Aggregator {
        let slots = plans
            .iter()
            .map(|plan| Slot {
                name: Arc::from(plan.name.as_str()),
                forced: plan.format,
                custom: plan.custom.clone(),
                detector: Detector::default(),
                status: SourceStatus {
                    name: plan.name.clone(),
                    path: plan.spec.display(),
                    format: plan.format.map(Format::name),
                    state: SourceState::Starting,
                    lines: 0,
                    parsed: 0,
                    unparsed: 0,
                    truncated_lines: 0,
                    invalid_utf8_lines: 0,
                    fragments: 0,
                    nul_bytes_skipped: 0,
                    rotations: 0,
                    truncations: 0,
                    polling: false,
                    errors: Vec::new(),
                    stderr: Vec::new(),
                    exit_status: None,
                    restarts: 0,
                },
            })
            .collect();
        Aggregator {
            slots,
            histogram: Histogram::new(now_second),
            spikes: SpikeDetector::new(options.thresholds),
            spike_log: Vec::new(),
            new_spikes: Vec::new(),
            top_paths: TopKWindows::default(),
            top_upstreams: TopKWindows::default(),
            recent_capacity: options.recent_capacity,
            pending: VecDeque::new(),
            not_shown: 0,
            seq: 0,
        }
    }

    /// Moves the clock; each time a second closes the spike detector looks at it.
    pub fn tick(&mut self, now_second: i64) {
        if self.histogram.advance_to(now_second) > 0
            && let Some(event) = self.spikes.evaluate(&self.histogram, now_second - 1)
        {
            self.spike_log.push(event.clone());
            self.new_spikes.push(event);
        }
    }

    /// Applies one message from a source.
    pub fn apply(&mut self, msg: &SourceMsg, now_second: i64) {
        match msg {
            SourceMsg::Lines { source, batch } => self.ingest(*source, batch, now_second),
            SourceMsg::Event { source, event } => self.record_event(*source, event),
            SourceMsg::Finished { source } => {
                if let Some(slot) = self.slots.get_mut(*source) {
                    slot.status.state = SourceState::Finished;
                }
            }
        }
    }

    /// Counts every line of a batch from `source`.
    pub fn ingest(&mut self, source: usize, batch: &LineBatch, now_second: i64) {
        self.tick(now_second);
        let Some(slot) = self.slots.get_mut(source) else {
            return;
        };
        if slot.status.state == SourceState::Starting || slot.status.state == SourceState::Missing {
            slot.status.state = SourceState::Reading;
        }
        slot.status.nul_bytes_skipped += batch.nul_bytes_skipped;
        let keep_from = batch.len().saturating_sub(self.recent_capacity);
        self.not_shown += if self.recent_capacity > 0 {
            keep_from as u64
        } else {
            0
        };

        for (index, line_ref) in batch.lines.iter().enumerate() {
            let line = batch.line(line_ref);
            let line_flags = line_ref.flags;
            let counts_live = line_flags & flags::BACKFILL == 0;
            let stats = &mut slot.status;
            let fragment = line_flags & flags::FRAGMENT != 0;
            let invalid_utf8 = !is_ascii(line) && std::str::from_utf8(line).is_err();

            let parsed = if fragment {
                stats.fragments += 1;
                None
            } else {
                stats.lines += 1;
                stats.truncated_lines += u64::from(line_flags & flags::TRUNCATED != 0);
                stats.invalid_utf8_lines += u64::from(invalid_utf8);
                slot.parse(line)
            };
            let stats = &mut slot.status;
            match &parsed {
                Some(fields) => {
                    stats.parsed += 1;
                    self.histogram
                        .record(fields.status, fields.level, counts_live);
                    if fields.status.and_then(StatusClass::of) == Some(StatusClass::ServerError) {
                        let second = self.histogram.now_second();
                        if let Some(path) = fields.path {
                            self.top_paths.add(
                                parse::path_without_query(path),
                                second,
                                counts_live,
                            );
                        }
                        if let Some(upstream) = fields.upstream {
                            self.top_upstreams.add(upstream, second, counts_live);
                        }
                    }
                }
                None if !fragment => {
                    stats.unparsed += 1;
                    if slot.forced != Some(Format::Plain) {
                        self.histogram
                            .record(None, parse::level_of_unparsed(line), counts_live);
                    }
                }
                None => {}
            }

            self.seq += 1;
            if self.recent_capacity > 0 && index >= keep_from {
                let recent = RecentLine {
                    seq: self.seq,
                    source,
                    source_name: Arc::clone(&slot.name),
                    arrived: now_second,
                    text: inert_bytes(line),
                    status: parsed.and_then(|p| p.status),
                    level: parsed.and_then(|p| p.level),
                    method: parsed.and_then(|p| p.method).map(inert_bytes),
                    path: parsed.and_then(|p| p.path).map(inert_bytes),
                    upstream: parsed.and_then(|p| p.upstream).map(inert_bytes),
                    latency: parsed.and_then(|p| p.latency).map(inert_bytes),
                    parsed: parsed.is_some(),
                    truncated: line_flags & flags::TRUNCATED != 0,
                    fragment,
                    invalid_utf8,
                    backfill: !counts_live,
                };
                if self.pending.len() == self.recent_capacity {
                    self.pending.pop_front();
                    self.not_shown += 1;
                }
                self.pending.push_back(recent);
            }
        }
        slot.status.format = slot
            .format()
            .or_else(|| slot.detector.best_guess())
            .map(Format::name);
    }

    fn record_event(&mut self, source: usize, event: &SourceEvent) {
        let Some(slot) = self.slots.get_mut(source) else {
            return;
        };
        let status = &mut slot.status;
        match event {
            SourceEvent::Opened { .. } => status.state = SourceState::Reading,
            SourceEvent::Rotated { .. } => {
                status.rotations += 1;
                status.state = SourceState::Reading;
            }
            SourceEvent::Truncated { .. } => status.truncations += 1,
            SourceEvent::Missing { .. } => status.state = SourceState::Missing,
            SourceEvent::Polling { .. } => status.polling = true,
            SourceEvent::Error(message) => keep(&mut status.errors, inert(message).into_owned()),
            SourceEvent::Stderr(line) => keep(&mut status.stderr, line.clone()),
            SourceEvent::Exited {
                status: text,
                success,
            } => {
                status.exit_status = Some(text.clone());
                if !success {
                    keep(
                        &mut status.errors,
                        format!("{} exited: {text}", status.path),
                    );
                }
            }
            SourceEvent::Restarting { .. } => {
                status.restarts += 1;
                status.state = SourceState::Restarting;
            }
        }
    }

    #[must_use]
    pub fn sources(&self) -> Vec<SourceStatus> {
        self.slots.iter().map(|s| s.status.clone()).collect()
    }

    #[must_use]
    pub fn spike_log(&self) -> &[SpikeEvent] {
        &self.spike_log
    }

    #[must_use]
    pub fn histogram(&self) -> &Histogram {
        &self.histogram
    }

    /// Top failing paths or upstreams over a window, as inert text.
    #[must_use]
    pub fn top_5xx(&self, upstreams: bool, window: Window, k: usize) -> Vec<(String, u64)> {
        let sketch = if upstreams {
            &self.top_upstreams
        } else {
            &self.top_paths
        };
        sketch
            .top(self.histogram.now_second(), window.minutes(), k)
            .into_iter()
            .map(|(key, n)| (inert_bytes(&key), n))
            .collect()
    }

    #[must_use]
    pub fn histogram_snapshot(&self) -> HistogramSnapshot {
        let windows = Window::ALL
            .iter()
            .map(|&window| {
                let counts = self.histogram.counts(window);
                let mut codes: Vec<(u16, u64)> = counts.codes().collect();
                codes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                WindowCounts {
                    window,
                    classes: counts.classes,
                    codes,
                    levels: counts.levels,
                    requests: counts.requests(),
                    server_error_share: counts.server_error_share(),
                    top_5xx_paths: self.top_5xx(false, window, TOP_ENTRIES),
                    top_5xx_upstreams: self.top_5xx(true, window, TOP_ENTRIES),
                }
            })
            .collect();
        HistogramSnapshot {
            now_second: self.histogram.now_second(),
            windows,
            series: self.histogram.series(),
            spike_active: self.spikes.in_spike(),
        }
    }

    /// Spike crossings since the previous call (of this or of [`Aggregator::take_update`]).
    pub fn take_new_spikes(&mut self) -> Vec<SpikeEvent> {
        std::mem::take(&mut self.new_spikes)
    }

    /// Everything new since the previous call, for the UI.
    pub fn take_update(&mut self) -> LogUpdate {
        LogUpdate {
            lines: self.pending.drain(..).collect(),
            lines_not_shown: std::mem::take(&mut self.not_shown),
            histogram: Arc::new(self.histogram_snapshot()),
            sources: self.sources(),
            spikes: std::mem::take(&mut self.new_spikes),
        }
    }
}

/// ASCII check eight bytes at a time; the standard one finishes its tail byte by byte, which
/// showed up as a fifth of the time per line in profiles.
#[inline]
fn is_ascii(line: &[u8]) -> bool {
    let mut chunks = line.chunks_exact(8);
    let mut high = 0u64;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        high |= u64::from_ne_bytes(word);
    }
    let tail = chunks.remainder().iter().fold(0u8, |acc, b| acc | b);
    high & 0x8080_8080_8080_8080 == 0 && tail < 0x80
}

fn keep(list: &mut Vec<String>, message: String) {
    if list.len() == KEPT_MESSAGES {
        list.remove(0);
    }
    list.push(message);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::SourceSpec;
    use crate::logs::frame::Framer;

    fn aggregator(format: Option<Format>, recent_capacity: usize) -> Aggregator {
        let plan = SourcePlan {
            name: "t".into(),
            spec: SourceSpec::Stdin,
            format,
            custom: None,
        };
        let options = AggregatorOptions {
            recent_capacity,
            ..AggregatorOptions::default()
        };
        Aggregator::new(&[plan], options, 100)
    }

    fn batch(text: &[u8]) -> LineBatch {
        let mut batch = LineBatch::default();
        let mut framer = Framer::default();
        framer.push(text, &mut batch);
        framer.flush_fragment(&mut batch);
        batch
    }

    #[test]
    fn ascii_check_matches_the_standard_one() {
        for text in [
            &b""[..],
            b"abc",
            b"0123456789abcdef\x80",
            b"\xff",
            b"exactly8",
        ] {
            assert_eq!(is_ascii(text), text.is_ascii(), "{text:?}");
        }
    }

    #[test]
    fn fragments_are_shown_but_not_counted_as_lines() {
        let mut agg = aggregator(Some(Format::Json), 10);
        agg.ingest(0, &batch(b"{\"status\":500}\nnot json\n{\"sta"), 100);
        let status = &agg.sources()[0];
        assert_eq!((status.lines, status.parsed, status.unparsed), (2, 1, 1));
        assert_eq!(status.fragments, 1);
        let update = agg.take_update();
        assert_eq!(update.lines.len(), 3);
        assert!(update.lines[2].fragment);
        assert_eq!(update.histogram.windows[0].classes[4], 1);
    }

    #[test]
    fn the_ring_keeps_the_newest_lines_and_counts_the_rest() {
        let mut agg = aggregator(None, 3);
        let text: Vec<u8> = (0..10)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        agg.ingest(0, &batch(&text), 100);
        agg.ingest(0, &batch(b"line 10\n"), 100);
        let update = agg.take_update();
        let texts: Vec<_> = update.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 8", "line 9", "line 10"]);
        assert_eq!(update.lines_not_shown, 8);
        assert!(
            agg.take_update().lines.is_empty(),
            "each line is handed over once"
        );
    }

    #[test]
    fn command_failures_and_stderr_are_kept() {
        let mut agg = aggregator(None, 0);
        agg.apply(
            &SourceMsg::Event {
                source: 0,
                event: SourceEvent::Stderr("error: pod not found".into()),
            },
            100,
        );
        agg.apply(
            &SourceMsg::Event {
                source: 0,
                event: SourceEvent::Exited {
                    status: "exit status: 1".into(),
                    success: false,
                },
            },
            100,
        );
        let status = &agg.sources()[0];
        assert_eq!(status.stderr, ["error: pod not found"]);
        assert_eq!(status.errors, ["- exited: exit status: 1"]);
    }
}
