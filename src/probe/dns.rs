//! The domain hop: what the nameservers answer for a target's name.
//!
//! A and AAAA are asked separately and at the same time, through a hickory resolver built for
//! this one lookup with its cache off and a single attempt, so a round sees what the nameservers
//! say now and a silent server costs one timeout, not two. The name is queried fully qualified so
//! no search domain muddles the response code. The system resolver (getaddrinfo, which also reads
//! the hosts file) can be asked beside it; its answer is shown for information and never decides
//! the verdict.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use tokio::time::Instant;

use super::ProbeSetupError;
use super::model::{
    DnsAnswer, DnsDetail, Finding, FindingCode, HopDetail, HopReport, HopStatus, SystemResolverView,
};
use crate::text::inert;

/// What one query type (A or AAAA) came back with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FamilyOutcome {
    Answer {
        addresses: Vec<IpAddr>,
        ttl_s: Option<u32>,
        cname_chain: Vec<String>,
    },
    /// NOERROR without a record of this type.
    NoData,
    NxDomain,
    ServFail,
    Refused,
    /// Another error response code, by name.
    OtherRcode(String),
    Timeout,
    /// No response for another reason (the nameserver port is closed, no route).
    Unanswered(String),
}

impl FamilyOutcome {
    /// The response code as the detail view shows it.
    pub(crate) fn rcode_word(&self) -> String {
        match self {
            FamilyOutcome::Answer { .. } | FamilyOutcome::NoData => "NOERROR".to_owned(),
            FamilyOutcome::NxDomain => "NXDOMAIN".to_owned(),
            FamilyOutcome::ServFail => "SERVFAIL".to_owned(),
            FamilyOutcome::Refused => "REFUSED".to_owned(),
            FamilyOutcome::OtherRcode(word) => word.clone(),
            FamilyOutcome::Timeout => "TIMEOUT".to_owned(),
            FamilyOutcome::Unanswered(_) => "NO RESPONSE".to_owned(),
        }
    }

    fn addresses(&self) -> &[IpAddr] {
        match self {
            FamilyOutcome::Answer { addresses, .. } => addresses,
            _ => &[],
        }
    }
}

/// The domain hop's result and the addresses the rest of the chain goes on with.
pub(crate) struct DnsOutcome {
    pub hop: HopReport,
    pub addresses: Vec<IpAddr>,
}

/// The nameservers to ask: the configured ones, or those of `/etc/resolv.conf`.
pub(crate) fn nameservers(configured: &[SocketAddr]) -> Result<Vec<SocketAddr>, ProbeSetupError> {
    if !configured.is_empty() {
        return Ok(configured.to_vec());
    }
    let (config, _) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|err| ProbeSetupError::ResolvConf(err.to_string()))?;
    let mut servers: Vec<SocketAddr> = Vec::new();
    for server in config.name_servers() {
        for connection in &server.connections {
            let addr = SocketAddr::new(server.ip, connection.port);
            if !servers.contains(&addr) {
                servers.push(addr);
            }
        }
    }
    if servers.is_empty() {
        return Err(ProbeSetupError::ResolvConf(
            "no nameserver line; pass --dns-server or set [dns] servers in the config".to_owned(),
        ));
    }
    Ok(servers)
}

/// Resolves `host` through `nameservers` (and getaddrinfo when `compare_system` is set).
///
/// Known gap: hickory answers `localhost` itself (RFC 6761) without asking the nameservers, so a
/// nameserver that gets `localhost` wrong is not caught.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    nameservers: &[SocketAddr],
    timeout: Duration,
    compare_system: bool,
) -> DnsOutcome {
    let started = Instant::now();
    let fqdn = if host.ends_with('.') {
        host.to_owned()
    } else {
        format!("{host}.")
    };

    let direct = async {
        match build_resolver(nameservers, timeout) {
            Ok(resolver) => {
                futures::join!(
                    query(&resolver, &fqdn, RecordType::A, timeout),
                    query(&resolver, &fqdn, RecordType::AAAA, timeout),
                )
            }
            Err(err) => {
                let outcome = (FamilyOutcome::Unanswered(err.to_string()), None);
                (outcome.clone(), outcome)
            }
        }
    };
    let system = async {
        if compare_system {
            Some(system_view(host, port, timeout).await)
        } else {
            None
        }
    };
    let (((a, a_ms), (aaaa, aaaa_ms)), system) = futures::join!(direct, system);
    let ms = started.elapsed().as_secs_f64() * 1000.0;

    let (status, findings) = judge(host, nameservers, &a, &aaaa);
    let mut addresses: Vec<IpAddr> = a.addresses().to_vec();
    addresses.extend_from_slice(aaaa.addresses());

    let cname_chain = [&a, &aaaa]
        .into_iter()
        .find_map(|outcome| match outcome {
            FamilyOutcome::Answer { cname_chain, .. } if !cname_chain.is_empty() => {
                Some(cname_chain.clone())
            }
            _ => None,
        })
        .unwrap_or_default();
    let system_resolver = system.map(|mut view| {
        view.differs = view.error.is_none() && !same_set(&view.addresses, &addresses);
        view
    });
    let detail = DnsDetail {
        nameservers: nameservers.iter().map(ToString::to_string).collect(),
        a: answer_detail(&a, a_ms),
        aaaa: answer_detail(&aaaa, aaaa_ms),
        cname_chain,
        system_resolver,
    };

    DnsOutcome {
        hop: HopReport {
            status,
            ms: Some(ms),
            findings,
            detail: HopDetail::Dns(detail),
        },
        addresses,
    }
}

/// The hop's status and findings from the two answers. One family without records (NODATA) is
/// normal for an IPv4-only or IPv6-only name and is not a finding; a failed query beside a good
/// answer warns; no address at all fails with the most telling reason of the two.
pub(crate) fn judge(
    host: &str,
    nameservers: &[SocketAddr],
    a: &FamilyOutcome,
    aaaa: &FamilyOutcome,
) -> (HopStatus, Vec<Finding>) {
    let servers = nameservers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let host = inert(host);
    let has_answer = !a.addresses().is_empty() || !aaaa.addresses().is_empty();

    if has_answer {
        let findings: Vec<Finding> = [("A", a), ("AAAA", aaaa)]
            .into_iter()
            .filter_map(|(family, outcome)| finding_for(outcome, &host, family, &servers))
            .collect();
        let status = if findings.is_empty() {
            HopStatus::Ok
        } else {
            HopStatus::Warn
        };
        return (status, findings);
    }

    // Both families failed: report the most specific reason once.
    let worst = [a, aaaa]
        .into_iter()
        .min_by_key(|outcome| specificity(outcome))
        .unwrap_or(a);
    let finding = finding_for(worst, &host, "A/AAAA", &servers).unwrap_or_else(|| {
        Finding::new(
            FindingCode::DnsNodata,
            format!("{host} exists but has no A or AAAA record at {servers}"),
        )
    });
    (HopStatus::Fail, vec![finding])
}

/// Lower is more telling: an answer from the server beats silence.
fn specificity(outcome: &FamilyOutcome) -> u8 {
    match outcome {
        FamilyOutcome::NxDomain => 0,
        FamilyOutcome::ServFail => 1,
        FamilyOutcome::Refused => 2,
        FamilyOutcome::OtherRcode(_) => 3,
        FamilyOutcome::Timeout => 4,
        FamilyOutcome::Unanswered(_) => 5,
        FamilyOutcome::NoData => 6,
        FamilyOutcome::Answer { .. } => 7,
    }
}

fn finding_for(
    outcome: &FamilyOutcome,
    host: &str,
    family: &str,
    servers: &str,
) -> Option<Finding> {
    let (code, message) = match outcome {
        FamilyOutcome::Answer { .. } | FamilyOutcome::NoData => return None,
        FamilyOutcome::NxDomain => (
            FindingCode::DnsNxdomain,
            format!("{host} does not exist (NXDOMAIN from {servers})"),
        ),
        FamilyOutcome::ServFail => (
            FindingCode::DnsServfail,
            format!("{servers} failed to resolve {host} {family} (SERVFAIL)"),
        ),
        FamilyOutcome::Refused => (
            FindingCode::DnsRefused,
            format!("{servers} refused to resolve {host} {family} (REFUSED)"),
        ),
        // An unusual response code is still the server declining to answer.
        FamilyOutcome::OtherRcode(word) => (
            FindingCode::DnsServfail,
            format!("{servers} answered {word} for {host} {family}"),
        ),
        FamilyOutcome::Timeout => (
            FindingCode::DnsTimeout,
            format!("no answer from {servers} for {host} {family} within the timeout"),
        ),
        // The closed set has no code for an unreachable nameserver; to the operator it is the
        // same as silence.
        FamilyOutcome::Unanswered(reason) => (
            FindingCode::DnsTimeout,
            format!("no answer from {servers} for {host} {family}: {reason}"),
        ),
    };
    Some(Finding::new(code, message))
}

fn build_resolver(
    nameservers: &[SocketAddr],
    timeout: Duration,
) -> Result<TokioResolver, NetError> {
    let servers = nameservers
        .iter()
        .map(|server| {
            let mut udp = ConnectionConfig::udp();
            udp.port = server.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = server.port();
            NameServerConfig::new(server.ip(), true, vec![udp, tcp])
        })
        .collect();
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(servers),
        TokioRuntimeProvider::default(),
    );
    let options = builder.options_mut();
    options.cache_size = 0;
    options.attempts = 1;
    options.timeout = timeout;
    options.preserve_intermediates = true;
    options.use_hosts_file = ResolveHosts::Never;
    builder.build()
}

async fn query(
    resolver: &TokioResolver,
    fqdn: &str,
    record_type: RecordType,
    timeout: Duration,
) -> (FamilyOutcome, Option<f64>) {
    let started = Instant::now();
    // The resolver enforces its own timeout; this outer one guards against a pool that retries.
    let result = tokio::time::timeout(timeout + Duration::from_millis(250), async {
        resolver.lookup(fqdn, record_type).await
    })
    .await;
    let ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    let outcome = match result {
        Err(_) => FamilyOutcome::Timeout,
        Ok(Err(err)) => classify_error(&err),
        Ok(Ok(lookup)) => {
            let mut addresses = Vec::new();
            let mut cname_chain = Vec::new();
            let mut ttl_s: Option<u32> = None;
            for record in lookup.answers() {
                match &record.data {
                    RData::A(a) => addresses.push(IpAddr::V4(a.0)),
                    RData::AAAA(aaaa) => addresses.push(IpAddr::V6(aaaa.0)),
                    RData::CNAME(target) => {
                        if cname_chain.is_empty() {
                            cname_chain.push(display_name(&record.name.to_string()));
                        }
                        cname_chain.push(display_name(&target.0.to_string()));
                    }
                    _ => continue,
                }
                ttl_s = Some(ttl_s.map_or(record.ttl, |ttl| ttl.min(record.ttl)));
            }
            if addresses.is_empty() {
                FamilyOutcome::NoData
            } else {
                FamilyOutcome::Answer {
                    addresses,
                    ttl_s,
                    cname_chain,
                }
            }
        }
    };
    (outcome, ms)
}

/// Maps a resolver error to what the nameserver said (or did not say).
pub(crate) fn classify_error(err: &NetError) -> FamilyOutcome {
    match err {
        NetError::Dns(DnsError::NoRecordsFound(NoRecords { response_code, .. })) => {
            rcode_outcome(*response_code)
        }
        NetError::Dns(DnsError::ResponseCode(code)) => rcode_outcome(*code),
        NetError::Timeout => FamilyOutcome::Timeout,
        other => FamilyOutcome::Unanswered(inert(&other.to_string()).into_owned()),
    }
}

pub(crate) fn rcode_outcome(code: ResponseCode) -> FamilyOutcome {
    match code {
        ResponseCode::NoError => FamilyOutcome::NoData,
        ResponseCode::NXDomain => FamilyOutcome::NxDomain,
        ResponseCode::ServFail => FamilyOutcome::ServFail,
        ResponseCode::Refused => FamilyOutcome::Refused,
        other => FamilyOutcome::OtherRcode(format!("{other:?}").to_uppercase()),
    }
}

fn answer_detail(outcome: &FamilyOutcome, ms: Option<f64>) -> DnsAnswer {
    let ttl_s = match outcome {
        FamilyOutcome::Answer { ttl_s, .. } => *ttl_s,
        _ => None,
    };
    DnsAnswer {
        rcode: outcome.rcode_word(),
        addresses: outcome.addresses().to_vec(),
        ttl_s,
        ms,
    }
}

fn display_name(name: &str) -> String {
    inert(name.trim_end_matches('.')).into_owned()
}

async fn system_view(host: &str, port: u16, timeout: Duration) -> SystemResolverView {
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await;
    let (addresses, error) = match lookup {
        Ok(Ok(found)) => {
            let mut addresses: Vec<IpAddr> = Vec::new();
            for addr in found {
                if !addresses.contains(&addr.ip()) {
                    addresses.push(addr.ip());
                }
            }
            (addresses, None)
        }
        Ok(Err(err)) => (Vec::new(), Some(inert(&err.to_string()).into_owned())),
        Err(_) => (Vec::new(), Some("no answer within the timeout".to_owned())),
    };
    SystemResolverView {
        addresses,
        error,
        differs: false,
    }
}

pub(crate) fn same_set(left: &[IpAddr], right: &[IpAddr]) -> bool {
    left.iter().all(|ip| right.contains(ip)) && right.iter().all(|ip| left.contains(ip))
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a malformed test case should stop the test loudly"
)]
mod tests {
    use super::*;

    fn answer(ip: &str) -> FamilyOutcome {
        FamilyOutcome::Answer {
            addresses: vec![ip.parse().unwrap()],
            ttl_s: Some(60),
            cname_chain: Vec::new(),
        }
    }

    #[test]
    fn judging_two_families_follows_the_most_telling_answer() {
        use FamilyOutcome as F;
        let cases: Vec<(FamilyOutcome, FamilyOutcome, HopStatus, Option<FindingCode>)> = vec![
            (answer("127.0.0.1"), F::NoData, HopStatus::Ok, None),
            (F::NoData, answer("::1"), HopStatus::Ok, None),
            (
                answer("127.0.0.1"),
                F::ServFail,
                HopStatus::Warn,
                Some(FindingCode::DnsServfail),
            ),
            (
                answer("127.0.0.1"),
                F::Timeout,
                HopStatus::Warn,
                Some(FindingCode::DnsTimeout),
            ),
            (
                F::NoData,
                F::NoData,
                HopStatus::Fail,
                Some(FindingCode::DnsNodata),
            ),
            (
                F::NxDomain,
                F::NxDomain,
                HopStatus::Fail,
                Some(FindingCode::DnsNxdomain),
            ),
            (
                F::Timeout,
                F::NxDomain,
                HopStatus::Fail,
                Some(FindingCode::DnsNxdomain),
            ),
            (
                F::ServFail,
                F::ServFail,
                HopStatus::Fail,
                Some(FindingCode::DnsServfail),
            ),
            (
                F::Refused,
                F::Timeout,
                HopStatus::Fail,
                Some(FindingCode::DnsRefused),
            ),
            (
                F::Timeout,
                F::Timeout,
                HopStatus::Fail,
                Some(FindingCode::DnsTimeout),
            ),
            (
                F::NoData,
                F::Timeout,
                HopStatus::Fail,
                Some(FindingCode::DnsTimeout),
            ),
            (
                F::Unanswered("connection refused".into()),
                F::NoData,
                HopStatus::Fail,
                Some(FindingCode::DnsTimeout),
            ),
        ];
        let servers: Vec<SocketAddr> = vec!["127.0.0.1:5353".parse().unwrap()];
        for (a, aaaa, status, code) in cases {
            let (got_status, findings) = judge("app.test", &servers, &a, &aaaa);
            assert_eq!(got_status, status, "{a:?} / {aaaa:?}");
            assert_eq!(findings.first().map(|f| f.code), code, "{a:?} / {aaaa:?}");
        }
    }

    #[test]
    fn response_codes_map_to_outcomes() {
        let cases = [
            (ResponseCode::NoError, FamilyOutcome::NoData),
            (ResponseCode::NXDomain, FamilyOutcome::NxDomain),
            (ResponseCode::ServFail, FamilyOutcome::ServFail),
            (ResponseCode::Refused, FamilyOutcome::Refused),
            (
                ResponseCode::NotImp,
                FamilyOutcome::OtherRcode("NOTIMP".into()),
            ),
        ];
        for (code, want) in cases {
            assert_eq!(rcode_outcome(code), want, "{code:?}");
        }
        assert_eq!(classify_error(&NetError::Timeout), FamilyOutcome::Timeout);
    }

    #[test]
    fn address_sets_compare_without_order() {
        let a: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap()];
        let b: Vec<IpAddr> = vec!["127.0.0.2".parse().unwrap(), "127.0.0.1".parse().unwrap()];
        assert!(same_set(&a, &b));
        assert!(!same_set(&a, &b[..1]));
    }
}
