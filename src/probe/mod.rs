//! The probe engine: every hop of the request path, for every resolved address.
//!
//! A round resolves a target's name (`dns`), checks the address set (`ip`), then for each
//! address connects (`tcp`), shakes hands (`tls`) and sends one request (`http`) over that same
//! timed stream. The first failing hop is the break; the hops behind it are blocked. Workers in
//! the dashboard and the `check` command both call [`Prober`]; neither knows about sockets.

pub mod attribution;
pub mod cert;
mod chain;
mod dependency;
mod dns;
mod first_byte;
mod http;
mod ip;
pub mod model;
pub mod spec;
mod tcp;
pub mod tls;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};

use url::Host;

use model::{
    DependencyReport, HopId, HopReport, HopStatus, RoundReport, TargetHops, TargetReport, Verdict,
};
use spec::{DependencySpec, ProbeSettings, TargetSpec};
use tls::TlsClient;

pub use http::{BODY_LIMIT_BYTES, BODY_PREVIEW_BYTES};
pub use tcp::RESET_WATCH;

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
    nameservers: Vec<SocketAddr>,
    tls_client: TlsClient,
    dependency_client: reqwest::Client,
    baselines: Mutex<HashMap<String, Vec<IpAddr>>>,
}

impl Prober {
    /// Reads the nameservers (from the settings, else `/etc/resolv.conf`) and builds the TLS
    /// clients once for the whole run.
    pub fn new(settings: ProbeSettings) -> Result<Self, ProbeSetupError> {
        let nameservers = dns::nameservers(&settings.dns_servers)?;
        let tls_client = TlsClient::new(&settings)?;
        let dependency_client = dependency::client(&settings)?;
        Ok(Prober {
            settings,
            nameservers,
            tls_client,
            dependency_client,
            baselines: Mutex::new(HashMap::new()),
        })
    }

    #[must_use]
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// The nameservers the domain hop asks, as resolved at start-up.
    #[must_use]
    pub fn nameservers(&self) -> &[SocketAddr] {
        &self.nameservers
    }

    /// Forgets the first answers seen, so the next round sets a new baseline for `IP_CHANGED`.
    pub fn reset_baselines(&self) {
        self.baselines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Probes one target through every hop, for every resolved address concurrently. Each hop
    /// waits at most the target's timeout, so a round ends within about four timeouts.
    pub async fn probe_target(&self, spec: &TargetSpec) -> TargetReport {
        let probed_at = chrono::Utc::now();
        let https = spec.url.scheme() == "https";
        let port = chain::port_of(&spec.url);

        let (server_name, dns_hop, addresses) = match spec.url.host() {
            Some(Host::Ipv4(ip)) => (ip.to_string(), HopReport::skipped(), vec![IpAddr::V4(ip)]),
            Some(Host::Ipv6(ip)) => (ip.to_string(), HopReport::skipped(), vec![IpAddr::V6(ip)]),
            Some(Host::Domain(name)) => {
                let outcome = dns::resolve(
                    name,
                    port,
                    &self.nameservers,
                    spec.timeout,
                    self.settings.compare_system_resolver,
                )
                .await;
                (name.to_owned(), outcome.hop, outcome.addresses)
            }
            None => (String::new(), unusable_url(), Vec::new()),
        };

        let mut hops = TargetHops {
            dns: dns_hop,
            ip: HopReport::blocked(),
        };
        let mut reports = Vec::new();
        if !hops.dns.is_break() && !addresses.is_empty() {
            let baseline = self.baseline(spec, &addresses);
            hops.ip = ip::check(&addresses, &spec.expect_ips, baseline.as_deref());
            if hops.ip.is_break() {
                reports = addresses
                    .iter()
                    .map(|ip| chain::blocked_address(*ip, https, HopId::Ip))
                    .collect();
            } else {
                let chains = addresses.iter().map(|ip| {
                    chain::probe_address(*ip, port, &server_name, spec, &self.tls_client)
                });
                reports = futures::future::join_all(chains).await;
            }
        }

        let (status, broken_at) = chain::target_verdict(&hops, &reports);
        let summary = chain::summary(status, broken_at, &hops, &reports);
        if status != Verdict::Ok {
            tracing::info!(target = %spec.name, verdict = status.word(), %summary, "probe");
        }
        TargetReport {
            name: spec.name.clone(),
            url: spec.display_url(),
            status,
            broken_at,
            summary,
            hops,
            addresses: reports,
            probed_at,
        }
    }

    /// Probes one dependency: a TCP port, an HTTP health check or a provider's status page.
    pub async fn probe_dependency(&self, spec: &DependencySpec) -> DependencyReport {
        dependency::probe(&self.dependency_client, spec).await
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

    /// The first answer of the run for this target, recording `addresses` when there is none.
    /// Returns the previous baseline, or `None` on the first answer.
    fn baseline(&self, spec: &TargetSpec, addresses: &[IpAddr]) -> Option<Vec<IpAddr>> {
        let key = format!("{}\u{0}{}", spec.name, spec.url);
        let mut baselines = self
            .baselines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let first = baselines.get(&key).cloned();
        if first.is_none() {
            baselines.insert(key, addresses.to_vec());
        }
        first
    }
}

/// A URL without a host cannot be probed; the config loader rejects those, this is the fallback.
fn unusable_url() -> HopReport {
    HopReport::with_status(HopStatus::Fail)
}
