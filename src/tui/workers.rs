//! The tasks and threads that own I/O for the dashboard: probe loops, the log worker, the
//! journal writer and watcher, terminal input, signals, exports and reconciliations. Each one
//! sends typed events to the UI over the bounded channel and never touches the screen.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt as _;
use tokio::sync::{Notify, mpsc};

use super::app::AppEvent;
use crate::logs::worker::{LogWorker, LogWorkerConfig};
use crate::probe::Prober;
use crate::probe::spec::{DependencySpec, TargetSpec};
use crate::reconcile::summary::{ReconcileSection, run_section};
use crate::timeline::export;
use crate::timeline::notify::{Notifier, NotifySettings};
use crate::timeline::{Entry, Journal, JournalEvent, Watcher};

/// The probe loops, and what starting another one needs.
pub struct ProbeHub {
    prober: Arc<Prober>,
    /// Wakes every loop for an immediate round (`r`).
    pub now: Arc<Notify>,
    events: mpsc::Sender<AppEvent>,
}

impl ProbeHub {
    pub fn start(
        prober: Prober,
        targets: Vec<TargetSpec>,
        dependencies: Vec<DependencySpec>,
        events: &mpsc::Sender<AppEvent>,
    ) -> Self {
        let hub = ProbeHub {
            prober: Arc::new(prober),
            now: Arc::new(Notify::new()),
            events: events.clone(),
        };
        for spec in targets {
            hub.add_target(spec);
        }
        for spec in dependencies {
            let (name, interval) = (spec.name.clone(), spec.interval);
            let prober = hub.prober.clone();
            spawn_loop(
                name,
                interval,
                hub.now.clone(),
                hub.events.clone(),
                move || {
                    let (prober, spec) = (prober.clone(), spec.clone());
                    async move { AppEvent::Dependency(prober.probe_dependency(&spec).await) }
                },
            );
        }
        hub
    }

    /// Starts probing one more target.
    pub fn add_target(&self, spec: TargetSpec) {
        let (name, interval) = (spec.name.clone(), spec.interval);
        let prober = self.prober.clone();
        spawn_loop(
            name,
            interval,
            self.now.clone(),
            self.events.clone(),
            move || {
                let (prober, spec) = (prober.clone(), spec.clone());
                async move { AppEvent::Probe(Box::new(prober.probe_target(&spec).await)) }
            },
        );
    }
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

/// Starts the log worker and forwards its updates. The worker coalesces updates, so the UI
/// sees a few a second however fast the logs grow.
pub fn spawn_logs(
    config: LogWorkerConfig,
    events: mpsc::Sender<AppEvent>,
) -> Result<(), crate::logs::LogError> {
    let mut worker = LogWorker::spawn(config)?;
    tokio::spawn(async move {
        while let Some(update) = worker.updates.recv().await {
            if events.send(AppEvent::Logs(Box::new(update))).await.is_err() {
                break;
            }
        }
        worker.shutdown();
    });
    Ok(())
}

/// The journal writer: a thread that owns the journal, appends each entry (one write, fsync)
/// and only then reports it written. Dropping the sender and joining the thread flushes every
/// entry handed over before quitting.
pub struct JournalWriter {
    pub entries: std::sync::mpsc::Sender<Entry>,
    thread: JoinHandle<()>,
}

impl JournalWriter {
    pub fn start(
        journal: Journal,
        events: mpsc::Sender<AppEvent>,
        tap: Option<mpsc::Sender<Entry>>,
    ) -> std::io::Result<Self> {
        let (entries, inbox) = std::sync::mpsc::channel::<Entry>();
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || {
                for entry in inbox {
                    let event = match journal.append(&entry) {
                        Ok(written) => {
                            if let Some(tap) = &tap {
                                let _ = tap.try_send(written.clone());
                            }
                            AppEvent::Written(Box::new(written))
                        }
                        Err(err) => {
                            tracing::error!(%err, "journal append failed");
                            AppEvent::JournalFailed(format!("journal write failed: {err}"))
                        }
                    };
                    // The UI may be gone while the last entries are flushed; they are on disk.
                    let _ = events.blocking_send(event);
                }
            })?;
        Ok(JournalWriter { entries, thread })
    }

    /// Waits until every entry handed over is on disk.
    pub fn finish(self) {
        drop(self.entries);
        let _ = self.thread.join();
    }
}

/// Watches the journal for entries other processes append (responders sharing the file).
pub fn spawn_watcher(
    journal: &Journal,
    events: mpsc::Sender<AppEvent>,
    tap: Option<mpsc::Sender<Entry>>,
) -> Option<Watcher> {
    let result = Watcher::spawn(journal, move |event| match event {
        JournalEvent::Entry(entry) => {
            if let Some(tap) = &tap {
                let _ = tap.try_send((*entry).clone());
            }
            events.blocking_send(AppEvent::Recorded(entry)).is_ok()
        }
        JournalEvent::Problem(problem) => events
            .blocking_send(AppEvent::JournalFailed(format!("journal: {problem}")))
            .is_ok(),
        JournalEvent::ReadFailed(message) => {
            tracing::warn!(%message, "journal watcher could not read");
            true
        }
    });
    match result {
        Ok(watcher) => Some(watcher),
        Err(err) => {
            tracing::error!(%err, "journal watcher could not start; other responders' entries will not show");
            None
        }
    }
}

/// Writes the Markdown postmortem beside the journal, off the UI thread.
pub fn spawn_export(journal: PathBuf, events: mpsc::Sender<AppEvent>) {
    tokio::task::spawn_blocking(move || {
        let result = (|| {
            let replay = crate::timeline::journal::read(&journal).map_err(|e| e.to_string())?;
            let name = journal
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let text = export::markdown(&replay.entries, name.as_deref());
            let output = export::postmortem_path(&journal);
            export::write_atomically(&output, text.as_bytes())
                .map_err(|e| format!("writing {}: {e}", output.display()))?;
            Ok(output.display().to_string())
        })();
        let _ = events.blocking_send(AppEvent::Exported(result));
    });
}

/// Runs the configured reconciliation off the UI thread.
pub fn spawn_reconcile(
    section: ReconcileSection,
    base_dir: PathBuf,
    events: mpsc::Sender<AppEvent>,
) {
    tokio::task::spawn_blocking(move || {
        let result = run_section(&section, &base_dir)
            .map(Box::new)
            .map_err(|e| e.to_string());
        let _ = events.blocking_send(AppEvent::Reconciled(result));
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

/// SIGHUP (the SSH session ended) and SIGTERM stop the dashboard cleanly: the journal is
/// flushed and the terminal restored.
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

/// Starts the chat poster; each attempt comes back as an event to be journaled.
pub fn spawn_notifier(
    settings: NotifySettings,
    events: mpsc::Sender<AppEvent>,
) -> Option<Notifier> {
    let report = move |result| {
        // The poster runs on the runtime, so it must not block; a full queue loses only the
        // comms entry of this attempt, never the post itself.
        if events.try_send(AppEvent::Posted(Box::new(result))).is_err() {
            tracing::warn!("the record of a chat post was dropped: the dashboard is behind");
        }
    };
    match Notifier::spawn(settings, report) {
        Ok(notifier) => Some(notifier),
        Err(err) => {
            tracing::error!(%err, "chat notifications are off");
            None
        }
    }
}
