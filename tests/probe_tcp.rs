//! The firewall hop through `Prober`, against lab ports on loopback that refuse, never accept,
//! or reset; and the per-address verdicts (degraded) with a lab nameserver giving two addresses.
//! `TCP_UNREACHABLE` needs a reject rule, so that test builds a network namespace of its own
//! when running as root and says why it skips otherwise.
#![expect(
    clippy::unwrap_used,
    reason = "a failed lab setup should stop the test loudly"
)]

mod support;

use std::net::{IpAddr, SocketAddr};
use std::process::Command;
use std::time::Duration;

use support::{codes, prober, show, target, within};
use warroom::demo::lab::dns::DnsServer;
use warroom::demo::lab::http::{AppBehaviour, AppServer};
use warroom::demo::lab::tcp::{NeverAccept, ResetAfterAccept, refusing_port};
use warroom::probe::model::{FindingCode, HopId, HopStatus, Verdict};

const TIMEOUT: Duration = Duration::from_secs(2);

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

#[tokio::test]
async fn a_closed_port_is_refused_and_blocks_the_app_hop() {
    let port = refusing_port(loopback(1)).await.unwrap();
    let spec = target(&format!("http://{port}/"), TIMEOUT);

    let report = within(TIMEOUT, prober(None).probe_target(&spec)).await;

    let address = &report.addresses[0];
    assert_eq!(
        codes(&address.hops.tcp),
        vec![FindingCode::TcpRefused],
        "{}",
        show(&report)
    );
    assert_eq!(
        report.hops.dns.status,
        HopStatus::Skipped,
        "an IP literal has no domain hop"
    );
    assert_eq!(
        address.hops.tls.status,
        HopStatus::Skipped,
        "plain http has no ingress hop"
    );
    assert_eq!(address.hops.http.status, HopStatus::Blocked);
    assert_eq!(address.hops.http.ms, None);
    assert!(address.hops.tcp.ms.is_some());
    assert_eq!(
        (report.status, report.broken_at),
        (Verdict::Fail, Some(HopId::Tcp))
    );
    assert!(
        report
            .summary
            .starts_with("Breaks at Firewall on 127.0.0.1"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn a_full_accept_queue_times_out() {
    let listener = NeverAccept::start(SocketAddr::new(loopback(1), 0))
        .await
        .unwrap();
    let spec = target(&format!("http://{}/", listener.local_addr()), TIMEOUT);

    let report = within(TIMEOUT, prober(None).probe_target(&spec)).await;

    let tcp = &report.addresses[0].hops.tcp;
    assert_eq!(
        codes(tcp),
        vec![FindingCode::TcpTimeout],
        "{}",
        show(&report)
    );
    assert!(tcp.ms.is_some(), "the time spent waiting is kept");
}

#[tokio::test]
async fn a_reset_right_after_accept_is_a_tcp_reset() {
    let listener = ResetAfterAccept::start(SocketAddr::new(loopback(1), 0))
        .await
        .unwrap();
    let spec = target(&format!("http://{}/", listener.local_addr()), TIMEOUT);

    let report = within(TIMEOUT, prober(None).probe_target(&spec)).await;

    let address = &report.addresses[0];
    assert_eq!(
        codes(&address.hops.tcp),
        vec![FindingCode::TcpReset],
        "{}",
        show(&report)
    );
    assert_eq!(address.hops.http.status, HopStatus::Blocked);
}

#[tokio::test]
async fn one_dead_address_of_two_makes_the_target_degraded() {
    let app = AppServer::start(SocketAddr::new(loopback(1), 0), AppBehaviour::default())
        .await
        .unwrap();
    let port = app.local_addr().port();
    let dns = DnsServer::start(SocketAddr::new(loopback(1), 0))
        .await
        .unwrap();
    dns.set_addresses("pay.warroom.test", &[loopback(1), loopback(2)]);
    let spec = target(&format!("http://pay.warroom.test:{port}/"), TIMEOUT);

    let report = within(
        TIMEOUT * 4,
        prober(Some(dns.local_addr())).probe_target(&spec),
    )
    .await;

    assert_eq!(report.status, Verdict::Degraded, "{}", show(&report));
    assert_eq!(report.broken_at, Some(HopId::Tcp));
    let by_ip = |ip| report.addresses.iter().find(|a| a.ip == ip).unwrap();
    assert_eq!(by_ip(loopback(1)).status, Verdict::Ok);
    assert_eq!(by_ip(loopback(2)).status, Verdict::Fail);
    assert_eq!(
        codes(&by_ip(loopback(2)).hops.tcp),
        vec![FindingCode::TcpRefused]
    );
    assert_eq!(
        report.summary,
        format!(
            "Breaks at Firewall on 127.0.0.2: 127.0.0.2:{port} refused the connection (nothing \
             listens there, or a reject rule answers with a reset); 127.0.0.1 is healthy"
        )
    );
}

#[tokio::test]
async fn every_address_dead_fails_at_the_earliest_hop() {
    let port = refusing_port(loopback(1)).await.unwrap().port();
    let dns = DnsServer::start(SocketAddr::new(loopback(1), 0))
        .await
        .unwrap();
    dns.set_addresses("down.warroom.test", &[loopback(1), loopback(2)]);
    let spec = target(&format!("http://down.warroom.test:{port}/"), TIMEOUT);

    let report = within(
        TIMEOUT * 4,
        prober(Some(dns.local_addr())).probe_target(&spec),
    )
    .await;

    assert_eq!(
        (report.status, report.broken_at),
        (Verdict::Fail, Some(HopId::Tcp))
    );
    assert!(
        report.summary.contains("on all 2 addresses"),
        "{}",
        report.summary
    );
}

/// The namespace this test creates and removes; the name carries the process id so parallel
/// runs do not collide.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn a_reject_rule_is_unreachable_not_refused() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    if !is_root {
        println!("skipped: TCP_UNREACHABLE needs root to create a network namespace");
        return;
    }
    let netns = Netns(format!("wr-probe-{}", std::process::id()));
    if !run("ip", &["netns", "add", &netns.0]) {
        println!("skipped: `ip netns add` failed (no iproute2 or no namespace support)");
        return;
    }
    assert!(run("ip", &["-n", &netns.0, "link", "set", "lo", "up"]));
    let rule = [
        "netns",
        "exec",
        &netns.0,
        "iptables",
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        "9",
        "-j",
        "REJECT",
        "--reject-with",
        "icmp-admin-prohibited",
    ];
    if !run("ip", &rule) {
        println!("skipped: iptables could not add a REJECT rule in the namespace");
        return;
    }

    // Run this test binary's inner half inside the namespace, where the rule applies.
    let exe = std::env::current_exe().unwrap();
    let exe = exe.to_str().unwrap();
    let output = Command::new("ip")
        .args(["netns", "exec", &netns.0, exe])
        .args([
            "--exact",
            "unreachable_inside_the_namespace",
            "--ignored",
            "--nocapture",
        ])
        .env("WARROOM_TEST_INSIDE_NETNS", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "inner test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The inner half of the test above; it only means something inside the test's namespace.
#[tokio::test]
#[ignore = "run by a_reject_rule_is_unreachable_not_refused inside its network namespace"]
async fn unreachable_inside_the_namespace() {
    if std::env::var_os("WARROOM_TEST_INSIDE_NETNS").is_none() {
        println!("skipped: only meaningful inside the namespace the outer test creates");
        return;
    }
    let spec = target("http://127.0.0.1:9/", TIMEOUT);

    let report = within(TIMEOUT, prober(None).probe_target(&spec)).await;

    let tcp = &report.addresses[0].hops.tcp;
    assert_eq!(
        codes(tcp),
        vec![FindingCode::TcpUnreachable],
        "{}",
        show(&report)
    );
    assert_eq!(report.broken_at, Some(HopId::Tcp));
}
