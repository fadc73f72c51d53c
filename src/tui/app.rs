//! The dashboard's state and the one function that changes it.
//!
//! [`App::apply`] takes an event (a key already mapped to an action, a probe report, a tick)
//! and returns the effects the event loop must carry out (probe now, quit). It does no I/O, so
//! every behaviour of the dashboard can be tested without a terminal.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::keymap::{Action, action_for};
use super::path_state::PathState;
use crate::probe::model::{DependencyReport, TargetReport};

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Path,
}

impl PaneId {
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            PaneId::Path => "Path",
        }
    }
}

/// At most one overlay is open at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// Details of the selected hop, scrolled by this many lines.
    HopDetail {
        scroll: u16,
    },
    ConfirmQuit,
}

/// Everything that can happen to the dashboard.
#[derive(Debug, Clone)]
pub enum AppEvent {
    Key(KeyEvent),
    Paste(String),
    Probe(Box<TargetReport>),
    Dependency(DependencyReport),
    Resize,
    /// The clock moved on by a second.
    Tick,
    /// The terminal went away or a signal asked us to stop.
    Shutdown(String),
}

/// What the event loop must do after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    ProbeNow,
    Quit,
}

pub struct App {
    pub title: String,
    pub incident_start: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub probe_interval: Duration,
    pub focus: PaneId,
    pub panes: Vec<PaneId>,
    pub overlay: Overlay,
    pub path: PathState,
    /// Why the dashboard is stopping, shown on stderr after the terminal is restored.
    pub shutdown_reason: Option<String>,
}

impl App {
    #[must_use]
    pub fn new(
        title: String,
        path: PathState,
        incident_start: DateTime<Utc>,
        probe_interval: Duration,
    ) -> Self {
        App {
            title,
            incident_start,
            now: Utc::now(),
            probe_interval,
            focus: PaneId::Path,
            panes: vec![PaneId::Path],
            overlay: Overlay::None,
            path,
            shutdown_reason: None,
        }
    }

    /// Applies one event. Returns whether anything visible changed, and the effects to run.
    pub fn apply(&mut self, event: AppEvent) -> (bool, Vec<Effect>) {
        match event {
            AppEvent::Key(key) => self.on_key(key),
            AppEvent::Paste(_) => (false, Vec::new()),
            AppEvent::Probe(report) => {
                self.path.apply_report(*report);
                (true, Vec::new())
            }
            AppEvent::Dependency(report) => {
                self.path.apply_dependency(report);
                (true, Vec::new())
            }
            AppEvent::Resize => (true, Vec::new()),
            AppEvent::Tick => {
                let before = self.now.timestamp();
                self.now = Utc::now();
                (self.now.timestamp() != before, Vec::new())
            }
            AppEvent::Shutdown(reason) => {
                self.shutdown_reason = Some(reason);
                (false, vec![Effect::Quit])
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> (bool, Vec<Effect>) {
        if self.overlay == Overlay::ConfirmQuit {
            if let KeyCode::Char('y' | 'Y') = key.code {
                return (true, vec![Effect::Quit]);
            }
            self.overlay = Overlay::None;
            return (true, Vec::new());
        }
        match action_for(key, self.focus) {
            Some(action) => self.on_action(action),
            None => (false, Vec::new()),
        }
    }

    fn on_action(&mut self, action: Action) -> (bool, Vec<Effect>) {
        let mut effects = Vec::new();
        match (&mut self.overlay, action) {
            (_, Action::ForceQuit) => effects.push(Effect::Quit),
            (_, Action::Quit) => self.overlay = Overlay::ConfirmQuit,
            (_, Action::Help) => {
                self.overlay = if self.overlay == Overlay::Help {
                    Overlay::None
                } else {
                    Overlay::Help
                };
            }
            (Overlay::Help | Overlay::HopDetail { .. }, Action::Close | Action::Open) => {
                self.overlay = Overlay::None;
            }
            (Overlay::HopDetail { scroll }, Action::Down) => *scroll = scroll.saturating_add(1),
            (Overlay::HopDetail { scroll }, Action::Up) => *scroll = scroll.saturating_sub(1),
            (Overlay::HopDetail { scroll }, Action::PageDown) => {
                *scroll = scroll.saturating_add(10);
            }
            (Overlay::HopDetail { scroll }, Action::PageUp) => *scroll = scroll.saturating_sub(10),
            (_, Action::ProbeNow) => effects.push(Effect::ProbeNow),
            (Overlay::None, action) => return (self.on_pane_action(action), effects),
            _ => return (false, effects),
        }
        (true, effects)
    }

    fn on_pane_action(&mut self, action: Action) -> bool {
        match action {
            Action::FocusNext | Action::FocusPrev => self.cycle_focus(action == Action::FocusNext),
            Action::Up => self.path.move_row(-1),
            Action::Down => self.path.move_row(1),
            Action::PageUp => self.path.move_row(-10),
            Action::PageDown => self.path.move_row(10),
            Action::Top => self.path.select_first(),
            Action::Bottom => self.path.select_last(),
            Action::Left => self.path.move_hop(-1),
            Action::Right => self.path.move_hop(1),
            Action::Open => self.overlay = Overlay::HopDetail { scroll: 0 },
            _ => return false,
        }
        true
    }

    fn cycle_focus(&mut self, forward: bool) {
        let count = self.panes.len();
        if let Some(i) = self.panes.iter().position(|p| *p == self.focus) {
            let next = if forward {
                (i + 1) % count
            } else {
                (i + count - 1) % count
            };
            self.focus = self.panes[next];
        }
    }

    /// Time since the incident started, for the status bar clock.
    #[must_use]
    pub fn incident_elapsed(&self) -> Duration {
        (self.now - self.incident_start)
            .to_std()
            .unwrap_or_default()
    }
}
