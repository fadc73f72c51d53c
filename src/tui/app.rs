//! The dashboard's state and the one function that changes it.
//!
//! [`App::apply`] takes an event (a key, a probe report, a log update, a recorded journal entry)
//! and returns the effects the event loop must carry out (record an entry, probe now, export,
//! quit). It does no I/O and reads no clock: the loop sets [`App::now`] before each event. So
//! every behaviour of the dashboard can be tested without a terminal.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::incident_view::IncidentView;
use super::keymap::{Action, action_for};
use super::logs_state::{LogsAction, LogsPane};
use super::overlay::{InputPurpose, Overlay, PickPurpose};
use super::path_state::PathState;
use crate::logs::snapshot::LogUpdate;
use crate::probe::model::{DependencyReport, RoundReport, TargetReport};
use crate::probe::spec::TargetSpec;
use crate::reconcile::summary::RecoverySummary;
use crate::timeline::notify::{PostResult, message_for};
use crate::timeline::{Entry, Milestone, Role, Status, StepState};

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Path,
    Logs,
    Histogram,
    Checklist,
    Timeline,
}

impl PaneId {
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            PaneId::Path => "Path",
            PaneId::Logs => "Logs",
            PaneId::Histogram => "Status codes",
            PaneId::Checklist => "Checklist",
            PaneId::Timeline => "Timeline",
        }
    }
}

/// Everything that can happen to the dashboard.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Paste(String),
    Probe(Box<TargetReport>),
    Dependency(DependencyReport),
    Logs(Box<LogUpdate>),
    /// An entry of ours is durable in the journal.
    Written(Box<Entry>),
    /// An entry is in the journal, seen by the watcher: another process's, or ours again.
    Recorded(Box<Entry>),
    /// An entry of ours could not be written.
    JournalFailed(String),
    Exported(Result<String, String>),
    Reconciled(Result<Box<RecoverySummary>, String>),
    /// A chat post was attempted; the attempt becomes a `comms` entry.
    Posted(Box<PostResult>),
    Resize,
    /// The clock moved on.
    Tick,
    /// The terminal went away or a signal asked us to stop.
    Shutdown(String),
}

/// What the event loop must do after an event.
#[derive(Debug, Clone)]
pub enum Effect {
    ProbeNow,
    Quit,
    /// Append to the journal (fsync), then report back as `Recorded`.
    Record(Box<Entry>),
    AddTarget(Box<TargetSpec>),
    Export,
    Reconcile,
    /// Post a status message to the incident chat.
    Post(String),
}

pub struct App {
    pub title: String,
    /// The incident clock's zero when the journal has no impact milestone yet.
    pub fallback_start: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub probe_interval: Duration,
    pub focus: PaneId,
    pub panes: Vec<PaneId>,
    pub overlay: Overlay,
    pub path: PathState,
    pub logs: Option<LogsPane>,
    pub incident: IncidentView,
    /// Whether a reconciliation is configured (the `C` key).
    pub can_reconcile: bool,
    /// Whether milestones and status updates are posted to a chat.
    pub can_notify: bool,
    /// Why the dashboard is stopping, shown on stderr after the terminal is restored.
    pub shutdown_reason: Option<String>,
    /// The latest report of every target and dependency as one round, the input of the
    /// checklist's live evidence. Rebuilt when a report arrives, so frames only borrow it.
    round: RoundReport,
}

type Outcome = (bool, Vec<Effect>);

const NOTHING: fn() -> Outcome = || (false, Vec::new());
const REDRAW: fn() -> Outcome = || (true, Vec::new());

impl App {
    #[must_use]
    pub fn new(
        title: String,
        path: PathState,
        logs: Option<LogsPane>,
        incident: IncidentView,
        now: DateTime<Utc>,
    ) -> Self {
        let mut panes = vec![PaneId::Path];
        if logs.is_some() {
            panes.extend([PaneId::Logs, PaneId::Histogram]);
        }
        if incident.incident.checklist.outline().is_some() {
            panes.push(PaneId::Checklist);
        }
        panes.push(PaneId::Timeline);
        App {
            title,
            fallback_start: now,
            now,
            probe_interval: Duration::from_secs(10),
            focus: PaneId::Path,
            panes,
            overlay: Overlay::None,
            path,
            logs,
            incident,
            can_reconcile: false,
            can_notify: false,
            shutdown_reason: None,
            round: RoundReport {
                generated_at: now,
                targets: Vec::new(),
                dependencies: Vec::new(),
            },
        }
    }

    /// Applies one event. Returns whether anything visible changed, and the effects to run.
    pub fn apply(&mut self, event: AppEvent) -> Outcome {
        match event {
            AppEvent::Key(key) => self.on_key(key),
            AppEvent::Paste(text) => self.on_paste(&text),
            AppEvent::Probe(report) => {
                let entries = self.incident.detector.observe_target(&report);
                self.path.apply_report(*report);
                self.refresh_round();
                (true, self.record_all(entries))
            }
            AppEvent::Dependency(report) => {
                let entry = self.incident.detector.observe_dependency(&report, self.now);
                self.path.apply_dependency(report);
                self.refresh_round();
                (true, self.record_all(entry.into_iter().collect()))
            }
            AppEvent::Logs(update) => self.on_logs(*update),
            AppEvent::Written(entry) => {
                self.incident.pending_writes = self.incident.pending_writes.saturating_sub(1);
                let (changed, mut effects) = self.on_recorded(&entry);
                // Only the dashboard that wrote an update announces it, once.
                if self.can_notify
                    && let Some(text) = message_for(&entry, Some(&self.title))
                {
                    effects.push(Effect::Post(text));
                }
                (changed, effects)
            }
            AppEvent::Posted(result) => {
                let entry = result.to_entry(self.incident.author.actor.clone(), self.now);
                self.record(entry)
            }
            AppEvent::Recorded(entry) => self.on_recorded(&entry),
            AppEvent::JournalFailed(message) => {
                self.incident.pending_writes = self.incident.pending_writes.saturating_sub(1);
                self.incident.problem = Some(message);
                REDRAW()
            }
            AppEvent::Exported(result) => {
                match result {
                    Ok(path) => self.incident.exported = Some(path),
                    Err(message) => self.incident.problem = Some(message),
                }
                REDRAW()
            }
            AppEvent::Reconciled(result) => self.on_reconciled(result),
            AppEvent::Resize | AppEvent::Tick => REDRAW(),
            AppEvent::Shutdown(reason) => {
                self.shutdown_reason = Some(reason);
                (false, vec![Effect::Quit])
            }
        }
    }

    fn on_logs(&mut self, update: LogUpdate) -> Outcome {
        let mut entries = Vec::new();
        for spike in &update.spikes {
            entries.push(crate::logs::evidence::spike_entry(spike));
        }
        for source in &update.sources {
            let entry = match source.errors.last() {
                Some(error) => {
                    self.incident
                        .detector
                        .log_source_failed(&source.name, error, self.now)
                }
                None => self
                    .incident
                    .detector
                    .log_source_recovered(&source.name, self.now),
            };
            entries.extend(entry);
        }
        self.incident.log_figures = crate::logs::evidence::log_figures(&update, self.now);
        if let Some(logs) = &mut self.logs {
            logs.apply(update);
        }
        (true, self.record_all(entries))
    }

    fn on_recorded(&mut self, entry: &Entry) -> Outcome {
        if entry.kind == crate::timeline::EntryKind::Reconcile {
            self.incident.reconcile.clone_from(&entry.evidence);
        }
        let had_checklist = self.incident.incident.checklist.outline().is_some();
        let changed = self.incident.incident.apply(entry);
        if !had_checklist && self.incident.incident.checklist.outline().is_some() {
            // Another responder loaded a runbook into a journal we share.
            let at = self
                .panes
                .iter()
                .position(|p| *p == PaneId::Timeline)
                .unwrap_or(self.panes.len());
            self.panes.insert(at, PaneId::Checklist);
        }
        self.incident.problem = None;
        (changed, Vec::new())
    }

    fn on_reconciled(&mut self, result: Result<Box<RecoverySummary>, String>) -> Outcome {
        match result {
            Ok(summary) => {
                let evidence = serde_json::to_value(&*summary).unwrap_or_default();
                let text = format!("reconciliation: {}", summary.headline);
                let actor = self.incident.author.actor.clone();
                let entry =
                    Entry::new(self.now, actor, crate::timeline::EntryKind::Reconcile, text)
                        .with_evidence(evidence);
                self.record(entry)
            }
            Err(message) => {
                self.incident.problem = Some(format!("reconciliation failed: {message}"));
                REDRAW()
            }
        }
    }

    fn record(&mut self, entry: Entry) -> Outcome {
        self.incident.pending_writes += 1;
        (true, vec![Effect::Record(Box::new(entry))])
    }

    /// Entries written on start-up (the incident's title, the runbook's outline) and by the
    /// detectors go through the same path as people's entries.
    pub fn record_all(&mut self, entries: Vec<Entry>) -> Vec<Effect> {
        self.incident.pending_writes += entries.len();
        record_all(entries)
    }

    fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return (false, vec![Effect::Quit]);
        }
        match &mut self.overlay {
            Overlay::ConfirmQuit => {
                if let KeyCode::Char('y' | 'Y') = key.code {
                    return (true, vec![Effect::Quit]);
                }
                self.overlay = Overlay::None;
                return REDRAW();
            }
            Overlay::Input { .. } => return self.on_input_key(key),
            Overlay::Pick { .. } => return self.on_pick_key(key),
            _ => {}
        }
        match action_for(key, self.focus) {
            Some(action) => self.on_action(action),
            None => NOTHING(),
        }
    }

    fn on_paste(&mut self, text: &str) -> Outcome {
        // Bracketed paste: pasted text goes into an open input as text, never as keys.
        if let Overlay::Input { text: buffer, .. } = &mut self.overlay {
            super::overlay::push_text(buffer, text);
            return REDRAW();
        }
        NOTHING()
    }

    fn on_input_key(&mut self, key: KeyEvent) -> Outcome {
        let Overlay::Input { purpose, text } = &mut self.overlay else {
            return NOTHING();
        };
        match key.code {
            KeyCode::Esc => self.overlay = Overlay::None,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Enter => {
                let (purpose, text) = (*purpose, std::mem::take(text));
                self.overlay = Overlay::None;
                return self.submit(purpose, &text);
            }
            KeyCode::Char(c) => super::overlay::push_text(text, &c.to_string()),
            _ => return NOTHING(),
        }
        REDRAW()
    }

    fn on_pick_key(&mut self, key: KeyEvent) -> Outcome {
        let Overlay::Pick { purpose, selected } = &mut self.overlay else {
            return NOTHING();
        };
        let count = purpose.options().len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.overlay = Overlay::None,
            KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => *selected = (*selected + 1).min(count - 1),
            KeyCode::Enter => {
                let (purpose, selected) = (*purpose, *selected);
                self.overlay = Overlay::None;
                return self.picked(purpose, selected);
            }
            _ => return NOTHING(),
        }
        REDRAW()
    }

    fn submit(&mut self, purpose: InputPurpose, text: &str) -> Outcome {
        let now = self.now;
        let author = &self.incident.author;
        let text = text.trim();
        match purpose {
            InputPurpose::Note if !text.is_empty() => {
                let entry = author.note(now, text);
                self.record(entry)
            }
            InputPurpose::SkipReason | InputPurpose::FailReason => {
                let state = if purpose == InputPurpose::SkipReason {
                    StepState::Skipped
                } else {
                    StepState::Failed
                };
                if state == StepState::Skipped && text.is_empty() {
                    self.incident.problem = Some("a skipped step needs a reason".to_owned());
                    return REDRAW();
                }
                let reason = (!text.is_empty()).then_some(text);
                match self.incident.step_entry(now, state, reason, &self.round) {
                    Some(entry) => self.record(entry),
                    None => NOTHING(),
                }
            }
            InputPurpose::Owner if !text.is_empty() => {
                match self
                    .incident
                    .checklist
                    .selected(&self.incident.incident.checklist)
                {
                    Some(step) => {
                        let entry = author.owner(now, step, text);
                        self.record(entry)
                    }
                    None => NOTHING(),
                }
            }
            InputPurpose::RolePerson(role) if !text.is_empty() => {
                let entry = author.role(now, role, text);
                self.record(entry)
            }
            InputPurpose::StatusMessage(status) => {
                let entry = author.status(now, status, text);
                self.record(entry)
            }
            InputPurpose::AddTarget if !text.is_empty() => {
                match crate::config::resolve::parse_target_url(text) {
                    Ok(url) => {
                        let mut spec = TargetSpec::from_url(url);
                        spec.interval = self.probe_interval;
                        if !self.path.add_target(&spec) {
                            self.incident.problem =
                                Some(format!("{} is already probed", spec.name));
                            return REDRAW();
                        }
                        (true, vec![Effect::AddTarget(Box::new(spec))])
                    }
                    Err(message) => {
                        self.incident.problem = Some(message);
                        REDRAW()
                    }
                }
            }
            InputPurpose::LogFilter => {
                if let Some(logs) = &mut self.logs {
                    logs.set_filter(text);
                }
                REDRAW()
            }
            InputPurpose::TimelineFilter => {
                text.clone_into(&mut self.incident.timeline.filter.search);
                self.incident.timeline.scroll = 0;
                REDRAW()
            }
            _ => REDRAW(),
        }
    }

    fn picked(&mut self, purpose: PickPurpose, index: usize) -> Outcome {
        let now = self.now;
        match purpose {
            PickPurpose::Milestone => {
                let Some(milestone) = Milestone::ALL.get(index).copied() else {
                    return NOTHING();
                };
                let entry = self.incident.author.milestone(now, milestone, now);
                self.record(entry)
            }
            PickPurpose::Status => {
                let Some(status) = Status::ALL.get(index).copied() else {
                    return NOTHING();
                };
                self.overlay = Overlay::Input {
                    purpose: InputPurpose::StatusMessage(status),
                    text: String::new(),
                };
                REDRAW()
            }
            PickPurpose::Role => {
                let Some(role) = Role::ALL.get(index).copied() else {
                    return NOTHING();
                };
                self.overlay = Overlay::Input {
                    purpose: InputPurpose::RolePerson(role),
                    text: String::new(),
                };
                REDRAW()
            }
        }
    }

    fn on_action(&mut self, action: Action) -> Outcome {
        match (&mut self.overlay, action) {
            (_, Action::ForceQuit) => return (false, vec![Effect::Quit]),
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
            (_, Action::ProbeNow) => return (false, vec![Effect::ProbeNow]),
            (Overlay::None, action) => return self.on_pane_action(action),
            _ => return NOTHING(),
        }
        REDRAW()
    }

    fn open_input(&mut self, purpose: InputPurpose) -> Outcome {
        self.overlay = Overlay::Input {
            purpose,
            text: String::new(),
        };
        REDRAW()
    }

    fn on_pane_action(&mut self, action: Action) -> Outcome {
        match action {
            Action::FocusNext | Action::FocusPrev => self.cycle_focus(action == Action::FocusNext),
            Action::Note => return self.open_input(InputPurpose::Note),
            Action::AddTarget => return self.open_input(InputPurpose::AddTarget),
            Action::Milestone => {
                self.overlay = Overlay::Pick {
                    purpose: PickPurpose::Milestone,
                    selected: 0,
                }
            }
            Action::Status => {
                self.overlay = Overlay::Pick {
                    purpose: PickPurpose::Status,
                    selected: 0,
                }
            }
            Action::Role => {
                self.overlay = Overlay::Pick {
                    purpose: PickPurpose::Role,
                    selected: 0,
                }
            }
            Action::SeverityUp | Action::SeverityDown => {
                return self.change_severity(action == Action::SeverityUp);
            }
            Action::Export => return (true, vec![Effect::Export]),
            Action::Reconcile if self.can_reconcile => return (true, vec![Effect::Reconcile]),
            Action::Reconcile => {
                self.incident.problem =
                    Some("no [reconcile] section in the configuration".to_owned());
            }
            _ => return self.on_focused_pane(action),
        }
        REDRAW()
    }

    fn change_severity(&mut self, worse: bool) -> Outcome {
        let state = &self.incident.incident.state;
        let next = state.next_severity(worse);
        if state.severity == Some(next) {
            return NOTHING();
        }
        let entry = self
            .incident
            .author
            .severity(self.now, next, state.severity);
        self.record(entry)
    }

    fn on_focused_pane(&mut self, action: Action) -> Outcome {
        match self.focus {
            PaneId::Path => self.on_path(action),
            PaneId::Logs | PaneId::Histogram => self.on_logs_action(action),
            PaneId::Checklist => self.on_checklist(action),
            PaneId::Timeline => self.on_timeline(action),
        }
    }

    fn on_path(&mut self, action: Action) -> Outcome {
        match action {
            Action::Up => self.path.move_row(-1),
            Action::Down => self.path.move_row(1),
            Action::PageUp => self.path.move_row(-10),
            Action::PageDown => self.path.move_row(10),
            Action::Top => self.path.select_first(),
            Action::Bottom => self.path.select_last(),
            Action::Left => self.path.move_hop(-1),
            Action::Right => self.path.move_hop(1),
            Action::Open => self.overlay = Overlay::HopDetail { scroll: 0 },
            _ => return NOTHING(),
        }
        REDRAW()
    }

    fn on_logs_action(&mut self, action: Action) -> Outcome {
        let logs_action = match action {
            Action::Up => LogsAction::Up,
            Action::Down => LogsAction::Down,
            Action::PageUp => LogsAction::PageUp,
            Action::PageDown => LogsAction::PageDown,
            Action::Top => LogsAction::Top,
            Action::Bottom => LogsAction::Bottom,
            Action::TogglePause => LogsAction::TogglePause,
            Action::CycleClass => LogsAction::CycleClass,
            Action::CycleWindow => LogsAction::CycleWindow,
            Action::Filter => return self.open_input(InputPurpose::LogFilter),
            _ => return NOTHING(),
        };
        match &mut self.logs {
            Some(logs) => (logs.act(logs_action, 10), Vec::new()),
            None => NOTHING(),
        }
    }

    fn on_checklist(&mut self, action: Action) -> Outcome {
        let checklist = &self.incident.incident.checklist;
        match action {
            Action::Up => self.incident.checklist.move_by(-1, checklist),
            Action::Down => self.incident.checklist.move_by(1, checklist),
            Action::PageUp => self.incident.checklist.move_by(-10, checklist),
            Action::PageDown => self.incident.checklist.move_by(10, checklist),
            Action::Top => self.incident.checklist.cursor = 0,
            Action::Bottom => self.incident.checklist.move_by(isize::MAX / 2, checklist),
            Action::Open => self.incident.checklist.details = !self.incident.checklist.details,
            Action::ToggleDone => {
                let next = match self.incident.selected_state() {
                    Some(StepState::Done) => StepState::Todo,
                    Some(_) => StepState::Done,
                    None => return NOTHING(),
                };
                return self.step_to(next);
            }
            Action::Doing => return self.step_to(StepState::Doing),
            Action::Skip => return self.open_input(InputPurpose::SkipReason),
            Action::Failed => return self.open_input(InputPurpose::FailReason),
            Action::Owner => return self.open_input(InputPurpose::Owner),
            _ => return NOTHING(),
        }
        REDRAW()
    }

    fn step_to(&mut self, state: StepState) -> Outcome {
        match self.incident.step_entry(self.now, state, None, &self.round) {
            Some(entry) => self.record(entry),
            None => NOTHING(),
        }
    }

    fn on_timeline(&mut self, action: Action) -> Outcome {
        let timeline = &mut self.incident.timeline;
        let count = self.incident.incident.timeline.len();
        match action {
            Action::Up => timeline.scroll = (timeline.scroll + 1).min(count.saturating_sub(1)),
            Action::Down => timeline.scroll = timeline.scroll.saturating_sub(1),
            Action::PageUp => timeline.scroll = (timeline.scroll + 10).min(count.saturating_sub(1)),
            Action::PageDown => timeline.scroll = timeline.scroll.saturating_sub(10),
            Action::Top => timeline.scroll = count.saturating_sub(1),
            Action::Bottom => timeline.scroll = 0,
            Action::TogglePeople => timeline.filter.people_only = !timeline.filter.people_only,
            Action::Filter => return self.open_input(InputPurpose::TimelineFilter),
            _ => return NOTHING(),
        }
        REDRAW()
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

    /// The latest round as one report, for evidence of bound steps.
    #[must_use]
    pub fn round(&self) -> &RoundReport {
        &self.round
    }

    fn refresh_round(&mut self) {
        self.round = RoundReport {
            generated_at: self.now,
            targets: self
                .path
                .targets
                .iter()
                .filter_map(|t| t.report.clone())
                .collect(),
            dependencies: self.path.dependencies.clone(),
        };
    }

    /// Time since the incident started: the impact milestone, else the journal's first entry,
    /// else when this dashboard started.
    #[must_use]
    pub fn incident_elapsed(&self) -> Duration {
        let start = self
            .incident
            .incident
            .state
            .started_at()
            .unwrap_or(self.fallback_start);
        (self.now - start).to_std().unwrap_or_default()
    }
}

fn record_all(entries: Vec<Entry>) -> Vec<Effect> {
    entries
        .into_iter()
        .map(|e| Effect::Record(Box::new(e)))
        .collect()
}
