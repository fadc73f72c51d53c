//! The TLS hop against real lab servers on 127.0.0.1, one test per finding code.
//!
//! Each test starts a `TlsServer` with a certificate from a fresh `LabPki`, connects a plain
//! `TcpStream` to it, and calls `TlsClient::handshake` as the probe chain does, trusting the lab
//! root through `extra_roots`.
#![expect(
    clippy::unwrap_used,
    reason = "a failed lab setup should stop the test loudly"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use warroom::demo::lab::pki::{LabPki, LeafSpec, ServerIdentity, Validity};
use warroom::demo::lab::tls::{HelloHandler, TlsMode, TlsServer, TlsVersion};
use warroom::probe::model::{FindingCode, HopDetail, HopReport, HopStatus, TlsDetail};
use warroom::probe::spec::ProbeSettings;
use warroom::probe::tls::{TlsClient, finding_from_post_handshake_error};

const TIMEOUT: Duration = Duration::from_secs(5);

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn serve(identity: ServerIdentity, mode: TlsMode) -> TlsServer {
    TlsServer::start(loopback(), identity, mode, Arc::new(HelloHandler))
        .await
        .expect("lab server starts")
}

async fn probe_with(
    pki: &LabPki,
    server: &TlsServer,
    name: &str,
    timeout: Duration,
) -> (HopReport, Option<TlsStream<TcpStream>>) {
    let settings = ProbeSettings {
        extra_roots: vec![pki.root_der()],
        ..ProbeSettings::default()
    };
    let client = TlsClient::new(&settings).expect("client builds");
    let tcp = TcpStream::connect(server.local_addr())
        .await
        .expect("tcp connects");
    client.handshake(tcp, name, timeout).await
}

async fn probe(
    pki: &LabPki,
    server: &TlsServer,
    name: &str,
) -> (HopReport, Option<TlsStream<TcpStream>>) {
    probe_with(pki, server, name, TIMEOUT).await
}

fn codes(report: &HopReport) -> Vec<FindingCode> {
    report.findings.iter().map(|f| f.code).collect()
}

fn detail(report: &HopReport) -> &TlsDetail {
    match &report.detail {
        HopDetail::Tls(detail) => detail,
        other => panic!("expected TLS detail, got {other:?}"),
    }
}

fn message(report: &HopReport, code: FindingCode) -> &str {
    &report
        .findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code:?} in {:?}", report.findings))
        .message
}

/// Sends one GET over the stream and returns what came back.
async fn get(stream: &mut TlsStream<TcpStream>) -> std::io::Result<String> {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn valid_chain_passes_with_version_alpn_and_cipher_recorded() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::Serve).await;

    let (report, stream) = probe(&pki, &server, "localhost").await;

    assert_eq!(report.status, HopStatus::Ok, "{:?}", report.findings);
    assert!(report.ms.is_some_and(|ms| ms > 0.0));
    let tls = detail(&report);
    assert_eq!(tls.version.as_deref(), Some("TLS 1.3"));
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    assert!(
        tls.cipher
            .as_deref()
            .is_some_and(|c| c.starts_with("TLS13_"))
    );
    assert_eq!(tls.chain.len(), 2);
    assert!(tls.chain[1].subject.contains("warroom lab intermediate CA"));
    let answer = get(&mut stream.expect("stream returned")).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}

#[tokio::test]
async fn expired_certificate_is_reported_with_its_details_even_when_verification_fails() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["localhost"]).validity(Validity::Expired { days_ago: 3 });
    let leaf = pki.issue(&spec).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::Serve).await;

    let (report, stream) = probe(&pki, &server, "localhost").await;

    assert!(stream.is_none());
    assert_eq!(report.status, HopStatus::Fail);
    assert_eq!(codes(&report), [FindingCode::TlsCertExpired]);
    assert!(message(&report, FindingCode::TlsCertExpired).contains("expired 3 days ago"));
    let cert = &detail(&report).chain[0];
    assert_eq!(cert.subject, "CN=localhost, O=warroom lab");
    assert!(cert.issuer.contains("warroom lab intermediate CA"));
    assert_eq!(cert.sans, ["localhost"]);
    assert!(cert.not_after.is_some_and(|t| t < chrono::Utc::now()));
    assert_eq!(cert.sha256.len(), 64);
    assert!(!cert.self_signed);
}

#[tokio::test]
async fn not_yet_valid_certificate_is_reported() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["localhost"]).validity(Validity::NotYetValid { days_ahead: 2 });
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsCertNotYetValid]);
    assert!(message(&report, FindingCode::TlsCertNotYetValid).contains("2 days"));
}

#[tokio::test]
async fn expiring_certificate_warns_and_the_stream_stays_usable() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["localhost"]).validity(Validity::ExpiringIn { days: 3 });
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;

    let (report, stream) = probe(&pki, &server, "localhost").await;

    assert_eq!(report.status, HopStatus::Warn);
    assert_eq!(codes(&report), [FindingCode::TlsCertExpiring]);
    assert!(message(&report, FindingCode::TlsCertExpiring).contains("expires in 3 days"));
    let answer = get(&mut stream.expect("a warning keeps the stream")).await;
    assert!(answer.unwrap().starts_with("HTTP/1.1 200 OK"));
}

#[tokio::test]
async fn name_mismatch_names_the_expected_and_the_presented_names() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["other.example", "*.other.example"]);
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsNameMismatch]);
    let text = message(&report, FindingCode::TlsNameMismatch);
    assert!(text.contains("expected localhost"), "{text}");
    assert!(text.contains("other.example, *.other.example"), "{text}");
}

#[tokio::test]
async fn expired_and_wrong_name_are_both_listed() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["other.example"]).validity(Validity::Expired { days_ago: 10 });
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(
        codes(&report),
        [FindingCode::TlsCertExpired, FindingCode::TlsNameMismatch]
    );
}

#[tokio::test]
async fn self_signed_certificate_is_told_apart_from_a_missing_intermediate() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.self_signed(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsSelfSigned]);
    assert!(detail(&report).chain[0].self_signed);
}

#[tokio::test]
async fn leaf_without_its_intermediate_is_an_incomplete_chain() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.leaf_only(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsIncompleteChain]);
    let text = message(&report, FindingCode::TlsIncompleteChain);
    assert!(text.contains("warroom lab intermediate CA"), "{text}");
}

#[tokio::test]
async fn complete_chain_to_an_unknown_root_is_an_untrusted_root() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue_untrusted(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsUntrustedRoot]);
    assert!(message(&report, FindingCode::TlsUntrustedRoot).contains("unknown CA"));
    assert_eq!(detail(&report).chain.len(), 2);
}

#[tokio::test]
async fn tls12_server_requiring_a_client_certificate_fails_the_handshake() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let mode = TlsMode::RequireClientCert {
        version: TlsVersion::Tls12,
        client_ca: pki.root_der(),
    };
    let server = serve(leaf.full_chain(), mode).await;

    let (report, stream) = probe(&pki, &server, "localhost").await;

    assert!(stream.is_none());
    assert_eq!(codes(&report), [FindingCode::TlsClientCertRequired]);
    assert!(detail(&report).client_cert_requested);
}

#[tokio::test]
async fn tls13_client_certificate_rejection_is_recognised_on_the_first_read() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let mode = TlsMode::RequireClientCert {
        version: TlsVersion::Tls13,
        client_ca: pki.root_der(),
    };
    let server = serve(leaf.full_chain(), mode).await;

    let (report, stream) = probe(&pki, &server, "localhost").await;

    assert_eq!(report.status, HopStatus::Ok, "{:?}", report.findings);
    assert!(detail(&report).client_cert_requested);
    let err = get(&mut stream.expect("TLS 1.3 completes the handshake"))
        .await
        .expect_err("the server rejects us after the handshake");
    let finding = finding_from_post_handshake_error(&err).expect("recognised as TLS");
    assert_eq!(finding.code, FindingCode::TlsClientCertRequired);
    assert!(finding.message.contains("certificate_required (116)"));
}

#[tokio::test]
async fn alpn_mismatch_reports_the_alert_by_name() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::AlpnH2Only).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsAlert]);
    let text = message(&report, FindingCode::TlsAlert);
    assert!(text.contains("no_application_protocol (120)"), "{text}");
}

#[tokio::test]
async fn plain_http_on_the_tls_port_is_not_tls() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::PlainHttp).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&report), [FindingCode::TlsNotTls]);
    assert!(detail(&report).chain.is_empty());
}

#[tokio::test]
async fn silent_server_times_out_and_keeps_the_time_spent() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let server = serve(leaf.full_chain(), TlsMode::Silent).await;

    let (report, stream) = probe_with(&pki, &server, "localhost", Duration::from_millis(300)).await;

    assert!(stream.is_none());
    assert_eq!(codes(&report), [FindingCode::TlsTimeout]);
    assert!(
        report.ms.is_some_and(|ms| (290.0..2000.0).contains(&ms)),
        "{:?}",
        report.ms
    );
}

#[tokio::test]
async fn escape_sequences_in_a_certificate_subject_come_out_inert() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["localhost"]).common_name("evil\x1b]0;pwned\x07\x1b[2J");
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;

    let (report, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(report.status, HopStatus::Ok);
    let subject = &detail(&report).chain[0].subject;
    assert!(!subject.chars().any(char::is_control), "{subject:?}");
    assert!(
        subject.contains("evil\\x1b]0;pwned\\x07\\x1b[2J"),
        "{subject}"
    );
}

#[tokio::test]
async fn ip_literal_is_checked_against_ip_sans() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["127.0.0.1"]);
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;

    let (good, _) = probe(&pki, &server, "127.0.0.1").await;
    let (bad, _) = probe(&pki, &server, "127.0.0.2").await;

    assert_eq!(good.status, HopStatus::Ok, "{:?}", good.findings);
    assert_eq!(codes(&bad), [FindingCode::TlsNameMismatch]);
    assert!(message(&bad, FindingCode::TlsNameMismatch).contains("expected 127.0.0.2"));
}

#[tokio::test]
async fn renewed_certificate_is_presented_to_the_next_handshake() {
    let pki = LabPki::new().unwrap();
    let spec = LeafSpec::new(["localhost"]).validity(Validity::Expired { days_ago: 1 });
    let server = serve(pki.issue(&spec).unwrap().full_chain(), TlsMode::Serve).await;
    let (before, _) = probe(&pki, &server, "localhost").await;

    let renewed = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    server.set_identity(renewed.full_chain()).unwrap();
    let (after, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&before), [FindingCode::TlsCertExpired]);
    assert_eq!(after.status, HopStatus::Ok);
    assert_ne!(
        detail(&before).chain[0].sha256,
        detail(&after).chain[0].sha256
    );
}

#[tokio::test]
async fn lab_server_refuses_to_bind_outside_loopback() {
    let pki = LabPki::new().unwrap();
    let leaf = pki.issue(&LeafSpec::new(["localhost"])).unwrap();
    let outside = SocketAddr::from(([0, 0, 0, 0], 0));
    let started = TlsServer::start(
        outside,
        leaf.full_chain(),
        TlsMode::Serve,
        Arc::new(HelloHandler),
    );
    assert!(started.await.is_err());
}

#[tokio::test]
async fn switching_the_mode_changes_what_new_connections_meet() {
    let pki = LabPki::new().unwrap();
    let server = serve(
        pki.issue(&LeafSpec::new(["localhost"]))
            .unwrap()
            .full_chain(),
        TlsMode::Serve,
    )
    .await;

    server.set_mode(&TlsMode::PlainHttp).unwrap();
    let (plain, _) = probe(&pki, &server, "localhost").await;
    server.set_mode(&TlsMode::Serve).unwrap();
    let (healthy, _) = probe(&pki, &server, "localhost").await;

    assert_eq!(codes(&plain), [FindingCode::TlsNotTls]);
    assert_eq!(healthy.status, HopStatus::Ok);
}
