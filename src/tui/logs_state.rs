//! The log and histogram panes' state: the folded log view, follow or pause, the filter, the
//! class shown, the scroll position and the histogram window.
//!
//! Filtering happens when a frame is drawn, over the visible lines only, walking back from the
//! newest: the cost of a frame is bounded by the screen, not by the ring.

use regex::{Regex, RegexBuilder};

use crate::logs::histogram::Window;
use crate::logs::snapshot::{LogUpdate, RecentLine};
use crate::logs::view::LogView;
use crate::logs::{Level, StatusClass};

/// Which lines the log pane shows, cycled with `c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClassFilter {
    #[default]
    All,
    Class(StatusClass),
    /// Application lines at error or warn level, and 5xx responses.
    Problems,
}

impl ClassFilter {
    const CYCLE: [ClassFilter; 6] = [
        ClassFilter::All,
        ClassFilter::Class(StatusClass::ServerError),
        ClassFilter::Class(StatusClass::ClientError),
        ClassFilter::Problems,
        ClassFilter::Class(StatusClass::Success),
        ClassFilter::Class(StatusClass::Redirect),
    ];

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            ClassFilter::All => "all",
            ClassFilter::Class(StatusClass::Informational) => "1xx",
            ClassFilter::Class(StatusClass::Success) => "2xx",
            ClassFilter::Class(StatusClass::Redirect) => "3xx",
            ClassFilter::Class(StatusClass::ClientError) => "4xx",
            ClassFilter::Class(StatusClass::ServerError) => "5xx",
            ClassFilter::Problems => "errors",
        }
    }

    fn next(self) -> ClassFilter {
        let i = Self::CYCLE.iter().position(|c| *c == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    fn matches(self, line: &RecentLine) -> bool {
        match self {
            ClassFilter::All => true,
            ClassFilter::Class(class) => line.class() == Some(class),
            ClassFilter::Problems => {
                line.class() == Some(StatusClass::ServerError)
                    || matches!(line.level, Some(Level::Error | Level::Warn))
            }
        }
    }
}

/// Log pane actions (keys are mapped in the keymap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogsAction {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    TogglePause,
    CycleClass,
    CycleWindow,
}

#[derive(Debug)]
pub struct LogsPane {
    pub view: LogView,
    /// While paused, the newest line shown; lines after it wait and are counted.
    pub frozen_at: Option<u64>,
    /// Lines scrolled up from the newest shown one.
    pub scroll: usize,
    pub class_filter: ClassFilter,
    pub text_filter: Option<(String, Regex)>,
    pub window: Window,
}

impl LogsPane {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        LogsPane {
            view: LogView::with_capacity(capacity),
            frozen_at: None,
            scroll: 0,
            class_filter: ClassFilter::default(),
            text_filter: None,
            window: Window::OneMinute,
        }
    }

    pub fn apply(&mut self, update: LogUpdate) {
        self.view.apply(update);
    }

    /// Applies an action; returns whether anything visible changed.
    pub fn act(&mut self, action: LogsAction, page: usize) -> bool {
        match action {
            LogsAction::Up => self.scroll_by(1),
            LogsAction::Down => self.scroll = self.scroll.saturating_sub(1),
            LogsAction::PageUp => self.scroll_by(page),
            LogsAction::PageDown => self.scroll = self.scroll.saturating_sub(page),
            LogsAction::Top => self.scroll_by(self.view.lines.len()),
            LogsAction::Bottom => {
                self.scroll = 0;
                self.frozen_at = None;
            }
            LogsAction::TogglePause => {
                self.frozen_at = match self.frozen_at {
                    Some(_) => None,
                    None => Some(self.newest_seq()),
                };
                self.scroll = 0;
            }
            LogsAction::CycleClass => {
                self.class_filter = self.class_filter.next();
                self.scroll = 0;
            }
            LogsAction::CycleWindow => {
                let i = Window::ALL
                    .iter()
                    .position(|w| *w == self.window)
                    .unwrap_or(0);
                self.window = Window::ALL[(i + 1) % Window::ALL.len()];
            }
        }
        true
    }

    /// Scrolling up pauses the stream, so the lines being read do not run away.
    fn scroll_by(&mut self, lines: usize) {
        if self.frozen_at.is_none() {
            self.frozen_at = Some(self.newest_seq());
        }
        self.scroll = self
            .scroll
            .saturating_add(lines)
            .min(self.view.lines.len().saturating_sub(1));
    }

    /// Sets the text filter: a case-insensitive regular expression, or the literal text when it
    /// is not a valid expression. An empty text clears it.
    pub fn set_filter(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            self.text_filter = None;
            return;
        }
        let build = |pattern: &str| {
            RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
        };
        let regex = build(text).or_else(|_| build(&regex::escape(text)));
        self.text_filter = regex.ok().map(|r| (text.to_owned(), r));
        self.scroll = 0;
    }

    fn newest_seq(&self) -> u64 {
        self.view.lines.back().map_or(0, |l| l.seq)
    }

    /// Lines that arrived after the pause and are not on screen yet.
    #[must_use]
    pub fn waiting(&self) -> usize {
        match self.frozen_at {
            Some(seq) => self
                .view
                .lines
                .iter()
                .rev()
                .take_while(|l| l.seq > seq)
                .count(),
            None => 0,
        }
    }

    /// The lines to draw, oldest first: at most `height` of those that pass the filters,
    /// ending `scroll` lines above the newest shown one.
    #[must_use]
    pub fn visible(&self, height: usize) -> Vec<&RecentLine> {
        let newest = self.frozen_at.unwrap_or(u64::MAX);
        let mut shown: Vec<&RecentLine> = self
            .view
            .lines
            .iter()
            .rev()
            .filter(|l| l.seq <= newest)
            .filter(|l| self.class_filter.matches(l))
            .filter(|l| {
                self.text_filter
                    .as_ref()
                    .is_none_or(|(_, re)| re.is_match(&l.text))
            })
            .skip(self.scroll)
            .take(height)
            .collect();
        shown.reverse();
        shown
    }
}
