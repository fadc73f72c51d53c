//! The dashboard's log worker: owns every source, aggregates, and publishes coalesced updates.
//!
//! ```ignore
//! let mut worker = LogWorker::spawn(LogWorkerConfig::new(plans))?;
//! let mut view = LogView::default();
//! // in the UI's event loop, alongside terminal input and the other workers:
//! while let Some(update) = worker.updates.recv().await {
//!     for spike in &update.spikes { /* add a timeline entry */ }
//!     view.apply(update);   // then redraw from `view`
//! }
//! ```
//! The worker runs on its own thread (sources on theirs), so the UI task never waits on I/O.
//! At most every `publish_interval` (200 ms by default) it sends one [`LogUpdate`] over a
//! bounded tokio channel, and only when something changed (new lines, a status change, or the
//! clock moving the per-second series). If the UI has not taken the previous update yet, it
//! does not queue another: the new lines stay pending (up to the ring capacity, the excess
//! counted in `lines_not_shown`) and go out with the next update, so a line reaches the UI at
//! most once and a busy log cannot flood the UI. Dropping the [`LogWorker`] stops everything.

use std::sync::mpsc::RecvTimeoutError;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;

use super::aggregate::{Aggregator, AggregatorOptions};
use super::engine::Engine;
use super::snapshot::LogUpdate;
use super::source::{SourceMsg, SourceOptions, Stop};
use super::{LogError, SourcePlan};

/// Settings of the dashboard's log worker.
#[derive(Debug, Clone)]
pub struct LogWorkerConfig {
    pub plans: Vec<SourcePlan>,
    /// Follow mode, starting at the end of files with 1,000 lines of backfill by default.
    pub sources: SourceOptions,
    pub aggregator: AggregatorOptions,
    /// Least time between two updates.
    pub publish_interval: Duration,
    /// Updates the channel holds; 1 or 2 is enough, since updates coalesce.
    pub channel_capacity: usize,
}

impl LogWorkerConfig {
    #[must_use]
    pub fn new(plans: Vec<SourcePlan>) -> LogWorkerConfig {
        LogWorkerConfig {
            plans,
            sources: SourceOptions::default(),
            aggregator: AggregatorOptions::default(),
            publish_interval: Duration::from_millis(200),
            channel_capacity: 2,
        }
    }
}

/// A running worker; updates arrive on `updates`.
pub struct LogWorker {
    pub updates: mpsc::Receiver<LogUpdate>,
    stop: Stop,
    thread: Option<JoinHandle<()>>,
}

impl LogWorker {
    /// Starts the sources and the aggregating thread.
    pub fn spawn(config: LogWorkerConfig) -> Result<LogWorker, LogError> {
        let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
        let engine = Engine::start(&config.plans, config.sources)?;
        let stop = Stop::default();
        let worker_stop = stop.clone();
        let thread = thread::Builder::new()
            .name("log worker".to_owned())
            .spawn(move || run(&config, engine, &tx, &worker_stop))
            .map_err(|source| LogError::Thread {
                name: "log worker".to_owned(),
                source,
            })?;
        Ok(LogWorker {
            updates: rx,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the sources and the worker, and waits for the worker thread.
    pub fn shutdown(mut self) {
        self.stop.request();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LogWorker {
    fn drop(&mut self) {
        self.stop.request();
    }
}

fn run(config: &LogWorkerConfig, mut engine: Engine, tx: &mpsc::Sender<LogUpdate>, stop: &Stop) {
    let mut aggregator = Aggregator::new(&config.plans, config.aggregator, unix_now());
    let mut next_publish = Instant::now() + config.publish_interval;
    let mut changed = true;
    let mut published_second = i64::MIN;
    loop {
        let wait = next_publish.saturating_duration_since(Instant::now());
        match engine.messages.recv_timeout(wait) {
            Ok(msg) => {
                if matches!(msg, SourceMsg::Finished { .. }) {
                    engine.finished_one();
                }
                aggregator.apply(&msg, unix_now());
                changed = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            // Every source has ended; keep publishing the clock until stopped.
            Err(RecvTimeoutError::Disconnected) => thread::sleep(wait),
        }
        if stop.requested() {
            engine.stop();
            return;
        }
        if Instant::now() < next_publish {
            continue;
        }
        next_publish = Instant::now() + config.publish_interval;
        aggregator.tick(unix_now());
        let second = aggregator.histogram().now_second();
        if !changed && second == published_second {
            continue;
        }
        match tx.try_reserve() {
            Ok(permit) => {
                permit.send(aggregator.take_update());
                changed = false;
                published_second = second;
            }
            // The UI is behind: keep the lines pending, they go with the next update.
            Err(mpsc::error::TrySendError::Full(())) => {}
            Err(mpsc::error::TrySendError::Closed(())) => {
                engine.stop();
                return;
            }
        }
    }
}

/// Unix time in whole seconds (0 if the clock is before 1970).
#[must_use]
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
