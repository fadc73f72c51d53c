//! The demo's world probed for real: healthy at first, each scripted fault shows as its typed
//! finding, and each mitigation repairs its fault by the next round.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

use std::time::Duration;

use tokio::sync::Mutex;
use warroom::demo::script::{self, Fault, Mitigation};
use warroom::demo::world::World;
use warroom::probe::Prober;
use warroom::probe::model::{FindingCode, HopId, TargetReport, Verdict};

const TIMEOUT: Duration = Duration::from_secs(5);

fn codes(report: &TargetReport) -> Vec<FindingCode> {
    let mut codes = Vec::new();
    for address in &report.addresses {
        for hop in [&address.hops.tcp, &address.hops.tls, &address.hops.http] {
            codes.extend(hop.findings.iter().map(|f| f.code));
        }
    }
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_show_as_their_codes_and_mitigations_repair_them() {
    let world = World::start(None).await.unwrap();
    let target = world.target(Duration::from_secs(1), TIMEOUT).unwrap();
    let dependencies = world.dependencies(Duration::from_secs(1), TIMEOUT);
    let prober = Prober::new(world.probe_settings()).unwrap();
    let world = Mutex::new(world);

    let healthy = prober
        .round(std::slice::from_ref(&target), &dependencies)
        .await;
    assert_eq!(
        healthy.targets[0].status,
        Verdict::Ok,
        "{:#?}",
        healthy.targets[0]
    );
    assert_eq!(healthy.targets[0].addresses.len(), 2);
    assert_eq!(
        healthy.dependencies[0].status,
        Verdict::Ok,
        "{:#?}",
        healthy.dependencies[0]
    );

    script::apply_fault(&world, Fault::ExpiredCertificate)
        .await
        .unwrap();
    let report = prober.probe_target(&target).await;
    assert_eq!(report.status, Verdict::Degraded, "{report:#?}");
    let broken = report
        .addresses
        .iter()
        .find(|a| a.ip.to_string() == "127.0.0.2")
        .unwrap();
    assert_eq!(broken.broken_at, Some(HopId::Tls));
    assert!(codes(&report).contains(&FindingCode::TlsCertExpired));

    script::apply_fault(&world, Fault::BadRelease)
        .await
        .unwrap();
    // 40% of requests crash; over a few rounds the proxy's 502 must show on the healthy address.
    let mut saw_proxy_502 = false;
    for _ in 0..6 {
        let report = prober.probe_target(&target).await;
        saw_proxy_502 |= codes(&report).contains(&FindingCode::HttpProxy5xx);
    }
    assert!(saw_proxy_502, "the bad release never produced a proxy 502");

    script::apply_fault(&world, Fault::QueueDown).await.unwrap();
    let queue = prober.probe_dependency(&dependencies[0]).await;
    assert_eq!(queue.status, Verdict::Fail, "{queue:#?}");
    assert_eq!(queue.findings[0].code, FindingCode::TcpRefused);

    for mitigation in Mitigation::ALL {
        script::apply_mitigation(&world, mitigation).await.unwrap();
    }
    let recovered = prober
        .round(std::slice::from_ref(&target), &dependencies)
        .await;
    assert_eq!(
        recovered.targets[0].status,
        Verdict::Ok,
        "{:#?}",
        recovered.targets[0]
    );
    assert_eq!(recovered.dependencies[0].status, Verdict::Ok);
}

#[test]
fn every_mitigation_is_named_by_a_runbook_step_id() {
    for mitigation in Mitigation::ALL {
        assert_eq!(
            Mitigation::from_step_id(mitigation.step_id()),
            Some(mitigation)
        );
    }
}
