//! The tasks that own I/O for the dashboard: probe loops, terminal input and signals. Each one
//! sends typed events to the UI over the bounded channel and never touches the screen.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt as _;
use tokio::sync::{Notify, mpsc};

use super::app::AppEvent;
use crate::probe::Prober;
use crate::probe::spec::{DependencySpec, TargetSpec};

/// Starts one probe loop per target and dependency. The returned `Notify` wakes them all for an
/// immediate round (`r`).
pub fn spawn_probes(
    prober: Prober,
    targets: Vec<TargetSpec>,
    dependencies: Vec<DependencySpec>,
    events: &mpsc::Sender<AppEvent>,
) -> Arc<Notify> {
    let prober = Arc::new(prober);
    let now = Arc::new(Notify::new());
    for spec in targets {
        let (name, interval) = (spec.name.clone(), spec.interval);
        let prober = prober.clone();
        spawn_loop(name, interval, now.clone(), events.clone(), move || {
            let (prober, spec) = (prober.clone(), spec.clone());
            async move { AppEvent::Probe(Box::new(prober.probe_target(&spec).await)) }
        });
    }
    for spec in dependencies {
        let (name, interval) = (spec.name.clone(), spec.interval);
        let prober = prober.clone();
        spawn_loop(name, interval, now.clone(), events.clone(), move || {
            let (prober, spec) = (prober.clone(), spec.clone());
            async move { AppEvent::Dependency(prober.probe_dependency(&spec).await) }
        });
    }
    now
}

/// Runs `round` every `interval` (or when `now` fires) and sends its event. Each round runs in
/// its own task: a bug that panics in one probe must not stop the loop, the other probes or the
/// screen, so the panic is logged and the next round tries again.
fn spawn_loop<F, Fut>(
    name: String,
    interval: Duration,
    now: Arc<Notify>,
    events: mpsc::Sender<AppEvent>,
    round: F,
) where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = AppEvent> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            match tokio::spawn(round()).await {
                Ok(event) => {
                    if events.send(event).await.is_err() {
                        return;
                    }
                }
                Err(err) => tracing::error!(probe = %name, %err, "probe round panicked"),
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = now.notified() => {}
            }
        }
    });
}

/// Reads the terminal. An error or the end of input means the terminal is gone (an SSH session
/// dropped without tmux): the dashboard stops instead of spinning on a dead descriptor.
pub fn spawn_input(events: mpsc::Sender<AppEvent>) {
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        loop {
            let event = match stream.next().await {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    AppEvent::Key(key)
                }
                Some(Ok(Event::Paste(text))) => AppEvent::Paste(text),
                Some(Ok(Event::Resize(..))) => AppEvent::Resize,
                Some(Ok(_)) => continue,
                Some(Err(err)) => AppEvent::Shutdown(format!("reading the terminal failed: {err}")),
                None => AppEvent::Shutdown("the terminal closed".to_owned()),
            };
            let last = matches!(event, AppEvent::Shutdown(_));
            if events.send(event).await.is_err() || last {
                return;
            }
        }
    });
}

/// SIGHUP (the SSH session ended) and SIGTERM stop the dashboard cleanly.
pub fn spawn_signals(events: mpsc::Sender<AppEvent>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut hangup), Ok(mut terminate)) = (
            signal(SignalKind::hangup()),
            signal(SignalKind::terminate()),
        ) else {
            tracing::warn!("cannot listen for SIGHUP and SIGTERM; they will end warroom abruptly");
            return;
        };
        let reason = tokio::select! {
            _ = hangup.recv() => "SIGHUP",
            _ = terminate.recv() => "SIGTERM",
        };
        let _ = events
            .send(AppEvent::Shutdown(format!("received {reason}")))
            .await;
    });
}
