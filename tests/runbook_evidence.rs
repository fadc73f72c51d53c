//! Live evidence of bound steps, table-driven over the kinds of binding.

use std::collections::BTreeMap;

use chrono::{TimeZone as _, Utc};
use serde_json::json;
use warroom::probe::model::{
    AddressHops, AddressReport, DependencyKind, DependencyReport, Finding, FindingCode, HopReport,
    HopStatus, RoundReport, TargetHops, TargetReport, Verdict,
};
use warroom::runbook::CheckBinding;
use warroom::runbook::evidence::{EvidenceStatus, live_evidence};
use warroom::timeline::detect::LogEvidence;

fn target(name: &str, tls: HopStatus) -> TargetReport {
    let ok = || HopReport::with_status(HopStatus::Ok);
    let mut tls_report = HopReport::with_status(tls);
    if tls == HopStatus::Fail {
        tls_report.findings = vec![Finding::new(FindingCode::TlsCertExpired, "expired")];
    }
    let address = |ip: &str| AddressReport {
        ip: ip.parse().expect("ip"),
        status: Verdict::Ok,
        broken_at: None,
        hops: AddressHops {
            tcp: ok(),
            tls: tls_report.clone(),
            http: ok(),
        },
    };
    TargetReport {
        name: name.into(),
        url: format!("https://{name}.example.com/"),
        status: Verdict::Ok,
        broken_at: None,
        summary: String::new(),
        hops: TargetHops {
            dns: ok(),
            ip: ok(),
        },
        addresses: vec![address("10.0.0.1"), address("10.0.0.2")],
        probed_at: Utc
            .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
            .single()
            .expect("time"),
    }
}

#[test]
fn bound_checks_show_their_live_state() {
    let round = RoundReport {
        generated_at: Utc
            .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
            .single()
            .expect("time"),
        targets: vec![target("api", HopStatus::Fail), target("www", HopStatus::Ok)],
        dependencies: vec![DependencyReport {
            name: "queue".into(),
            kind: DependencyKind::Tcp,
            target: "127.0.0.1:5672".into(),
            status: Verdict::Fail,
            ms: None,
            findings: Vec::new(),
            detail: String::new(),
        }],
    };
    let logs = [LogEvidence {
        source: "access.log".into(),
        at: round.generated_at,
        window_s: 60,
        total: 1200,
        counts: BTreeMap::new(),
        share_5xx: 0.42,
        spike_active: None,
    }];
    let reconcile = json!({"status": "consistent"});
    let cases = [
        (
            "tls",
            EvidenceStatus::Fail,
            "tls of api: fail TLS_CERT_EXPIRED; tls of www: ok",
        ),
        ("tls:www", EvidenceStatus::Ok, "tls of www: ok"),
        ("http:api", EvidenceStatus::Ok, "http of api: ok"),
        (
            "tls:nothing",
            EvidenceStatus::Unknown,
            "no target probed yet",
        ),
        ("dep:queue", EvidenceStatus::Fail, "queue: fail"),
        ("dep:db", EvidenceStatus::Unknown, "db: not probed"),
        (
            "logs:5xx",
            EvidenceStatus::Fail,
            "access.log: 5xx 42.0% of 1200 in 60s",
        ),
        ("reconcile", EvidenceStatus::Ok, "reconcile: consistent"),
    ];
    for (check, status, summary) in cases {
        let binding: CheckBinding = check.parse().expect("binding");
        let live = live_evidence(&binding, Some(&round), &logs, Some(&reconcile));
        assert_eq!(
            (live.status, live.summary.as_str()),
            (status, summary),
            "{check}"
        );
        assert_eq!(live.to_json()["check"], check);
    }
    let nothing = live_evidence(&CheckBinding::Reconcile, None, &[], None);
    assert_eq!(nothing.status, EvidenceStatus::Unknown);
}

#[test]
fn the_log_modules_spike_decision_wins_over_the_plain_share() {
    let window = |share_5xx: f64, spike_active: Option<bool>| LogEvidence {
        source: "all logs".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap(),
        window_s: 60,
        total: 1000,
        counts: BTreeMap::new(),
        share_5xx,
        spike_active,
    };
    let cases = [
        // A spike against a near-zero baseline is a spike even under 5%.
        (window(0.03, Some(true)), EvidenceStatus::Fail),
        // 6% that the detector calls the usual level is a warning, not a failure.
        (window(0.06, Some(false)), EvidenceStatus::Warn),
        (window(0.001, Some(false)), EvidenceStatus::Ok),
        // Without the detector's word, the share thresholds decide.
        (window(0.06, None), EvidenceStatus::Fail),
    ];
    for (figures, want) in cases {
        let got = live_evidence(
            &CheckBinding::Logs5xx,
            None,
            std::slice::from_ref(&figures),
            None,
        );
        assert_eq!(got.status, want, "{figures:?}");
    }
}
