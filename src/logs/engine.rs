//! Starts one thread per source and hands back the receiving end of their shared channel.
//!
//! The channel is bounded ([`CHANNEL_BATCHES`] batches of up to 256 KiB), so a slow consumer
//! slows the readers down instead of growing memory. `warroom logs` and the dashboard worker
//! both drain it into an [`Aggregator`](super::aggregate::Aggregator).

use std::sync::mpsc::{Receiver, sync_channel};
use std::thread;

use super::source::{self, SourceMsg, SourceOptions, SourceSpec, Stop};
use super::{LogError, SourcePlan};

/// Batches in flight between the sources and the aggregator.
pub const CHANNEL_BATCHES: usize = 16;

/// Running sources.
pub struct Engine {
    pub messages: Receiver<SourceMsg>,
    stop: Stop,
    running: usize,
}

impl Engine {
    /// Spawns a thread per plan.
    pub fn start(plans: &[SourcePlan], options: SourceOptions) -> Result<Engine, LogError> {
        let (tx, rx) = sync_channel(CHANNEL_BATCHES);
        let stop = Stop::default();
        for (index, plan) in plans.iter().enumerate() {
            let (tx, source_stop) = (tx.clone(), stop.clone());
            let spec = plan.spec.clone();
            let builder = thread::Builder::new().name(format!("log source {index}"));
            let spawned = builder.spawn(move || match spec {
                SourceSpec::File(path) => source::file::run(index, path, options, tx, source_stop),
                SourceSpec::Command { program, args } => {
                    source::command::run(index, &program, &args, options, tx, source_stop);
                }
                SourceSpec::Stdin => source::stdin::run(index, tx),
            });
            if let Err(e) = spawned {
                stop.request();
                return Err(LogError::Thread {
                    name: plan.name.clone(),
                    source: e,
                });
            }
        }
        Ok(Engine {
            messages: rx,
            stop,
            running: plans.len(),
        })
    }

    /// Asks every source to read what is left and finish.
    pub fn stop(&self) {
        self.stop.request();
    }

    /// Notes a `Finished` message; returns how many sources are still running.
    pub fn finished_one(&mut self) -> usize {
        self.running = self.running.saturating_sub(1);
        self.running
    }

    #[must_use]
    pub fn running(&self) -> usize {
        self.running
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.request();
    }
}
