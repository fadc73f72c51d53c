//! The app hop through `Prober`, against the lab app and the lab reverse proxy on 127.0.0.1:
//! statuses and their origin, timeouts, resets, latency budgets, redirects, secret headers, and
//! hostile servers that must cost at most the timeout.
#![expect(
    clippy::unwrap_used,
    reason = "a failed lab setup should stop the test loudly"
)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{codes, prober, show, target, within};
use warroom::demo::lab::http::{AppBehaviour, AppServer, CannedResponse, HostileMode};
use warroom::demo::lab::proxy::ReverseProxy;
use warroom::demo::lab::tcp::refusing_port;
use warroom::probe::model::{
    FindingCode, HopDetail, HopId, HopReport, HopStatus, HttpDetail, Origin, TargetReport, Verdict,
};
use warroom::probe::spec::{HeaderValue, Secret};

const TIMEOUT: Duration = Duration::from_secs(2);

fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn app(behaviour: AppBehaviour) -> AppServer {
    AppServer::start(any_port(), behaviour).await.unwrap()
}

fn http_hop(report: &TargetReport) -> &HopReport {
    &report.addresses[0].hops.http
}

fn http_detail(report: &TargetReport) -> &HttpDetail {
    match &http_hop(report).detail {
        HopDetail::Http(detail) => detail,
        _ => panic!("no http detail: {}", show(report)),
    }
}

async fn probe(url: &str) -> TargetReport {
    within(
        TIMEOUT * 4,
        prober(None).probe_target(&target(url, TIMEOUT)),
    )
    .await
}

#[tokio::test]
async fn a_healthy_app_reports_status_server_and_body() {
    let mut response = CannedResponse::ok();
    response
        .headers
        .push(("Server".into(), "gunicorn/21".into()));
    let app = app(AppBehaviour::answering(response)).await;

    let report = probe(&format!("http://{}/health", app.local_addr())).await;

    assert_eq!(report.status, Verdict::Ok, "{}", show(&report));
    let detail = http_detail(&report);
    assert_eq!(detail.status, Some(200));
    assert_eq!(detail.server.as_deref(), Some("gunicorn/21"));
    assert_eq!(detail.body_preview, r#"{"status":"ok"}"#);
    assert!(detail.ttfb_ms.is_some());
    assert_eq!(report.summary, "Healthy on 127.0.0.1");
}

#[tokio::test]
async fn a_proxy_502_to_a_dead_upstream_is_blamed_on_the_proxy() {
    let dead = refusing_port("127.0.0.1".parse().unwrap()).await.unwrap();
    let proxy = ReverseProxy::start(any_port(), dead, TIMEOUT)
        .await
        .unwrap();

    let report = probe(&format!("http://{}/", proxy.local_addr())).await;

    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpProxy5xx],
        "{}",
        show(&report)
    );
    assert_eq!(http_detail(&report).origin, Some(Origin::Proxy));
    assert_eq!(http_detail(&report).status, Some(502));
    assert_eq!(
        (report.status, report.broken_at),
        (Verdict::Fail, Some(HopId::Http))
    );
}

#[tokio::test]
async fn an_app_500_through_the_proxy_is_blamed_on_the_app() {
    let app = app(AppBehaviour::answering(CannedResponse::app_error())).await;
    let proxy = ReverseProxy::start(any_port(), app.local_addr(), TIMEOUT)
        .await
        .unwrap();

    let report = probe(&format!("http://{}/", proxy.local_addr())).await;

    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpApp5xx],
        "{}",
        show(&report)
    );
    let detail = http_detail(&report);
    assert_eq!(detail.origin, Some(Origin::App));
    assert_eq!(
        detail.server.as_deref(),
        Some("nginx"),
        "the proxy stamps its own name"
    );
}

#[tokio::test]
async fn a_proxy_504_after_a_slow_upstream_is_blamed_on_the_proxy() {
    let slow = app(AppBehaviour {
        delay: Duration::from_secs(3),
        ..AppBehaviour::default()
    })
    .await;
    let proxy = ReverseProxy::start(any_port(), slow.local_addr(), Duration::from_millis(500))
        .await
        .unwrap();

    let report = probe(&format!("http://{}/", proxy.local_addr())).await;

    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpProxy5xx],
        "{}",
        show(&report)
    );
    assert_eq!(http_detail(&report).status, Some(504));
}

#[tokio::test]
async fn a_4xx_warns_and_an_unexpected_redirect_fails() {
    let missing = app(AppBehaviour::answering(CannedResponse::new(
        404,
        "text/plain",
        "no",
    )))
    .await;
    let mut redirect = CannedResponse::new(302, "text/plain", "");
    redirect
        .headers
        .push(("Location".into(), "https://login.example/".into()));
    let moved = app(AppBehaviour::answering(redirect)).await;

    let report = probe(&format!("http://{}/", missing.local_addr())).await;
    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpUnexpectedStatus]
    );
    assert_eq!(http_hop(&report).status, HopStatus::Warn);
    assert_eq!(report.status, Verdict::Warn, "{}", show(&report));

    // A redirect within the default 200-399 passes and is reported, not followed.
    let report = probe(&format!("http://{}/", moved.local_addr())).await;
    assert_eq!(report.status, Verdict::Ok, "{}", show(&report));
    assert_eq!(
        http_detail(&report).location.as_deref(),
        Some("https://login.example/")
    );

    let mut spec = target(&format!("http://{}/", moved.local_addr()), TIMEOUT);
    spec.expect_status = vec![200..=299];
    let report = within(TIMEOUT * 4, prober(None).probe_target(&spec)).await;
    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpUnexpectedStatus]
    );
    assert_eq!(http_hop(&report).status, HopStatus::Fail);
}

#[tokio::test]
async fn a_response_over_the_latency_budget_warns() {
    let app = app(AppBehaviour {
        delay: Duration::from_millis(600),
        ..AppBehaviour::default()
    })
    .await;
    let mut spec = target(&format!("http://{}/", app.local_addr()), TIMEOUT);
    spec.latency_budget = Some(Duration::from_millis(200));

    let report = within(TIMEOUT * 4, prober(None).probe_target(&spec)).await;

    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpSlow],
        "{}",
        show(&report)
    );
    assert_eq!(report.status, Verdict::Warn);
    assert!(
        report.summary.starts_with("Works, with a warning at App"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn an_app_that_never_answers_times_out_with_tcp_kept() {
    let app = app(AppBehaviour::hostile(HostileMode::NeverAnswer)).await;

    let report = probe(&format!("http://{}/", app.local_addr())).await;

    let address = &report.addresses[0];
    assert_eq!(
        codes(&address.hops.http),
        vec![FindingCode::HttpTimeout],
        "{}",
        show(&report)
    );
    assert_eq!(address.hops.tcp.status, HopStatus::Ok);
    assert!(address.hops.tcp.ms.is_some() && address.hops.http.ms.is_some());
}

#[tokio::test]
async fn a_reset_before_the_response_is_an_http_reset() {
    let app = app(AppBehaviour::hostile(HostileMode::Reset)).await;

    let report = probe(&format!("http://{}/", app.local_addr())).await;

    assert_eq!(
        codes(http_hop(&report)),
        vec![FindingCode::HttpReset],
        "{}",
        show(&report)
    );
    assert_eq!(report.addresses[0].hops.tcp.status, HopStatus::Ok);
}

/// Each hostile mode ends within the hop timeout (plus slack) and keeps memory bounded.
#[tokio::test]
async fn hostile_servers_cost_at_most_the_timeout() {
    let cases = [
        (
            HostileMode::Trickle {
                interval: Duration::from_millis(100),
            },
            Some(FindingCode::HttpTimeout),
        ),
        (HostileMode::EndlessHeaders, Some(FindingCode::HttpReset)),
        (HostileMode::EndlessBody, None),
        (HostileMode::NeverAnswer, Some(FindingCode::HttpTimeout)),
    ];
    for (mode, code) in cases {
        let app = app(AppBehaviour::hostile(mode)).await;
        let spec = target(&format!("http://{}/", app.local_addr()), TIMEOUT);

        // One hop timeout for the request, plus the connect and the reset watch.
        let report = within(TIMEOUT, prober(None).probe_target(&spec)).await;

        let hop = http_hop(&report);
        assert_eq!(
            hop.findings.first().map(|f| f.code),
            code,
            "{mode:?}: {}",
            show(&report)
        );
        if let HopDetail::Http(detail) = &hop.detail {
            assert!(
                detail.body_bytes <= warroom::probe::BODY_LIMIT_BYTES,
                "{mode:?}"
            );
            assert!(detail.body_preview.len() <= 4 * warroom::probe::BODY_PREVIEW_BYTES);
        }
    }
}

#[tokio::test]
async fn secret_headers_are_sent_but_never_reported() {
    let app = app(AppBehaviour::default()).await;
    let mut spec = target(&format!("http://{}/", app.local_addr()), TIMEOUT);
    spec.headers = vec![
        (
            "Authorization".into(),
            HeaderValue::Secret(Secret::new("Bearer s3cr3t".into())),
        ),
        ("X-Team".into(), HeaderValue::Plain("payments".into())),
    ];

    let report = within(TIMEOUT * 4, prober(None).probe_target(&spec)).await;

    assert_eq!(report.status, Verdict::Ok);
    let sent = app
        .handler()
        .last_request_head()
        .unwrap()
        .to_ascii_lowercase();
    assert!(sent.contains("authorization: bearer s3cr3t"), "{sent}");
    assert!(sent.contains("x-team: payments"), "{sent}");
    assert!(sent.starts_with("get / http/1.1"), "{sent}");
    assert!(!serde_json::to_string(&report).unwrap().contains("s3cr3t"));
    assert!(!format!("{report:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn control_characters_from_the_server_are_made_inert() {
    let mut response = CannedResponse::new(200, "text/plain", "ok\u{1b}[2J");
    response
        .headers
        .push(("Server".into(), "evil\u{1b}]0;pwned\u{7}".into()));
    let app = app(AppBehaviour::answering(response)).await;

    let report = probe(&format!("http://{}/", app.local_addr())).await;

    let detail = http_detail(&report);
    assert!(
        !detail.body_preview.contains('\u{1b}'),
        "{}",
        detail.body_preview
    );
    assert!(
        !detail
            .server
            .as_deref()
            .unwrap_or_default()
            .contains('\u{1b}')
    );
}

#[tokio::test]
async fn a_share_of_failures_shows_across_rounds() {
    let app = app(AppBehaviour {
        failing_percent: 50,
        ..AppBehaviour::default()
    })
    .await;
    let prober = prober(None);
    let spec = target(&format!("http://{}/", app.local_addr()), TIMEOUT);

    let mut statuses = Vec::new();
    for _ in 0..4 {
        let report = within(TIMEOUT * 4, prober.probe_target(&spec)).await;
        statuses.push(report.status);
    }

    assert_eq!(
        statuses.iter().filter(|s| **s == Verdict::Fail).count(),
        2,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_trickling_server_times_out_with_its_first_byte_timed() {
    let app = app(AppBehaviour::hostile(HostileMode::Trickle {
        interval: Duration::from_millis(200),
    }))
    .await;

    let report = probe(&format!("http://{}/", app.local_addr())).await;

    let hop = http_hop(&report);
    assert_eq!(
        codes(hop),
        vec![FindingCode::HttpTimeout],
        "{}",
        show(&report)
    );
    assert!(
        hop.findings[0].message.contains("started answering"),
        "{}",
        show(&report)
    );
    assert!(http_detail(&report).ttfb_ms.is_some(), "{}", show(&report));
    assert_eq!(http_detail(&report).status, None);
}

#[tokio::test]
async fn a_flapping_proxy_fails_a_share_of_rounds_as_the_proxys() {
    let app = app(AppBehaviour::default()).await;
    let proxy = ReverseProxy::start(any_port(), app.local_addr(), TIMEOUT)
        .await
        .unwrap();
    proxy.set_failing_percent(50);
    let prober = prober(None);
    let spec = target(&format!("http://{}/", proxy.local_addr()), TIMEOUT);

    let mut failures = Vec::new();
    for _ in 0..4 {
        let report = within(TIMEOUT * 4, prober.probe_target(&spec)).await;
        failures.extend(codes(http_hop(&report)));
    }

    assert_eq!(failures, vec![FindingCode::HttpProxy5xx; 2]);
    assert_eq!(
        app.handler().requests(),
        2,
        "failed requests never reach the app"
    );
}

/// Five silent apps in one round cost one timeout, not five: targets run concurrently.
#[tokio::test]
async fn a_round_probes_targets_and_dependencies_concurrently() {
    let mut apps = Vec::new();
    for _ in 0..5 {
        apps.push(app(AppBehaviour::hostile(HostileMode::NeverAnswer)).await);
    }
    let targets: Vec<_> = apps
        .iter()
        .map(|app| target(&format!("http://{}/", app.local_addr()), TIMEOUT))
        .collect();
    let dependency = warroom::probe::spec::DependencySpec {
        name: "silent health".into(),
        kind: warroom::probe::model::DependencyKind::Http,
        target: format!("http://{}/health", apps[0].local_addr()),
        timeout: TIMEOUT,
        interval: Duration::from_secs(10),
        expect_status: vec![200..=399],
    };

    let round = within(TIMEOUT, prober(None).round(&targets, &[dependency])).await;

    assert_eq!(round.targets.len(), 5);
    assert!(round.targets.iter().all(|t| t.status == Verdict::Fail));
    assert_eq!(
        round.dependencies[0].findings[0].code,
        FindingCode::HttpTimeout
    );
    assert_eq!(round.overall(), warroom::probe::model::Overall::Critical);
}
