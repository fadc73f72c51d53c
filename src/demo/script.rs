//! The outage as a script: faults that arrive on a schedule, and mitigations that repair them.
//!
//! Left alone, the outage persists. A mitigation (asked for by ticking the matching runbook
//! step, or by the tests) repairs its fault on the spot, so the next probe round shows the
//! recovery. The script only turns the world's knobs; the probes find out by themselves.

use std::time::Duration;

use tokio::sync::{Mutex, mpsc};

use super::lab::pki::Validity;
use super::world::{World, WorldError};

/// What breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The certificate on the second ingress expires: its renewal job had been failing.
    ExpiredCertificate,
    /// A release that crashes on part of the requests: the proxy answers 502 for them.
    BadRelease,
    /// The message queue stops accepting connections.
    QueueDown,
}

/// What repairs it, named by the runbook step id that asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mitigation {
    RenewCertificate,
    RollBack,
    RestartQueue,
}

impl Mitigation {
    pub const ALL: [Mitigation; 3] = [
        Mitigation::RenewCertificate,
        Mitigation::RollBack,
        Mitigation::RestartQueue,
    ];

    /// The id of the runbook step that carries out this mitigation.
    #[must_use]
    pub fn step_id(self) -> &'static str {
        match self {
            Mitigation::RenewCertificate => "renew-certificate",
            Mitigation::RollBack => "roll-back",
            Mitigation::RestartQueue => "restart-queue",
        }
    }

    #[must_use]
    pub fn from_step_id(id: &str) -> Option<Mitigation> {
        Mitigation::ALL.into_iter().find(|m| m.step_id() == id)
    }

    #[must_use]
    pub fn repairs(self) -> Fault {
        match self {
            Mitigation::RenewCertificate => Fault::ExpiredCertificate,
            Mitigation::RollBack => Fault::BadRelease,
            Mitigation::RestartQueue => Fault::QueueDown,
        }
    }
}

/// One scheduled fault, at a time after the start (at speed 1).
#[derive(Debug, Clone, Copy)]
pub struct ScheduledFault {
    pub after: Duration,
    pub fault: Fault,
    /// What happened, in the words of the postmortem that would later explain it.
    pub cause: &'static str,
}

/// The outage: healthy for a moment, then three faults in a row.
pub const SCHEDULE: [ScheduledFault; 3] = [
    ScheduledFault {
        after: Duration::from_secs(6),
        fault: Fault::ExpiredCertificate,
        cause: "the certificate on ingress 127.0.0.2 expired; its renewal job had failed silently",
    },
    ScheduledFault {
        after: Duration::from_secs(10),
        fault: Fault::BadRelease,
        cause: "release 2026.12.03-1 went out; it crashes on 40% of webhook requests",
    },
    ScheduledFault {
        after: Duration::from_secs(14),
        fault: Fault::QueueDown,
        cause: "the queue's disk filled up and it stopped accepting connections",
    },
];

/// Something the script did, for the timeline and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptEvent {
    Broke(Fault),
    Repaired(Mitigation),
    /// A mitigation was asked for but its fault was not present; nothing changed.
    NothingToRepair(Mitigation),
}

/// Breaks `fault` in the world.
pub async fn apply_fault(world: &Mutex<World>, fault: Fault) -> Result<(), WorldError> {
    let mut world = world.lock().await;
    match fault {
        Fault::ExpiredCertificate => {
            let identity = world.identity(Validity::Expired { days_ago: 3 })?;
            set_second_ingress(&world, identity)?;
        }
        Fault::BadRelease => world.deploy(true),
        Fault::QueueDown => world.queue.stop().await,
    }
    Ok(())
}

/// Repairs what `mitigation` repairs.
pub async fn apply_mitigation(
    world: &Mutex<World>,
    mitigation: Mitigation,
) -> Result<(), WorldError> {
    let mut world = world.lock().await;
    match mitigation {
        Mitigation::RenewCertificate => {
            let identity = world.identity(Validity::Valid)?;
            set_second_ingress(&world, identity)?;
        }
        Mitigation::RollBack => world.deploy(false),
        Mitigation::RestartQueue => world.queue.restart().await?,
    }
    Ok(())
}

fn set_second_ingress(
    world: &World,
    identity: super::lab::pki::ServerIdentity,
) -> Result<(), WorldError> {
    let ingress = world.ingresses.get(1).ok_or(WorldError {
        part: "ingress",
        message: "missing".into(),
    })?;
    ingress.set_identity(identity).map_err(|e| WorldError {
        part: "ingress certificate",
        message: e.to_string(),
    })
}

/// Runs the schedule at `speed` (2.0 = twice as fast) and applies mitigations as they arrive,
/// reporting each change on `events`. Ends when the mitigation channel closes.
pub async fn run(
    world: std::sync::Arc<Mutex<World>>,
    speed: f64,
    mut mitigations: mpsc::Receiver<Mitigation>,
    events: mpsc::Sender<ScriptEvent>,
) {
    let start = tokio::time::Instant::now();
    let mut broken = std::collections::HashSet::new();
    let mut pending = SCHEDULE.iter().peekable();
    loop {
        let next_at = pending
            .peek()
            .map(|s| start + s.after.div_f64(speed.max(0.01)));
        let sleep = async {
            match next_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = sleep => {
                let Some(step) = pending.next() else { continue };
                match apply_fault(&world, step.fault).await {
                    Ok(()) => {
                        broken.insert(step.fault);
                        tracing::info!(fault = ?step.fault, cause = step.cause, "demo fault");
                        let _ = events.send(ScriptEvent::Broke(step.fault)).await;
                    }
                    Err(err) => tracing::error!(%err, "demo fault could not be applied"),
                }
            }
            mitigation = mitigations.recv() => {
                let Some(mitigation) = mitigation else { return };
                if !broken.remove(&mitigation.repairs()) {
                    let _ = events.send(ScriptEvent::NothingToRepair(mitigation)).await;
                    continue;
                }
                match apply_mitigation(&world, mitigation).await {
                    Ok(()) => {
                        tracing::info!(?mitigation, "demo mitigation");
                        let _ = events.send(ScriptEvent::Repaired(mitigation)).await;
                    }
                    Err(err) => tracing::error!(%err, "demo mitigation could not be applied"),
                }
            }
        }
    }
}
