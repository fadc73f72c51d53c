//! What the aggregator publishes: plain data the dashboard draws without further work.
//!
//! A [`LogUpdate`] carries the lines that arrived since the previous update (each line is sent
//! once), the current histogram, the status of every source and the spike events since the
//! previous update. All text in it has already been made inert.

use std::sync::Arc;

use serde::Serialize;

use super::histogram::{SecondCounts, Window};
use super::parse::{Level, StatusClass};
use super::spike::SpikeEvent;

/// One line kept for the log pane.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts about one line that panes filter on, not a state machine"
)]
pub struct RecentLine {
    /// Increases by one per line across all sources, for "n lines not shown" arithmetic.
    pub seq: u64,
    pub source: usize,
    pub source_name: Arc<str>,
    /// Arrival time, unix seconds.
    pub arrived: i64,
    /// The whole line, made inert (controls and escapes spelled out, bidi neutralised).
    pub text: String,
    pub status: Option<u16>,
    pub level: Option<Level>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub upstream: Option<String>,
    pub latency: Option<String>,
    /// A parser recognised the line.
    pub parsed: bool,
    /// Cut at 64 KiB.
    pub truncated: bool,
    /// Its newline never came (rotation, truncation or stop).
    pub fragment: bool,
    pub invalid_utf8: bool,
    pub backfill: bool,
}

impl RecentLine {
    #[must_use]
    pub fn class(&self) -> Option<StatusClass> {
        self.status.and_then(StatusClass::of)
    }
}

/// Counts over one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowCounts {
    pub window: Window,
    /// Indexed by [`StatusClass::index`].
    pub classes: [u64; 5],
    /// (code, count), largest count first.
    pub codes: Vec<(u16, u64)>,
    /// Indexed by [`Level::index`].
    pub levels: [u64; 4],
    pub requests: u64,
    pub server_error_share: f64,
    /// Largest first; paths without their query string.
    pub top_5xx_paths: Vec<(String, u64)>,
    pub top_5xx_upstreams: Vec<(String, u64)>,
}

/// The histogram as the pane draws it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramSnapshot {
    /// The second in progress (unix time); the series ends with it.
    pub now_second: i64,
    /// In the order of [`Window::ALL`]: 1 m, 5 m, 15 m, since start.
    pub windows: Vec<WindowCounts>,
    /// Per-second counts for the last 15 minutes, oldest first.
    pub series: Vec<SecondCounts>,
    pub spike_active: bool,
}

impl HistogramSnapshot {
    #[must_use]
    pub fn window(&self, window: Window) -> Option<&WindowCounts> {
        self.windows.iter().find(|w| w.window == window)
    }
}

/// Where a source stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    Starting,
    Reading,
    /// The followed path does not exist right now.
    Missing,
    /// The command exited and will be restarted.
    Restarting,
    Finished,
}

/// Counters and state of one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    pub name: String,
    pub path: String,
    /// The format in use (while detecting: the best guess so far).
    pub format: Option<&'static str>,
    pub state: SourceState,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    pub truncated_lines: u64,
    pub invalid_utf8_lines: u64,
    pub fragments: u64,
    pub nul_bytes_skipped: u64,
    pub rotations: u64,
    pub truncations: u64,
    /// Polling because change notifications are unavailable.
    pub polling: bool,
    /// Most recent errors, oldest first (at most 20).
    pub errors: Vec<String>,
    /// Most recent stderr lines of a command (at most 20).
    pub stderr: Vec<String>,
    pub exit_status: Option<String>,
    pub restarts: u64,
}

/// What the worker sends to the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct LogUpdate {
    /// Lines since the previous update, oldest first (at most the ring capacity).
    pub lines: Vec<RecentLine>,
    /// Lines that arrived since the previous update but are not in `lines` because more
    /// arrived than the ring holds.
    pub lines_not_shown: u64,
    pub histogram: Arc<HistogramSnapshot>,
    pub sources: Vec<SourceStatus>,
    /// Spike crossings since the previous update.
    pub spikes: Vec<SpikeEvent>,
}
