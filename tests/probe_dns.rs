//! The domain and public-IP hops through `Prober`, against a lab nameserver on 127.0.0.1.
//!
//! Every test owns its nameserver and app, names the target `*.warroom.test`, and asks only the
//! lab server, so nothing leaves loopback.
#![expect(
    clippy::unwrap_used,
    reason = "a failed lab setup should stop the test loudly"
)]

mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use support::{all_codes, codes, prober, show, target, within};
use warroom::demo::lab::dns::{DnsServer, NameBehaviour};
use warroom::demo::lab::http::{AppBehaviour, AppServer};
use warroom::probe::model::{FindingCode, HopDetail, HopId, HopStatus, Verdict};

const TIMEOUT: Duration = Duration::from_secs(2);

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn nameserver() -> DnsServer {
    DnsServer::start(SocketAddr::new(loopback(1), 0))
        .await
        .unwrap()
}

async fn app() -> AppServer {
    AppServer::start(SocketAddr::new(loopback(1), 0), AppBehaviour::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_healthy_name_resolves_and_the_chain_runs_to_the_app() {
    let dns = nameserver().await;
    let app = app().await;
    dns.set_addresses("app.warroom.test", &[loopback(1)]);
    let spec = target(
        &format!("http://app.warroom.test:{}/health", app.local_addr().port()),
        TIMEOUT,
    );

    let report = within(
        TIMEOUT * 4,
        prober(Some(dns.local_addr())).probe_target(&spec),
    )
    .await;

    assert_eq!(report.status, Verdict::Ok, "{}", show(&report));
    assert_eq!(report.hops.dns.status, HopStatus::Ok);
    let HopDetail::Dns(detail) = &report.hops.dns.detail else {
        panic!("no dns detail: {}", show(&report));
    };
    assert_eq!(detail.a.rcode, "NOERROR");
    assert_eq!(detail.a.addresses, vec![loopback(1)]);
    assert_eq!(detail.a.ttl_s, Some(60));
    // NODATA for one family is normal and not a finding.
    assert_eq!(detail.aaaa.rcode, "NOERROR");
    assert!(detail.aaaa.addresses.is_empty());
    assert!(report.hops.dns.findings.is_empty());
    assert_eq!(report.addresses.len(), 1);
    assert_eq!(report.addresses[0].hops.http.status, HopStatus::Ok);
}

#[tokio::test]
async fn a_cname_chain_is_kept() {
    let dns = nameserver().await;
    let app = app().await;
    dns.set(
        "www.warroom.test",
        NameBehaviour::Cname {
            target: "edge.warroom.test".into(),
            ttl_s: 300,
        },
    );
    dns.set_addresses("edge.warroom.test", &[loopback(1)]);
    let spec = target(
        &format!("http://www.warroom.test:{}/", app.local_addr().port()),
        TIMEOUT,
    );

    let report = within(
        TIMEOUT * 4,
        prober(Some(dns.local_addr())).probe_target(&spec),
    )
    .await;

    let HopDetail::Dns(detail) = &report.hops.dns.detail else {
        panic!("no dns detail: {}", show(&report));
    };
    assert_eq!(
        detail.cname_chain,
        vec!["www.warroom.test", "edge.warroom.test"]
    );
    assert_eq!(detail.a.ttl_s, Some(60), "the smallest TTL of the answer");
    assert_eq!(report.status, Verdict::Ok, "{}", show(&report));
}

/// Each failing behaviour gives its own code, fails the domain hop, and blocks every hop after.
#[tokio::test]
async fn each_dns_failure_has_its_code_and_blocks_the_rest() {
    let dns = nameserver().await;
    let cases = [
        (
            "nx.warroom.test",
            NameBehaviour::NxDomain,
            FindingCode::DnsNxdomain,
        ),
        (
            "empty.warroom.test",
            NameBehaviour::NoData,
            FindingCode::DnsNodata,
        ),
        (
            "broken.warroom.test",
            NameBehaviour::ServFail,
            FindingCode::DnsServfail,
        ),
        (
            "denied.warroom.test",
            NameBehaviour::Refused,
            FindingCode::DnsRefused,
        ),
        (
            "silent.warroom.test",
            NameBehaviour::Drop,
            FindingCode::DnsTimeout,
        ),
    ];
    let prober = prober(Some(dns.local_addr()));
    for (name, behaviour, code) in cases {
        dns.set(name, behaviour);
        let spec = target(&format!("http://{name}/"), TIMEOUT);

        let report = within(TIMEOUT * 2, prober.probe_target(&spec)).await;

        assert_eq!(
            codes(&report.hops.dns),
            vec![code],
            "{name}: {}",
            show(&report)
        );
        assert_eq!(report.hops.dns.status, HopStatus::Fail, "{name}");
        assert_eq!(report.status, Verdict::Fail, "{name}");
        assert_eq!(report.broken_at, Some(HopId::Dns), "{name}");
        assert_eq!(report.hops.ip.status, HopStatus::Blocked, "{name}");
        assert_eq!(report.hops.ip.ms, None, "{name}: a blocked hop has no time");
        assert!(report.addresses.is_empty(), "{name}");
        assert!(
            report.hops.dns.ms.is_some(),
            "{name}: the failing hop keeps its time"
        );
        assert!(
            report.summary.starts_with("Breaks at Domain"),
            "{}",
            report.summary
        );
        assert!(
            report.hops.dns.findings[0]
                .message
                .contains(&dns.local_addr().to_string()),
            "{name}: the finding names the nameserver"
        );
    }
}

#[tokio::test]
async fn a_silent_nameserver_costs_about_one_timeout() {
    let dns = nameserver().await;
    dns.set("silent.warroom.test", NameBehaviour::Drop);
    let spec = target("http://silent.warroom.test/", TIMEOUT);

    let report = within(TIMEOUT, prober(Some(dns.local_addr())).probe_target(&spec)).await;

    assert_eq!(codes(&report.hops.dns), vec![FindingCode::DnsTimeout]);
}

#[tokio::test]
async fn an_address_outside_the_expected_set_fails_the_ip_hop() {
    let dns = nameserver().await;
    let app = app().await;
    dns.set_addresses("pay.warroom.test", &[loopback(1)]);
    let mut spec = target(
        &format!("http://pay.warroom.test:{}/", app.local_addr().port()),
        TIMEOUT,
    );
    spec.expect_ips = vec![loopback(7)];

    let report = within(
        TIMEOUT * 4,
        prober(Some(dns.local_addr())).probe_target(&spec),
    )
    .await;

    assert_eq!(
        codes(&report.hops.ip),
        vec![FindingCode::IpUnexpected],
        "{}",
        show(&report)
    );
    assert_eq!(report.status, Verdict::Fail);
    assert_eq!(report.broken_at, Some(HopId::Ip));
    assert_eq!(report.addresses.len(), 1);
    assert_eq!(report.addresses[0].hops.tcp.status, HopStatus::Blocked);
    assert_eq!(report.addresses[0].hops.http.status, HopStatus::Blocked);
    assert_eq!(
        app.handler().requests(),
        0,
        "no request went to an unexpected address"
    );
}

#[tokio::test]
async fn an_answer_flip_between_rounds_warns_with_old_and_new() {
    let dns = nameserver().await;
    let first = app().await;
    let port = first.local_addr().port();
    let second = AppServer::start(SocketAddr::new(loopback(2), port), AppBehaviour::default())
        .await
        .unwrap();
    dns.set_addresses("flip.warroom.test", &[loopback(1)]);
    let spec = target(&format!("http://flip.warroom.test:{port}/"), TIMEOUT);
    let prober = prober(Some(dns.local_addr()));

    let before = within(TIMEOUT * 4, prober.probe_target(&spec)).await;
    dns.set_addresses("flip.warroom.test", &[loopback(2)]);
    let after = within(TIMEOUT * 4, prober.probe_target(&spec)).await;

    assert_eq!(before.status, Verdict::Ok, "{}", show(&before));
    assert_eq!(
        codes(&after.hops.ip),
        vec![FindingCode::IpChanged],
        "{}",
        show(&after)
    );
    assert_eq!(after.hops.ip.status, HopStatus::Warn);
    assert_eq!(after.status, Verdict::Warn);
    let message = &after.hops.ip.findings[0].message;
    assert!(
        message.contains("127.0.0.1") && message.contains("127.0.0.2"),
        "{message}"
    );
    assert_eq!(
        second.handler().requests(),
        1,
        "the chain follows the new answer"
    );
    assert_eq!(all_codes(&after), vec![FindingCode::IpChanged]);
}

#[tokio::test]
async fn a_and_aaaa_answers_each_get_their_own_chain() {
    let v6 = IpAddr::from(std::net::Ipv6Addr::LOCALHOST);
    let Ok(app_v6) = AppServer::start(SocketAddr::new(v6, 0), AppBehaviour::default()).await else {
        println!("skipped: ::1 is not available on this host");
        return;
    };
    let port = app_v6.local_addr().port();
    let Ok(_app_v4) =
        AppServer::start(SocketAddr::new(loopback(1), port), AppBehaviour::default()).await
    else {
        println!("skipped: port {port} is taken on 127.0.0.1");
        return;
    };
    let dns = nameserver().await;
    dns.set_addresses("dual.warroom.test", &[loopback(1), v6]);
    let spec = target(&format!("http://dual.warroom.test:{port}/"), TIMEOUT);

    let report = within(
        TIMEOUT * 4,
        prober(Some(dns.local_addr())).probe_target(&spec),
    )
    .await;

    assert_eq!(report.status, Verdict::Ok, "{}", show(&report));
    let ips: Vec<IpAddr> = report.addresses.iter().map(|a| a.ip).collect();
    assert_eq!(ips, vec![loopback(1), v6]);
    let HopDetail::Dns(detail) = &report.hops.dns.detail else {
        panic!("no dns detail: {}", show(&report));
    };
    assert_eq!(detail.aaaa.addresses, vec![v6]);
    assert_eq!(app_v6.handler().requests(), 1);
    assert!(
        app_v6
            .handler()
            .last_request_head()
            .unwrap()
            .to_ascii_lowercase()
            .contains("host: dual.warroom.test:"),
        "the Host header carries the name, not the address"
    );
}

#[tokio::test]
async fn a_nameserver_port_with_nothing_behind_it_is_no_answer() {
    let closed = warroom::demo::lab::tcp::refusing_port(loopback(1))
        .await
        .unwrap();
    let spec = target("http://app.warroom.test/", TIMEOUT);

    let report = within(TIMEOUT * 2, prober(Some(closed)).probe_target(&spec)).await;

    assert_eq!(
        codes(&report.hops.dns),
        vec![FindingCode::DnsTimeout],
        "{}",
        show(&report)
    );
    assert!(
        report.hops.dns.findings[0]
            .message
            .contains(&closed.to_string())
    );
}
