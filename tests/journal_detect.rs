//! Detectors, table-driven: sequences of probe reports, dependency verdicts and log windows,
//! and the automatic timeline entries each step must produce.

use chrono::{DateTime, TimeZone as _, Utc};
use warroom::probe::model::{
    AddressHops, AddressReport, DependencyKind, DependencyReport, Finding, FindingCode, HopReport,
    HopStatus, RoundReport, TargetHops, TargetReport, Verdict,
};
use warroom::timeline::detect::{Detector, DetectorSettings};
use warroom::timeline::{Actor, Entry, EntryKind};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("time")
        + chrono::TimeDelta::seconds(seconds)
}

fn detector() -> Detector {
    Detector::new(
        DetectorSettings::default(),
        Actor::new("warroom", "test-host"),
    )
}

/// What a round saw on the request path of target `api`.
#[derive(Clone, Copy)]
enum Path {
    Healthy,
    Tls(FindingCode),
    DnsDown,
}

fn hop(status: HopStatus, code: Option<FindingCode>) -> HopReport {
    let mut report = HopReport::with_status(status);
    report.findings = code
        .map(|c| vec![Finding::new(c, "certificate trouble")])
        .unwrap_or_default();
    report
}

fn report(seconds: i64, path: Path) -> TargetReport {
    let ok = || hop(HopStatus::Ok, None);
    let blocked = || hop(HopStatus::Blocked, None);
    let (dns, tcp, tls, http) = match path {
        Path::Healthy => (ok(), ok(), ok(), ok()),
        Path::Tls(code) => (ok(), ok(), hop(HopStatus::Fail, Some(code)), blocked()),
        Path::DnsDown => (
            hop(HopStatus::Fail, Some(FindingCode::DnsNxdomain)),
            blocked(),
            blocked(),
            blocked(),
        ),
    };
    let addresses = if matches!(path, Path::DnsDown) {
        Vec::new()
    } else {
        vec![AddressReport {
            ip: "10.0.0.2".parse().expect("ip"),
            status: Verdict::Ok,
            broken_at: None,
            hops: AddressHops { tcp, tls, http },
        }]
    };
    TargetReport {
        name: "api".into(),
        url: "https://api.example.com/webhooks".into(),
        status: Verdict::Ok,
        broken_at: None,
        summary: String::new(),
        hops: TargetHops {
            dns,
            ip: if matches!(path, Path::DnsDown) {
                blocked()
            } else {
                ok()
            },
        },
        addresses,
        probed_at: at(seconds),
    }
}

/// A step of a hop case: seconds, what the round saw, the entries expected (text prefixes).
type HopStep<'a> = (i64, Path, &'a [&'a str]);
/// A step of a dependency case: seconds, verdict, the entry expected.
type DependencyStep<'a> = (i64, Verdict, Option<&'a str>);

fn texts(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|e| e.text.clone()).collect()
}

/// Each step's entries must start with the expected texts, in order.
fn assert_steps(name: &str, steps: &[HopStep<'_>]) {
    let mut detector = detector();
    for (seconds, path, expected) in steps {
        let got = texts(&detector.observe_target(&report(*seconds, *path)));
        assert_eq!(
            got.len(),
            expected.len(),
            "{name} at {seconds}s: got {got:?}"
        );
        for (text, want) in got.iter().zip(expected.iter()) {
            assert!(
                text.starts_with(want),
                "{name} at {seconds}s: {text:?} does not start with {want:?}"
            );
        }
    }
}

#[test]
fn hop_transitions_become_entries() {
    use FindingCode::{TlsCertExpired, TlsNameMismatch};
    use Path::{DnsDown, Healthy, Tls};
    let cases: [(&str, &[HopStep<'_>]); 5] = [
        (
            "healthy throughout writes nothing",
            &[(0, Healthy, &[]), (60, Healthy, &[])],
        ),
        (
            "failure with its code, then recovery with downtime",
            &[
                (0, Healthy, &[]),
                (
                    60,
                    Tls(TlsCertExpired),
                    &["tls of api failing on 10.0.0.2: TLS_CERT_EXPIRED: certificate trouble"],
                ),
                (120, Tls(TlsCertExpired), &[]),
                (300, Healthy, &["tls of api recovered after 4m00s"]),
            ],
        ),
        (
            "hops blocked by an earlier failure say nothing until they are probed again",
            &[
                (0, Tls(TlsCertExpired), &["tls of api failing"]),
                (60, DnsDown, &["dns of api failing"]),
                (
                    120,
                    Healthy,
                    &[
                        "dns of api recovered after 1m00s",
                        "tls of api recovered after 2m00s",
                    ],
                ),
            ],
        ),
        (
            "a new failure code while failing is news",
            &[
                (0, Tls(TlsCertExpired), &["tls of api failing"]),
                (
                    600,
                    Tls(TlsNameMismatch),
                    &["tls of api failing on 10.0.0.2: TLS_NAME_MISMATCH"],
                ),
            ],
        ),
        (
            "flapping is summarised once the quiet period has passed",
            &[
                (0, Tls(TlsCertExpired), &["tls of api failing"]),
                (10, Healthy, &["tls of api recovered after 10s"]),
                (20, Tls(TlsCertExpired), &[]),
                (30, Healthy, &[]),
                (40, Tls(TlsCertExpired), &[]),
                (200, Tls(TlsCertExpired), &[]),
                (
                    301,
                    Tls(TlsCertExpired),
                    &[
                        "tls of api failing on 10.0.0.2: TLS_CERT_EXPIRED: certificate trouble (changed state 3 more times",
                    ],
                ),
                (400, Tls(TlsCertExpired), &[]),
            ],
        ),
    ];
    for (name, steps) in cases {
        assert_steps(name, steps);
    }
}

#[test]
fn probe_entries_carry_references_and_evidence() {
    let mut detector = detector();
    let entries = detector.observe_target(&report(0, Path::Tls(FindingCode::TlsCertExpired)));
    let entry = &entries[0];
    assert_eq!(entry.kind, EntryKind::Probe);
    assert!(entry.actor.is_automatic());
    assert_eq!(entry.refs.target.as_deref(), Some("api"));
    assert_eq!(entry.refs.hop.as_deref(), Some("tls"));
    let evidence = entry.evidence.as_ref().expect("evidence");
    assert_eq!(evidence["code"], "TLS_CERT_EXPIRED");
    assert_eq!(evidence["address"], "10.0.0.2");
    let entries = detector.observe_target(&report(90, Path::Healthy));
    assert_eq!(
        entries[0].evidence.as_ref().expect("evidence")["down_s"],
        90
    );
}

fn dependency(status: Verdict) -> DependencyReport {
    DependencyReport {
        name: "queue".into(),
        kind: DependencyKind::Tcp,
        target: "127.0.0.1:5672".into(),
        status,
        ms: None,
        findings: if status == Verdict::Fail {
            vec![Finding::new(FindingCode::TcpRefused, "connection refused")]
        } else {
            Vec::new()
        },
        detail: String::new(),
    }
}

#[test]
fn dependency_changes_become_entries() {
    let cases: [(&str, &[DependencyStep<'_>]); 2] = [
        (
            "down and back",
            &[
                (0, Verdict::Ok, None),
                (
                    60,
                    Verdict::Fail,
                    Some("dependency queue fail (was ok): TCP_REFUSED: connection refused"),
                ),
                (120, Verdict::Fail, None),
                (400, Verdict::Ok, Some("dependency queue ok (was fail)")),
            ],
        ),
        (
            "bad from the start, pending ignored",
            &[
                (0, Verdict::Pending, None),
                (5, Verdict::Fail, Some("dependency queue fail: TCP_REFUSED")),
                (10, Verdict::Pending, None),
            ],
        ),
    ];
    for (name, steps) in cases {
        let mut detector = detector();
        for (seconds, status, expected) in steps {
            let got = detector
                .observe_dependency(&dependency(*status), at(*seconds))
                .map(|e| e.text);
            match (got.as_deref(), expected) {
                (None, None) => {}
                (Some(text), Some(want)) if text.starts_with(want) => {}
                (got, want) => panic!("{name} at {seconds}s: got {got:?}, want {want:?}"),
            }
        }
    }
}

#[test]
fn a_failing_log_source_is_reported_once_and_its_recovery_once() {
    let mut detector = detector();
    let failed = detector.log_source_failed("access.log", "permission denied", at(0));
    assert_eq!(
        failed.map(|e| e.text).as_deref(),
        Some("log source access.log failed: permission denied")
    );
    assert!(
        detector
            .log_source_failed("access.log", "permission denied", at(5))
            .is_none()
    );
    assert!(
        detector
            .log_source_recovered("access.log", at(10))
            .is_some()
    );
    assert!(
        detector
            .log_source_recovered("access.log", at(15))
            .is_none()
    );
}

#[test]
fn a_round_reports_targets_and_dependencies_together() {
    let mut detector = detector();
    let round = RoundReport {
        generated_at: at(0),
        targets: vec![report(0, Path::Tls(FindingCode::TlsCertExpired))],
        dependencies: vec![dependency(Verdict::Fail)],
    };
    let got = texts(&detector.observe_round(&round));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(detector.observe_round(&round).is_empty());
}
