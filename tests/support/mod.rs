//! Shared set-up for the integration tests: a prober that only ever talks to loopback, targets
//! with short timeouts, helpers to read findings out of a report, and (in `tmux`) a real
//! terminal for end-to-end tests.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the shared support"
)]

pub mod tmux;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use url::Url;
use warroom::probe::Prober;
use warroom::probe::model::{FindingCode, HopReport, TargetReport};
use warroom::probe::spec::{ProbeSettings, TargetSpec};

/// A nameserver address nothing answers on, for probers whose targets are IP literals: the
/// domain hop is skipped for those, and no query may ever leave loopback.
pub const UNUSED_NAMESERVER: &str = "127.0.0.1:9";

/// The machine running the tests is shared and loaded; slack covers scheduling, not logic.
pub const SLACK: Duration = Duration::from_secs(3);

/// A prober asking only `nameserver`, with the system resolver view off (getaddrinfo would ask
/// the host's real nameserver, which is off loopback).
pub fn prober(nameserver: Option<SocketAddr>) -> Prober {
    let nameserver = nameserver.unwrap_or_else(|| UNUSED_NAMESERVER.parse().unwrap());
    Prober::new(ProbeSettings {
        dns_servers: vec![nameserver],
        compare_system_resolver: false,
        ..ProbeSettings::default()
    })
    .unwrap()
}

/// A target for `url` with `timeout` per hop.
pub fn target(url: &str, timeout: Duration) -> TargetSpec {
    let mut spec = TargetSpec::from_url(Url::parse(url).unwrap());
    spec.timeout = timeout;
    spec
}

/// Every finding code of a hop.
pub fn codes(hop: &HopReport) -> Vec<FindingCode> {
    hop.findings.iter().map(|f| f.code).collect()
}

/// Every finding code anywhere in a target report, in hop order.
pub fn all_codes(report: &TargetReport) -> Vec<FindingCode> {
    let mut found = codes(&report.hops.dns);
    found.extend(codes(&report.hops.ip));
    for address in &report.addresses {
        found.extend(codes(&address.hops.tcp));
        found.extend(codes(&address.hops.tls));
        found.extend(codes(&address.hops.http));
    }
    found
}

/// Runs `future`, failing the test when it takes longer than `bound` plus [`SLACK`].
pub async fn within<T>(bound: Duration, future: impl Future<Output = T>) -> T {
    let limit = bound + SLACK;
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

/// Pretty JSON of a report, for assertion messages.
pub fn show(report: &TargetReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}
