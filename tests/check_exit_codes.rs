//! `warroom check` against real servers on loopback: the exit code follows the worst verdict,
//! and the JSON document has the documented shape, certificate details included on failure.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Output;
use std::sync::Arc;

use serde_json::Value;
use warroom::demo::lab::dns::DnsServer;
use warroom::demo::lab::http::{AppBehaviour, AppServer, CannedResponse};
use warroom::demo::lab::pki::{LabPki, LeafSpec, Validity};
use warroom::demo::lab::tcp::refusing_port;
use warroom::demo::lab::tls::{HelloHandler, TlsMode, TlsServer};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn check(args: Vec<String>) -> (Option<i32>, Value) {
    let output: Output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("check")
            .arg("--json")
            .args(["--timeout", "3s"])
            .args(&args)
            .current_dir(env!("CARGO_TARGET_TMPDIR"))
            .env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let document = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {output:?}"));
    (output.status.code(), document)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_follow_the_worst_verdict() {
    let ok = AppServer::start(SocketAddr::new(LOCALHOST, 0), AppBehaviour::default())
        .await
        .unwrap();
    let not_found = CannedResponse::new(404, "text/plain", "no such hook");
    let warn = AppServer::start(
        SocketAddr::new(LOCALHOST, 0),
        AppBehaviour::answering(not_found),
    )
    .await
    .unwrap();
    let refused = refusing_port(LOCALHOST).await.unwrap();
    let url = |addr: SocketAddr| format!("http://{addr}/webhooks");

    let (code, doc) = check(vec![url(ok.local_addr())]).await;
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["schema_version"], 1);
    assert!(doc["generated_at"].as_str().unwrap().contains('T'));
    let target = &doc["targets"][0];
    assert_eq!(target["status"], "ok");
    assert_eq!(target["broken_at"], Value::Null);
    assert_eq!(target["hops"]["dns"]["status"], "skipped");
    let address = &target["addresses"][0];
    assert_eq!(address["ip"], "127.0.0.1");
    assert_eq!(address["hops"]["tcp"]["status"], "ok");
    assert!(address["hops"]["tcp"]["ms"].is_number());
    assert_eq!(address["hops"]["http"]["detail"]["status"], 200);

    let (code, doc) = check(vec![url(ok.local_addr()), url(warn.local_addr())]).await;
    assert_eq!(code, Some(1), "{doc:#}");
    assert_eq!(doc["status"], "warn");

    let (code, doc) = check(vec![url(ok.local_addr()), url(refused)]).await;
    assert_eq!(code, Some(2), "{doc:#}");
    assert_eq!(doc["status"], "critical");
    let failed = &doc["targets"][1];
    assert_eq!(failed["broken_at"], "tcp");
    assert_eq!(
        failed["addresses"][0]["hops"]["tcp"]["findings"][0]["code"],
        "TCP_REFUSED"
    );
    assert_eq!(failed["addresses"][0]["hops"]["http"]["status"], "blocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_certificate_is_reported_with_its_chain_through_the_lab_resolver() {
    let pki = LabPki::new().unwrap();
    let expired = pki
        .issue(&LeafSpec::new(["pay.check.test"]).validity(Validity::Expired { days_ago: 3 }))
        .unwrap();
    let ingress = TlsServer::start(
        SocketAddr::new(LOCALHOST, 0),
        expired.full_chain(),
        TlsMode::Serve,
        Arc::new(HelloHandler),
    )
    .await
    .unwrap();
    let dns = DnsServer::start(SocketAddr::new(LOCALHOST, 0))
        .await
        .unwrap();
    dns.set_addresses("pay.check.test", &[LOCALHOST]);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("lab-root.pem");
    std::fs::write(&ca, pki.root_pem()).unwrap();

    let url = format!(
        "https://pay.check.test:{}/webhooks",
        ingress.local_addr().port()
    );
    let args = vec![
        url,
        "--dns-server".into(),
        dns.local_addr().to_string(),
        "--ca-file".into(),
        ca.display().to_string(),
    ];
    let (code, doc) = check(args).await;
    assert_eq!(code, Some(2), "{doc:#}");
    let target = &doc["targets"][0];
    assert_eq!(target["broken_at"], "tls");
    assert_eq!(target["hops"]["dns"]["status"], "ok");
    let tls = &target["addresses"][0]["hops"]["tls"];
    assert_eq!(tls["findings"][0]["code"], "TLS_CERT_EXPIRED");
    let leaf = &tls["detail"]["chain"][0];
    assert!(
        leaf["subject"].as_str().unwrap().contains("pay.check.test"),
        "{leaf:#}"
    );
    assert!(
        leaf["not_after"].is_string() && leaf["sha256"].as_str().unwrap().len() >= 64,
        "{leaf:#}"
    );
    assert_eq!(leaf["sans"][0], "pay.check.test");
}
