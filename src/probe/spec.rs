//! What to probe: targets, dependencies and the settings shared by every probe.
//!
//! The config loader and the command line build these; the probe engine only reads them. Secrets
//! (header values taken from the environment) are wrapped in [`Secret`] so that no `Debug`,
//! `Display` or JSON output can show them.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use serde::{Serialize, Serializer};
use url::Url;

use super::model::DependencyKind;

/// A value that must never be printed, logged or journaled.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The real value, for the one place that sends it on the wire.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("<redacted>")
    }
}

/// A header value: written in the config in clear, or read from the environment and secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum HeaderValue {
    Plain(String),
    Secret(Secret),
}

impl HeaderValue {
    #[must_use]
    pub fn expose(&self) -> &str {
        match self {
            HeaderValue::Plain(v) => v,
            HeaderValue::Secret(s) => s.expose(),
        }
    }
}

/// A request path to probe end to end.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub name: String,
    pub url: Url,
    pub method: String,
    pub headers: Vec<(String, HeaderValue)>,
    /// Statuses that count as success; anything else fails (5xx) or warns (4xx).
    pub expect_status: Vec<RangeInclusive<u16>>,
    /// When set, an answer outside this set is `IP_UNEXPECTED`.
    pub expect_ips: Vec<IpAddr>,
    /// Per-hop timeout.
    pub timeout: Duration,
    /// Time between rounds in the dashboard.
    pub interval: Duration,
    /// When the response takes longer than this (time to first byte), the HTTP hop warns.
    pub latency_budget: Option<Duration>,
}

impl TargetSpec {
    /// A target with default expectations, as given on the command line.
    #[must_use]
    pub fn from_url(url: Url) -> Self {
        TargetSpec {
            name: url.host_str().unwrap_or("target").to_owned(),
            url,
            method: "GET".to_owned(),
            headers: Vec::new(),
            expect_status: vec![200..=399],
            expect_ips: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            interval: DEFAULT_INTERVAL,
            latency_budget: None,
        }
    }

    /// The URL as it may be shown: user info (credentials) removed.
    #[must_use]
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }
}

/// Removes a password and user name from a URL before it is shown or recorded.
#[must_use]
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() || shown.password().is_some() {
        // Both setters only fail for URLs that cannot have credentials, which then have none.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
    }
    shown.to_string()
}

/// Something the request path depends on, probed beside it.
#[derive(Debug, Clone)]
pub struct DependencySpec {
    pub name: String,
    pub kind: DependencyKind,
    /// `host:port` for tcp, a URL for http and statuspage.
    pub target: String,
    pub timeout: Duration,
    pub interval: Duration,
    pub expect_status: Vec<RangeInclusive<u16>>,
}

/// Settings shared by every probe in a run.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// Nameservers to query; empty means those of `/etc/resolv.conf`.
    pub dns_servers: Vec<SocketAddr>,
    /// Extra trusted roots (internal CAs), added to the public roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Warn when a certificate expires within this many days.
    pub warn_days: u32,
    /// Whether getaddrinfo's answer is fetched and shown beside the direct answer.
    pub compare_system_resolver: bool,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            dns_servers: Vec::new(),
            extra_roots: Vec::new(),
            warn_days: 14,
            compare_system_resolver: true,
        }
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
