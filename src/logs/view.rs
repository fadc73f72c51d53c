//! The UI side of the worker: folds [`LogUpdate`]s into the state the log and histogram panes
//! draw from. Applying an update is cheap and does no I/O.

use std::collections::VecDeque;
use std::sync::Arc;

use super::snapshot::{HistogramSnapshot, LogUpdate, RecentLine, SourceStatus};
use super::spike::SpikeEvent;

/// Spike events kept for display.
const KEPT_SPIKES: usize = 100;

/// The newest lines, the latest histogram, source statuses and recent spikes.
#[derive(Debug, Clone)]
pub struct LogView {
    capacity: usize,
    pub lines: VecDeque<RecentLine>,
    /// Lines that never reached the view because the stream outran the ring.
    pub lines_not_shown: u64,
    pub histogram: Option<Arc<HistogramSnapshot>>,
    pub sources: Vec<SourceStatus>,
    pub spikes: VecDeque<SpikeEvent>,
}

impl Default for LogView {
    fn default() -> Self {
        LogView::with_capacity(10_000)
    }
}

impl LogView {
    #[must_use]
    pub fn with_capacity(capacity: usize) -> LogView {
        LogView {
            capacity: capacity.max(1),
            lines: VecDeque::new(),
            lines_not_shown: 0,
            histogram: None,
            sources: Vec::new(),
            spikes: VecDeque::new(),
        }
    }

    pub fn apply(&mut self, update: LogUpdate) {
        self.lines_not_shown += update.lines_not_shown;
        for line in update.lines {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
            }
            self.lines.push_back(line);
        }
        self.histogram = Some(update.histogram);
        self.sources = update.sources;
        for spike in update.spikes {
            if self.spikes.len() == KEPT_SPIKES {
                self.spikes.pop_front();
            }
            self.spikes.push_back(spike);
        }
    }
}
