//! The tasks that own I/O for the dashboard: probe loops, terminal input and signals. Each one
//! sends typed events to the UI over the bounded channel and never touches the screen.

use std::sync::Arc;

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
        let (prober, now, events) = (prober.clone(), now.clone(), events.clone());
        tokio::spawn(async move {
            loop {
                let report = prober.probe_target(&spec).await;
                if events
                    .send(AppEvent::Probe(Box::new(report)))
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep(spec.interval) => {}
                    () = now.notified() => {}
                }
            }
        });
    }
    for spec in dependencies {
        let (prober, now, events) = (prober.clone(), now.clone(), events.clone());
        tokio::spawn(async move {
            loop {
                let report = prober.probe_dependency(&spec).await;
                if events.send(AppEvent::Dependency(report)).await.is_err() {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep(spec.interval) => {}
                    () = now.notified() => {}
                }
            }
        });
    }
    now
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
