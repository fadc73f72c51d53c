//! What a probe round found: hops, findings and verdicts.
//!
//! These types are the contract between the probe workers, the `check` command's JSON, the path
//! pane and the timeline. They are plain data, serialisable, with no I/O. Field names are the ones
//! documented for `warroom check --json`; adding fields is fine, renaming them is a breaking change.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The hops of the request path, in the order a request crosses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HopId {
    Dns,
    Ip,
    Tcp,
    Tls,
    Http,
}

impl HopId {
    pub const ALL: [HopId; 5] = [HopId::Dns, HopId::Ip, HopId::Tcp, HopId::Tls, HopId::Http];

    /// The stable id used in JSON, config and runbook bindings.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            HopId::Dns => "dns",
            HopId::Ip => "ip",
            HopId::Tcp => "tcp",
            HopId::Tls => "tls",
            HopId::Http => "http",
        }
    }

    /// What the hop stands for in the request path, as the path pane labels it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            HopId::Dns => "Domain",
            HopId::Ip => "Public IP",
            HopId::Tcp => "Firewall",
            HopId::Tls => "Ingress",
            HopId::Http => "App",
        }
    }

    /// Parses the stable id (`dns`, `ip`, `tcp`, `tls`, `http`).
    #[must_use]
    pub fn from_id(id: &str) -> Option<HopId> {
        HopId::ALL.into_iter().find(|hop| hop.id() == id)
    }
}

/// The state of one hop after a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HopStatus {
    /// Not probed yet in this run.
    Pending,
    Ok,
    Warn,
    Fail,
    /// A hop before this one failed, so this one could not be tried.
    Blocked,
    /// The hop does not apply (DNS for an IP literal, TLS for plain http).
    Skipped,
}

impl HopStatus {
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            HopStatus::Pending => "pending",
            HopStatus::Ok => "ok",
            HopStatus::Warn => "warn",
            HopStatus::Fail => "fail",
            HopStatus::Blocked => "blocked",
            HopStatus::Skipped => "skipped",
        }
    }

    /// A glyph that tells the status apart without colour.
    #[must_use]
    pub fn glyph(self) -> &'static str {
        match self {
            HopStatus::Pending => "…",
            HopStatus::Ok => "✔",
            HopStatus::Warn => "▲",
            HopStatus::Fail => "✖",
            HopStatus::Blocked => "■",
            HopStatus::Skipped => "·",
        }
    }
}

/// The verdict for a whole target or one of its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pending,
    Ok,
    Warn,
    /// Some addresses work and others do not.
    Degraded,
    Fail,
}

impl Verdict {
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pending => "pending",
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Degraded => "degraded",
            Verdict::Fail => "fail",
        }
    }

    /// A glyph that tells the verdict apart without colour.
    #[must_use]
    pub fn glyph(self) -> &'static str {
        match self {
            Verdict::Pending => "…",
            Verdict::Ok => "✔",
            Verdict::Warn => "▲",
            Verdict::Degraded => "◐",
            Verdict::Fail => "✖",
        }
    }
}

/// The closed set of reasons a hop can fail or warn. Serialised in `SCREAMING_SNAKE_CASE`, the form
/// used in JSON, the timeline and runbook text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingCode {
    DnsNxdomain,
    DnsNodata,
    DnsServfail,
    DnsRefused,
    DnsTimeout,
    IpUnexpected,
    IpChanged,
    TcpRefused,
    TcpTimeout,
    TcpUnreachable,
    TcpReset,
    TlsCertExpired,
    TlsCertNotYetValid,
    TlsCertExpiring,
    TlsNameMismatch,
    TlsSelfSigned,
    TlsIncompleteChain,
    TlsUntrustedRoot,
    TlsClientCertRequired,
    TlsAlert,
    TlsNotTls,
    TlsTimeout,
    HttpProxy5xx,
    HttpApp5xx,
    HttpUnexpectedStatus,
    HttpTimeout,
    HttpReset,
    HttpSlow,
}

impl FindingCode {
    /// The code as written in JSON and the timeline, e.g. `TLS_CERT_EXPIRED`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        use FindingCode as C;
        match self {
            C::DnsNxdomain => "DNS_NXDOMAIN",
            C::DnsNodata => "DNS_NODATA",
            C::DnsServfail => "DNS_SERVFAIL",
            C::DnsRefused => "DNS_REFUSED",
            C::DnsTimeout => "DNS_TIMEOUT",
            C::IpUnexpected => "IP_UNEXPECTED",
            C::IpChanged => "IP_CHANGED",
            C::TcpRefused => "TCP_REFUSED",
            C::TcpTimeout => "TCP_TIMEOUT",
            C::TcpUnreachable => "TCP_UNREACHABLE",
            C::TcpReset => "TCP_RESET",
            C::TlsCertExpired => "TLS_CERT_EXPIRED",
            C::TlsCertNotYetValid => "TLS_CERT_NOT_YET_VALID",
            C::TlsCertExpiring => "TLS_CERT_EXPIRING",
            C::TlsNameMismatch => "TLS_NAME_MISMATCH",
            C::TlsSelfSigned => "TLS_SELF_SIGNED",
            C::TlsIncompleteChain => "TLS_INCOMPLETE_CHAIN",
            C::TlsUntrustedRoot => "TLS_UNTRUSTED_ROOT",
            C::TlsClientCertRequired => "TLS_CLIENT_CERT_REQUIRED",
            C::TlsAlert => "TLS_ALERT",
            C::TlsNotTls => "TLS_NOT_TLS",
            C::TlsTimeout => "TLS_TIMEOUT",
            C::HttpProxy5xx => "HTTP_PROXY_5XX",
            C::HttpApp5xx => "HTTP_APP_5XX",
            C::HttpUnexpectedStatus => "HTTP_UNEXPECTED_STATUS",
            C::HttpTimeout => "HTTP_TIMEOUT",
            C::HttpReset => "HTTP_RESET",
            C::HttpSlow => "HTTP_SLOW",
        }
    }

    /// Whether this finding fails its hop or only warns.
    #[must_use]
    pub fn severity(self) -> HopStatus {
        use FindingCode as C;
        match self {
            C::IpChanged | C::TlsCertExpiring | C::HttpSlow | C::DnsNodata => HopStatus::Warn,
            _ => HopStatus::Fail,
        }
    }
}

/// One typed reason with a plain sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub message: String,
}

impl Finding {
    pub fn new(code: FindingCode, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
        }
    }
}

/// The result of one hop: status, time spent, findings and hop-specific details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopReport {
    pub status: HopStatus,
    /// Milliseconds the hop took, kept even when it failed; `None` when it never ran.
    pub ms: Option<f64>,
    pub findings: Vec<Finding>,
    #[serde(flatten, skip_serializing_if = "HopDetail::is_none", default)]
    pub detail: HopDetail,
}

impl HopReport {
    #[must_use]
    pub fn with_status(status: HopStatus) -> Self {
        HopReport {
            status,
            ms: None,
            findings: Vec::new(),
            detail: HopDetail::None,
        }
    }

    #[must_use]
    pub fn pending() -> Self {
        Self::with_status(HopStatus::Pending)
    }

    #[must_use]
    pub fn blocked() -> Self {
        Self::with_status(HopStatus::Blocked)
    }

    #[must_use]
    pub fn skipped() -> Self {
        Self::with_status(HopStatus::Skipped)
    }

    /// Builds a finished hop whose status follows from its findings: the worst severity among
    /// them, or ok when there are none.
    #[must_use]
    pub fn finished(ms: Option<f64>, findings: Vec<Finding>, detail: HopDetail) -> Self {
        let status = findings
            .iter()
            .map(|f| f.code.severity())
            .max()
            .unwrap_or(HopStatus::Ok);
        HopReport {
            status,
            ms,
            findings,
            detail,
        }
    }

    /// True when the hop stops the chain (later hops are blocked).
    #[must_use]
    pub fn is_break(&self) -> bool {
        self.status == HopStatus::Fail
    }
}

/// Hop-specific details, flattened into the hop's JSON object under a `detail` key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "detail")]
pub enum HopDetail {
    #[default]
    None,
    Dns(DnsDetail),
    Ip(IpDetail),
    Tcp(TcpDetail),
    Tls(Box<TlsDetail>),
    Http(HttpDetail),
}

impl HopDetail {
    #[must_use]
    pub fn is_none(&self) -> bool {
        matches!(self, HopDetail::None)
    }
}

/// What the queried nameservers answered, per record type, and what the system resolver said.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DnsDetail {
    /// The nameservers queried, as `ip:port`.
    pub nameservers: Vec<String>,
    pub a: DnsAnswer,
    pub aaaa: DnsAnswer,
    /// CNAME chain from the queried name to the final name, empty when there is none.
    pub cname_chain: Vec<String>,
    /// What getaddrinfo returned (hosts file, nsswitch), shown beside the direct answer.
    pub system_resolver: Option<SystemResolverView>,
}

/// The answer to one query type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DnsAnswer {
    /// The response code as a word (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...), or `TIMEOUT`.
    pub rcode: String,
    pub addresses: Vec<IpAddr>,
    /// Smallest TTL among the answer records, in seconds.
    pub ttl_s: Option<u32>,
    pub ms: Option<f64>,
}

/// The system resolver's view of the same name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemResolverView {
    pub addresses: Vec<IpAddr>,
    pub error: Option<String>,
    /// True when the addresses differ from those of the queried nameservers.
    pub differs: bool,
}

/// The address set a target resolved to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IpDetail {
    pub addresses: Vec<IpAddr>,
    /// The configured expectation, when there is one.
    pub expected: Vec<IpAddr>,
    /// The first answer seen in this run, the baseline for `IP_CHANGED`.
    pub baseline: Vec<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TcpDetail {
    pub peer: String,
    pub local: Option<String>,
}

/// What the TLS handshake showed, recorded even when verification failed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TlsDetail {
    pub sni: String,
    pub version: Option<String>,
    pub alpn: Option<String>,
    pub cipher: Option<String>,
    /// The certificates as the server sent them, leaf first.
    pub chain: Vec<CertSummary>,
    /// The server asked for a client certificate (warroom sends none); explains a rejection
    /// that a TLS 1.3 server only reports after the handshake.
    #[serde(default)]
    pub client_cert_requested: bool,
}

/// One certificate, in the fields a responder reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    pub sha256: String,
    pub self_signed: bool,
}

/// Which side of the ingress produced an HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Proxy,
    App,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HttpDetail {
    pub method: String,
    pub status: Option<u16>,
    pub ttfb_ms: Option<f64>,
    pub server: Option<String>,
    pub via: Option<String>,
    /// For a 5xx (and where it can be told for others): who produced the response.
    pub origin: Option<Origin>,
    /// The `Location` header of a redirect, reported and not followed.
    pub location: Option<String>,
    /// Response headers as received, values made inert; secrets never appear here because they
    /// are request headers.
    pub headers: Vec<(String, String)>,
    /// The start of the body (at most 64 KiB read, less kept), made inert.
    pub body_preview: String,
    pub body_bytes: usize,
}

/// The chain for one resolved address: firewall, ingress and app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressReport {
    pub ip: IpAddr,
    pub status: Verdict,
    pub broken_at: Option<HopId>,
    pub hops: AddressHops,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressHops {
    pub tcp: HopReport,
    pub tls: HopReport,
    pub http: HopReport,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetHops {
    pub dns: HopReport,
    pub ip: HopReport,
}

/// Everything one round learned about one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    pub name: String,
    pub url: String,
    pub status: Verdict,
    pub broken_at: Option<HopId>,
    /// One sentence naming the break, or saying all is well.
    pub summary: String,
    pub hops: TargetHops,
    pub addresses: Vec<AddressReport>,
    pub probed_at: DateTime<Utc>,
}

/// The kinds of dependency beside the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    Tcp,
    Http,
    Statuspage,
}

/// The state of a dependency (a database port, a health endpoint, a provider's status page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DependencyReport {
    pub name: String,
    pub kind: DependencyKind,
    pub target: String,
    pub status: Verdict,
    pub ms: Option<f64>,
    pub findings: Vec<Finding>,
    /// A short description of what was seen (`postgres 127.0.0.1:5432 open`, `All Systems
    /// Operational`), made inert.
    pub detail: String,
}

/// The result of one round over all targets and dependencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundReport {
    pub generated_at: DateTime<Utc>,
    pub targets: Vec<TargetReport>,
    pub dependencies: Vec<DependencyReport>,
}

/// The overall state a monitoring system sees; ordered so that `max` gives the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    Ok,
    Warn,
    Critical,
}

impl Overall {
    /// The exit code monitoring plugins use for this state.
    #[must_use]
    pub fn exit_code(self) -> u8 {
        match self {
            Overall::Ok => 0,
            Overall::Warn => 1,
            Overall::Critical => 2,
        }
    }

    #[must_use]
    pub fn of_verdict(verdict: Verdict) -> Overall {
        match verdict {
            Verdict::Pending | Verdict::Ok => Overall::Ok,
            Verdict::Warn | Verdict::Degraded => Overall::Warn,
            Verdict::Fail => Overall::Critical,
        }
    }
}

impl RoundReport {
    /// The worst state over every target and dependency.
    #[must_use]
    pub fn overall(&self) -> Overall {
        self.targets
            .iter()
            .map(|t| t.status)
            .chain(self.dependencies.iter().map(|d| d.status))
            .map(Overall::of_verdict)
            .max()
            .unwrap_or(Overall::Ok)
    }
}
