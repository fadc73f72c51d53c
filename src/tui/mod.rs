//! The terminal dashboard: the event loop, the app state and one module per pane.
//!
//! Workers (probes, and later log tailers and the journal watcher) send typed events over one
//! bounded channel; [`app::App::apply`] folds them into state without I/O; the screen is drawn
//! from that state only when something changed, at most `max_fps` times a second. This module
//! never opens a socket or a file itself.

pub mod app;
pub mod keymap;
pub mod panes;
pub mod path_state;
pub mod terminal;
pub mod theme;
mod workers;

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::probe::Prober;
use crate::probe::spec::{DependencySpec, TargetSpec};
use app::{App, AppEvent, Effect};
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
    pub incident_start: DateTime<Utc>,
    /// Interval shown in the status bar (the shortest of the targets').
    pub probe_interval: Duration,
}

/// Runs the dashboard until the user quits, the terminal goes away, or a signal arrives.
pub async fn run(setup: DashboardSetup) -> anyhow::Result<()> {
    let (events, mut inbox) = mpsc::channel::<AppEvent>(EVENT_QUEUE);
    let probe_now = workers::spawn_probes(
        setup.prober,
        setup.targets.clone(),
        setup.dependencies.clone(),
        &events,
    );
    workers::spawn_input(events.clone());
    workers::spawn_signals(events.clone());
    drop(events);

    let mut app = App::new(
        setup.title,
        PathState::new(&setup.targets),
        setup.incident_start,
        setup.probe_interval,
    );
    let mut guard = TerminalGuard::enter(setup.mouse).context("opening the terminal")?;
    let frame_interval = Duration::from_secs(1) / u32::from(setup.max_fps.max(1));
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);

    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
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
        let mut quit = false;
        // Fold every event already waiting into the state before the next frame.
        for event in std::iter::once(event).chain(std::iter::from_fn(|| inbox.try_recv().ok())) {
            if matches!(event, AppEvent::Resize) {
                guard.terminal.autoresize().context("resizing")?;
            }
            let (changed, effects) = app.apply(event);
            dirty |= changed;
            for effect in effects {
                match effect {
                    Effect::ProbeNow => probe_now.notify_waiters(),
                    Effect::Quit => quit = true,
                }
            }
        }
        if quit {
            break;
        }
    }
    drop(guard);
    if let Some(reason) = app.shutdown_reason {
        tracing::info!(%reason, "dashboard stopped");
    }
    Ok(())
}

fn draw(guard: &mut TerminalGuard, app: &App, theme: &Theme) -> anyhow::Result<()> {
    // Synchronized updates let terminals (and tmux) show the frame at once, never half-drawn.
    let _ = execute!(guard.terminal.backend_mut(), BeginSynchronizedUpdate);
    guard
        .terminal
        .draw(|frame| panes::draw(frame, app, theme))
        .context("drawing the screen")?;
    let _ = execute!(guard.terminal.backend_mut(), EndSynchronizedUpdate);
    Ok(())
}
