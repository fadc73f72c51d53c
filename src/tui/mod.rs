//! The terminal dashboard: the event loop, the app state and one module per pane.
//!
//! Workers (probes, and later log tailers and the journal watcher) send typed events over one
//! bounded channel; [`app::App::apply`] folds them into state without I/O; the screen is drawn
//! from that state only when something changed, at most `max_fps` times a second. This module
//! never opens a socket or a file itself.

pub mod app;
pub mod checklist_state;
pub mod incident_view;
pub mod keymap;
pub mod layout;
pub mod logs_state;
pub mod overlay;
pub mod panes;
pub mod path_state;
pub mod terminal;
pub mod theme;
pub mod timeline_state;
mod workers;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::logs::worker::LogWorkerConfig;
use crate::probe::Prober;
use crate::probe::spec::{DependencySpec, TargetSpec};
use crate::reconcile::summary::ReconcileSection;
use crate::runbook::Runbook;
use crate::timeline::detect::{Detector, DetectorSettings};
use crate::timeline::notify::NotifySettings;
use crate::timeline::{Actor, Author, Entry, Incident, Journal, Milestone};
use app::{App, AppEvent, Effect};
use incident_view::IncidentView;
use logs_state::LogsPane;
use path_state::PathState;
use terminal::TerminalGuard;
use theme::Theme;

/// How many events may wait for the UI before workers wait in turn.
const EVENT_QUEUE: usize = 1024;

/// Everything the dashboard needs to start.
pub struct DashboardSetup {
    pub title: String,
    pub targets: Vec<TargetSpec>,
    pub dependencies: Vec<DependencySpec>,
    pub prober: Prober,
    pub theme: Theme,
    pub max_fps: u16,
    pub mouse: bool,
    /// Interval shown in the status bar and given to targets added at run time.
    pub probe_interval: Duration,
    pub journal: Journal,
    /// The entries already in the journal, replayed to rebuild the incident.
    pub replayed: Vec<Entry>,
    pub runbook: Option<Runbook>,
    pub actor: Actor,
    pub status_reminder: Duration,
    /// When the impact started, if the commander said so (`--since`).
    pub impact_since: Option<DateTime<Utc>>,
    pub logs: Option<LogWorkerConfig>,
    pub reconcile: Option<(ReconcileSection, PathBuf)>,
    /// Receives every entry once it is in the journal (the demo reacts to ticked steps).
    pub entry_tap: Option<mpsc::Sender<Entry>>,
    /// Where milestones and status updates are posted, if anywhere.
    pub notify: Option<NotifySettings>,
}

/// Runs the dashboard until the user quits, the terminal goes away, or a signal arrives.
pub async fn run(setup: DashboardSetup) -> anyhow::Result<()> {
    let (events, mut inbox) = mpsc::channel::<AppEvent>(EVENT_QUEUE);
    let now = Utc::now();
    let mut app = build_app(&setup, now);
    let startup = startup_entries(&setup, &app, now);
    let startup_effects = app.record_all(startup);

    let journal_path = setup.journal.path().to_path_buf();
    let _watcher = workers::spawn_watcher(&setup.journal, events.clone(), setup.entry_tap.clone());
    let writer =
        workers::JournalWriter::start(setup.journal, events.clone(), setup.entry_tap.clone())
            .context("starting the journal writer")?;
    let probes = workers::ProbeHub::start(setup.prober, setup.targets, setup.dependencies, &events);
    if let Some(config) = setup.logs {
        workers::spawn_logs(config, events.clone()).context("starting the log sources")?;
    }
    let notifier = setup
        .notify
        .clone()
        .and_then(|settings| workers::spawn_notifier(settings, events.clone()));
    app.can_notify = notifier.is_some();
    workers::spawn_input(events.clone());
    workers::spawn_signals(events.clone());

    let mut guard = TerminalGuard::enter(setup.mouse).context("opening the terminal")?;
    let frame_interval = Duration::from_secs(1) / u32::from(setup.max_fps.max(1));
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let carry_out = |effect: Effect, quit: &mut bool| match effect {
        Effect::ProbeNow => probes.now.notify_waiters(),
        Effect::Quit => *quit = true,
        Effect::Record(entry) => {
            if writer.entries.send(*entry).is_err() {
                tracing::error!("the journal writer stopped; an entry was not recorded");
            }
        }
        Effect::AddTarget(spec) => probes.add_target(*spec),
        Effect::Export => workers::spawn_export(journal_path.clone(), events.clone()),
        Effect::Post(text) => {
            if let Some(notifier) = &notifier
                && let Err(err) = notifier.post(text)
            {
                tracing::warn!(%err, "a chat update was not queued");
            }
        }
        Effect::Reconcile => {
            if let Some((section, base)) = &setup.reconcile {
                workers::spawn_reconcile(section.clone(), base.clone(), events.clone());
            }
        }
    };
    let mut quit = false;
    for effect in startup_effects {
        carry_out(effect, &mut quit);
    }

    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    while !quit {
        let due = last_draw.map_or(Instant::now(), |t| t + frame_interval);
        if dirty && Instant::now() >= due {
            draw(&mut guard, &app, &setup.theme)?;
            dirty = false;
            last_draw = Some(Instant::now());
        }
        let event = tokio::select! {
            event = inbox.recv() => event,
            _ = clock.tick() => Some(AppEvent::Tick),
            () = tokio::time::sleep_until(due), if dirty => continue,
        };
        let Some(event) = event else { break };
        // Fold every event already waiting into the state before the next frame.
        for event in std::iter::once(event).chain(std::iter::from_fn(|| inbox.try_recv().ok())) {
            if matches!(event, AppEvent::Resize) {
                guard.resize().context("resizing")?;
            }
            app.now = Utc::now();
            let (changed, effects) = app.apply(event);
            dirty |= changed;
            for effect in effects {
                carry_out(effect, &mut quit);
            }
        }
    }
    drop(guard);
    // Every entry handed to the writer is on disk before warroom exits.
    drop(inbox);
    writer.finish();
    if let Some(reason) = app.shutdown_reason {
        tracing::info!(%reason, "dashboard stopped");
    }
    Ok(())
}

fn build_app(setup: &DashboardSetup, now: DateTime<Utc>) -> App {
    let incident = Incident::from_entries(setup.runbook.as_ref(), &setup.replayed);
    let detector = Detector::new(DetectorSettings::default(), Actor::automatic());
    let mut view = IncidentView::new(
        incident,
        Author::new(setup.actor.clone()),
        detector,
        setup.journal.path().display().to_string(),
        setup.status_reminder,
    );
    if let Some(runbook) = &setup.runbook {
        view.commands = runbook
            .steps()
            .filter_map(|s| s.command.clone().map(|c| (s.id.clone(), c)))
            .collect();
    }
    let logs = setup
        .logs
        .as_ref()
        .map(|c| LogsPane::new(c.aggregator.recent_capacity));
    let mut app = App::new(
        setup.title.clone(),
        PathState::new(&setup.targets),
        logs,
        view,
        now,
    );
    app.probe_interval = setup.probe_interval;
    app.can_reconcile = setup.reconcile.is_some();
    app
}

/// What a journal needs on start: the incident's title when it is new, the runbook's outline
/// when it was not recorded yet, and the impact start the commander gave.
fn startup_entries(setup: &DashboardSetup, app: &App, now: DateTime<Utc>) -> Vec<Entry> {
    let incident = &app.incident.incident;
    let author = &app.incident.author;
    let mut entries =
        author.startup_entries(now, incident, Some(&setup.title), setup.runbook.as_ref());
    if let Some(since) = setup.impact_since
        && incident.state.milestone(Milestone::ImpactStarted).is_none()
    {
        entries.push(author.milestone(now, Milestone::ImpactStarted, since));
    }
    entries
}

fn draw(guard: &mut TerminalGuard, app: &App, theme: &Theme) -> anyhow::Result<()> {
    guard
        .draw(|frame| panes::draw(frame, app, theme))
        .context("drawing the screen")?;
    Ok(())
}
