//! The hop chain of one address, and the verdicts that name where a request path breaks.
//!
//! For each resolved address the chain runs firewall (`tcp`), ingress (`tls`, https only) and app
//! (`http`) in order over one connection. The first failing hop is the break; the hops behind it
//! are `blocked`, with no time, because they were never tried. A target's verdict then follows
//! from its own hops and those of its addresses: every address broken is a failure, some broken
//! is `degraded`, and a warning anywhere is a warning. [`summary`] says it in one sentence.

use std::net::{IpAddr, SocketAddr};

use super::model::{AddressHops, AddressReport, HopId, HopReport, HopStatus, TargetHops, Verdict};
use super::spec::TargetSpec;
use super::tls::TlsClient;
use super::{http, tcp};

/// Runs the chain for one address of `spec`.
///
/// Known gap: any scheme other than `https` is probed as plain HTTP; the config loader is where
/// other schemes are refused.
pub(crate) async fn probe_address(
    ip: IpAddr,
    port: u16,
    server_name: &str,
    spec: &TargetSpec,
    tls_client: &TlsClient,
) -> AddressReport {
    let https = spec.url.scheme() == "https";
    let (tcp_hop, stream) = tcp::connect(SocketAddr::new(ip, port), spec.timeout).await;
    let not_tried = if https {
        HopReport::blocked()
    } else {
        HopReport::skipped()
    };

    let hops = match stream {
        None => AddressHops {
            tcp: tcp_hop,
            tls: not_tried,
            http: HopReport::blocked(),
        },
        Some(stream) if https => {
            let (mut tls_hop, tls_stream) = tls_client
                .handshake(stream, server_name, spec.timeout)
                .await;
            let http_hop = match tls_stream {
                Some(tls_stream) if !tls_hop.is_break() => {
                    let outcome = http::exchange(tls_stream, spec).await;
                    if let Some(finding) = outcome.tls_finding {
                        tls_hop.status = HopStatus::Fail;
                        tls_hop.findings.push(finding);
                    }
                    outcome.hop
                }
                _ => HopReport::blocked(),
            };
            AddressHops {
                tcp: tcp_hop,
                tls: tls_hop,
                http: http_hop,
            }
        }
        Some(stream) => AddressHops {
            tcp: tcp_hop,
            tls: HopReport::skipped(),
            http: http::exchange(stream, spec).await.hop,
        },
    };

    let (status, broken_at) = address_verdict(&hops);
    AddressReport {
        ip,
        status,
        broken_at,
        hops,
    }
}

/// The verdict of one address: the first failing hop breaks it; otherwise a warning warns.
pub(crate) fn address_verdict(hops: &AddressHops) -> (Verdict, Option<HopId>) {
    let ordered = [
        (HopId::Tcp, &hops.tcp),
        (HopId::Tls, &hops.tls),
        (HopId::Http, &hops.http),
    ];
    if let Some((hop, _)) = ordered.iter().find(|(_, report)| report.is_break()) {
        return (Verdict::Fail, Some(*hop));
    }
    if ordered
        .iter()
        .any(|(_, report)| report.status == HopStatus::Warn)
    {
        return (Verdict::Warn, None);
    }
    (Verdict::Ok, None)
}

/// The verdict of a target from its name hops and its addresses. A degraded target keeps the
/// hop where its broken addresses break, so the pane can name it.
pub(crate) fn target_verdict(
    hops: &TargetHops,
    addresses: &[AddressReport],
) -> (Verdict, Option<HopId>) {
    if hops.dns.is_break() {
        return (Verdict::Fail, Some(HopId::Dns));
    }
    if hops.ip.is_break() {
        return (Verdict::Fail, Some(HopId::Ip));
    }
    let earliest_break = addresses.iter().filter_map(|a| a.broken_at).min();
    let broken = addresses
        .iter()
        .filter(|a| a.status == Verdict::Fail)
        .count();
    if addresses.is_empty() {
        return (Verdict::Fail, Some(HopId::Dns));
    }
    if broken == addresses.len() {
        return (Verdict::Fail, earliest_break);
    }
    if broken > 0 {
        return (Verdict::Degraded, earliest_break);
    }
    let warned = [&hops.dns, &hops.ip]
        .iter()
        .any(|hop| hop.status == HopStatus::Warn)
        || addresses.iter().any(|a| a.status == Verdict::Warn);
    if warned {
        (Verdict::Warn, None)
    } else {
        (Verdict::Ok, None)
    }
}

/// One sentence for people: where the path breaks and what still works, or that all is well.
pub(crate) fn summary(
    verdict: Verdict,
    broken_at: Option<HopId>,
    hops: &TargetHops,
    addresses: &[AddressReport],
) -> String {
    let reason = |hop: &HopReport| {
        hop.findings
            .iter()
            .find(|f| f.code.severity() == hop.status || hop.status == HopStatus::Fail)
            .or(hop.findings.first())
            .map_or_else(|| "no reason recorded".to_owned(), |f| f.message.clone())
    };
    let label = |hop: HopId| hop.label();

    match (verdict, broken_at) {
        (Verdict::Fail | Verdict::Degraded, Some(HopId::Dns)) => {
            format!("Breaks at Domain: {}", reason(&hops.dns))
        }
        (Verdict::Fail | Verdict::Degraded, Some(HopId::Ip)) => {
            format!("Breaks at Public IP: {}", reason(&hops.ip))
        }
        (Verdict::Fail | Verdict::Degraded, Some(hop)) => {
            let broken: Vec<&AddressReport> = addresses
                .iter()
                .filter(|a| a.broken_at == Some(hop))
                .collect();
            let first = broken
                .first()
                .map_or_else(String::new, |a| reason(hop_of(&a.hops, hop)));
            let where_ = if broken.len() == addresses.len() && broken.len() > 1 {
                format!("all {} addresses", broken.len())
            } else {
                list(broken.iter().map(|a| a.ip))
            };
            let mut sentence = format!("Breaks at {} on {where_}: {first}", label(hop));
            let healthy: Vec<IpAddr> = addresses
                .iter()
                .filter(|a| a.status != Verdict::Fail)
                .map(|a| a.ip)
                .collect();
            if !healthy.is_empty() {
                let verb = if healthy.len() == 1 { "is" } else { "are" };
                sentence.push_str(&format!("; {} {verb} healthy", list(healthy.into_iter())));
            }
            // Addresses that break further along are named with their own hop, so a second,
            // independent fault (a bad release behind a healthy ingress) is not hidden by the
            // first.
            for other in addresses
                .iter()
                .filter(|a| a.status == Verdict::Fail && a.broken_at != Some(hop))
            {
                if let Some(other_hop) = other.broken_at {
                    let why = reason(hop_of(&other.hops, other_hop));
                    sentence.push_str(&format!(
                        "; {} breaks at {}: {why}",
                        other.ip,
                        label(other_hop)
                    ));
                }
            }
            sentence
        }
        (Verdict::Warn, _) => {
            let name_warning = [(HopId::Dns, &hops.dns), (HopId::Ip, &hops.ip)]
                .into_iter()
                .find(|(_, hop)| hop.status == HopStatus::Warn)
                .map(|(id, hop)| format!("at {}: {}", label(id), reason(hop)));
            let address_warning = addresses.iter().find_map(|a| {
                [HopId::Tcp, HopId::Tls, HopId::Http]
                    .into_iter()
                    .find_map(|id| {
                        let hop = hop_of(&a.hops, id);
                        (hop.status == HopStatus::Warn)
                            .then(|| format!("at {} on {}: {}", label(id), a.ip, reason(hop)))
                    })
            });
            let warning = name_warning.or(address_warning).unwrap_or_default();
            format!("Works, with a warning {warning}")
        }
        (Verdict::Ok, _) => match addresses.len() {
            1 => format!("Healthy on {}", addresses[0].ip),
            n => format!("Healthy on all {n} addresses"),
        },
        (Verdict::Pending, _) => "Not probed yet".to_owned(),
        (Verdict::Fail | Verdict::Degraded, None) => "Broken, and no hop names why".to_owned(),
    }
}

fn hop_of(hops: &AddressHops, hop: HopId) -> &HopReport {
    match hop {
        HopId::Tcp => &hops.tcp,
        HopId::Tls => &hops.tls,
        _ => &hops.http,
    }
}

fn list(ips: impl Iterator<Item = IpAddr>) -> String {
    ips.map(|ip| ip.to_string()).collect::<Vec<_>>().join(", ")
}

/// The port of a URL, or the scheme's default.
pub(crate) fn port_of(url: &url::Url) -> u16 {
    url.port_or_known_default().unwrap_or(80)
}

/// An address the chain never reached because a name hop (`broken_at`) failed.
pub(crate) fn blocked_address(ip: IpAddr, https: bool, broken_at: HopId) -> AddressReport {
    AddressReport {
        ip,
        status: Verdict::Fail,
        broken_at: Some(broken_at),
        hops: AddressHops {
            tcp: HopReport::blocked(),
            tls: if https {
                HopReport::blocked()
            } else {
                HopReport::skipped()
            },
            http: HopReport::blocked(),
        },
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a malformed test case should stop the test loudly"
)]
mod tests {
    use super::*;
    use crate::probe::model::{Finding, FindingCode, HopDetail};

    fn hop(status: HopStatus) -> HopReport {
        let mut hop = HopReport::with_status(status);
        if status != HopStatus::Blocked && status != HopStatus::Skipped {
            hop.ms = Some(1.0);
        }
        hop
    }

    fn failed(code: FindingCode, message: &str) -> HopReport {
        HopReport::finished(
            Some(1.0),
            vec![Finding::new(code, message)],
            HopDetail::None,
        )
    }

    fn address(ip: &str, tcp: HopReport, http: HopReport) -> AddressReport {
        let hops = AddressHops {
            tcp,
            tls: HopReport::skipped(),
            http,
        };
        let (status, broken_at) = address_verdict(&hops);
        AddressReport {
            ip: ip.parse().unwrap(),
            status,
            broken_at,
            hops,
        }
    }

    fn name_hops(dns: HopStatus, ip: HopStatus) -> TargetHops {
        TargetHops {
            dns: hop(dns),
            ip: hop(ip),
        }
    }

    #[test]
    fn the_first_failing_hop_breaks_an_address() {
        let cases = [
            (HopStatus::Ok, HopStatus::Ok, Verdict::Ok, None),
            (HopStatus::Ok, HopStatus::Warn, Verdict::Warn, None),
            (
                HopStatus::Fail,
                HopStatus::Blocked,
                Verdict::Fail,
                Some(HopId::Tcp),
            ),
            (
                HopStatus::Ok,
                HopStatus::Fail,
                Verdict::Fail,
                Some(HopId::Http),
            ),
        ];
        for (tcp, http, verdict, broken_at) in cases {
            let a = address("127.0.0.1", hop(tcp), hop(http));
            assert_eq!(
                (a.status, a.broken_at),
                (verdict, broken_at),
                "{tcp:?} {http:?}"
            );
        }
    }

    #[test]
    fn target_verdicts_tell_failed_from_degraded() {
        let ok = || address("127.0.0.1", hop(HopStatus::Ok), hop(HopStatus::Ok));
        let warn = || address("127.0.0.1", hop(HopStatus::Ok), hop(HopStatus::Warn));
        let dead = || address("127.0.0.2", hop(HopStatus::Fail), hop(HopStatus::Blocked));
        let app_down = || address("127.0.0.3", hop(HopStatus::Ok), hop(HopStatus::Fail));
        let fine = name_hops(HopStatus::Ok, HopStatus::Ok);
        let cases = [
            (fine.clone(), vec![ok(), ok()], Verdict::Ok, None),
            (fine.clone(), vec![ok(), warn()], Verdict::Warn, None),
            (
                name_hops(HopStatus::Ok, HopStatus::Warn),
                vec![ok()],
                Verdict::Warn,
                None,
            ),
            (
                fine.clone(),
                vec![ok(), dead()],
                Verdict::Degraded,
                Some(HopId::Tcp),
            ),
            (
                fine.clone(),
                vec![app_down(), dead()],
                Verdict::Fail,
                Some(HopId::Tcp),
            ),
            (
                fine.clone(),
                vec![app_down()],
                Verdict::Fail,
                Some(HopId::Http),
            ),
            (
                name_hops(HopStatus::Fail, HopStatus::Blocked),
                vec![],
                Verdict::Fail,
                Some(HopId::Dns),
            ),
            (
                name_hops(HopStatus::Ok, HopStatus::Fail),
                vec![ok()],
                Verdict::Fail,
                Some(HopId::Ip),
            ),
        ];
        for (hops, addresses, verdict, broken_at) in cases {
            assert_eq!(target_verdict(&hops, &addresses), (verdict, broken_at));
        }
    }

    #[test]
    fn the_summary_names_the_break_and_what_still_works() {
        let hops = name_hops(HopStatus::Ok, HopStatus::Ok);
        let addresses = vec![
            address("127.0.0.1", hop(HopStatus::Ok), hop(HopStatus::Ok)),
            address(
                "127.0.0.2",
                failed(
                    FindingCode::TcpRefused,
                    "127.0.0.2:80 refused the connection",
                ),
                hop(HopStatus::Blocked),
            ),
        ];
        let (verdict, broken_at) = target_verdict(&hops, &addresses);
        let sentence = summary(verdict, broken_at, &hops, &addresses);
        assert_eq!(
            sentence,
            "Breaks at Firewall on 127.0.0.2: 127.0.0.2:80 refused the connection; \
             127.0.0.1 is healthy"
        );
    }

    #[test]
    fn a_second_break_further_along_is_named_too() {
        let hops = name_hops(HopStatus::Ok, HopStatus::Ok);
        let addresses = vec![
            address(
                "127.0.0.1",
                hop(HopStatus::Ok),
                failed(FindingCode::HttpProxy5xx, "502 made by the proxy"),
            ),
            address(
                "127.0.0.2",
                failed(
                    FindingCode::TcpRefused,
                    "127.0.0.2:80 refused the connection",
                ),
                hop(HopStatus::Blocked),
            ),
        ];
        let (verdict, broken_at) = target_verdict(&hops, &addresses);
        let sentence = summary(verdict, broken_at, &hops, &addresses);
        assert_eq!(
            sentence,
            "Breaks at Firewall on 127.0.0.2: 127.0.0.2:80 refused the connection; \
             127.0.0.1 breaks at App: 502 made by the proxy"
        );
    }

    #[test]
    fn summaries_cover_name_breaks_warnings_and_health() {
        let ok = || address("127.0.0.1", hop(HopStatus::Ok), hop(HopStatus::Ok));
        let slow = || {
            address(
                "127.0.0.1",
                hop(HopStatus::Ok),
                failed(FindingCode::HttpSlow, "the response took 900 ms"),
            )
        };
        let dns_broken = TargetHops {
            dns: failed(FindingCode::DnsNxdomain, "app.test does not exist"),
            ip: HopReport::blocked(),
        };
        let fine = name_hops(HopStatus::Ok, HopStatus::Ok);
        let cases = [
            (
                dns_broken,
                vec![],
                "Breaks at Domain: app.test does not exist",
            ),
            (fine.clone(), vec![ok()], "Healthy on 127.0.0.1"),
            (
                fine.clone(),
                vec![slow()],
                "Works, with a warning at App on 127.0.0.1: the response took 900 ms",
            ),
        ];
        for (hops, addresses, want) in cases {
            let (verdict, broken_at) = target_verdict(&hops, &addresses);
            assert_eq!(summary(verdict, broken_at, &hops, &addresses), want);
        }
    }
}
