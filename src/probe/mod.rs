//! The probe engine: every hop of the request path, for every resolved address.
//!
//! A round resolves a target's name (`dns`), checks the address set (`ip`), then for each
//! address connects (`tcp`), shakes hands (`tls`) and sends one request (`http`) over that same
//! timed stream. The first failing hop is the break; the hops behind it are blocked. Workers in
//! the dashboard and the `check` command both call [`Prober`]; neither knows about sockets.

pub mod cert;
pub mod model;
pub mod spec;
pub mod tls;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use model::{DependencyReport, RoundReport, TargetReport};
use spec::{DependencySpec, ProbeSettings, TargetSpec};

/// Why the engine could not be set up (probing itself never errors: failures are findings).
#[derive(Debug, thiserror::Error)]
pub enum ProbeSetupError {
    #[error("reading the nameservers from /etc/resolv.conf: {0}")]
    ResolvConf(String),
    #[error("building the TLS client configuration: {0}")]
    Tls(String),
}

/// Runs probes and remembers what a run has seen so far (the first address set per target).
pub struct Prober {
    settings: ProbeSettings,
    baselines: Mutex<HashMap<String, Vec<IpAddr>>>,
}

impl Prober {
    pub fn new(settings: ProbeSettings) -> Result<Self, ProbeSetupError> {
        Ok(Prober {
            settings,
            baselines: Mutex::new(HashMap::new()),
        })
    }

    #[must_use]
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// Probes one target through every hop, for every resolved address concurrently.
    pub async fn probe_target(&self, spec: &TargetSpec) -> TargetReport {
        let _ = (&self.baselines, spec);
        unimplemented!("the probe engine is being written")
    }

    /// Probes one dependency.
    pub async fn probe_dependency(&self, spec: &DependencySpec) -> DependencyReport {
        let _ = spec;
        unimplemented!("the probe engine is being written")
    }

    /// Probes every target and dependency concurrently.
    pub async fn round(&self, targets: &[TargetSpec], deps: &[DependencySpec]) -> RoundReport {
        let (targets, dependencies) = futures::join!(
            futures::future::join_all(targets.iter().map(|t| self.probe_target(t))),
            futures::future::join_all(deps.iter().map(|d| self.probe_dependency(d))),
        );
        RoundReport {
            generated_at: chrono::Utc::now(),
            targets,
            dependencies,
        }
    }
}
