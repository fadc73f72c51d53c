//! Dependencies beside the request path through `Prober`: a TCP port, an HTTP health check and a
//! provider's status page, each served by the lab app on 127.0.0.1.
#![expect(
    clippy::unwrap_used,
    reason = "a failed lab setup should stop the test loudly"
)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{prober, within};
use warroom::demo::lab::http::{AppBehaviour, AppServer, CannedResponse};
use warroom::demo::lab::tcp::refusing_port;
use warroom::probe::model::{DependencyKind, FindingCode, Verdict};
use warroom::probe::spec::DependencySpec;

const TIMEOUT: Duration = Duration::from_secs(2);

fn dependency(kind: DependencyKind, target: String) -> DependencySpec {
    DependencySpec {
        name: "dep".into(),
        kind,
        target,
        timeout: TIMEOUT,
        interval: Duration::from_secs(10),
        expect_status: vec![200..=399],
    }
}

async fn app(response: CannedResponse) -> AppServer {
    AppServer::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        AppBehaviour::answering(response),
    )
    .await
    .unwrap()
}

async fn check(spec: &DependencySpec) -> (Verdict, Vec<FindingCode>, String) {
    let report = within(TIMEOUT * 2, prober(None).probe_dependency(spec)).await;
    let codes = report.findings.iter().map(|f| f.code).collect();
    (report.status, codes, report.detail)
}

#[tokio::test]
async fn a_tcp_dependency_is_open_or_refused() {
    let open = app(CannedResponse::ok()).await;
    let closed = refusing_port("127.0.0.1".parse().unwrap()).await.unwrap();

    let (status, codes, detail) = check(&dependency(
        DependencyKind::Tcp,
        open.local_addr().to_string(),
    ))
    .await;
    assert_eq!((status, codes), (Verdict::Ok, vec![]));
    assert!(detail.ends_with("open"), "{detail}");

    let (status, codes, _) = check(&dependency(DependencyKind::Tcp, closed.to_string())).await;
    assert_eq!(
        (status, codes),
        (Verdict::Fail, vec![FindingCode::TcpRefused])
    );
}

#[tokio::test]
async fn an_http_health_check_judges_the_status() {
    let healthy = app(CannedResponse::ok()).await;
    let failing = app(CannedResponse::app_error()).await;
    let closed = refusing_port("127.0.0.1".parse().unwrap()).await.unwrap();
    let url = |addr: SocketAddr| format!("http://{addr}/health");

    let (status, codes, _) =
        check(&dependency(DependencyKind::Http, url(healthy.local_addr()))).await;
    assert_eq!((status, codes), (Verdict::Ok, vec![]));

    let (status, codes, _) =
        check(&dependency(DependencyKind::Http, url(failing.local_addr()))).await;
    assert_eq!(
        (status, codes),
        (Verdict::Fail, vec![FindingCode::HttpApp5xx])
    );

    let (status, codes, _) = check(&dependency(DependencyKind::Http, url(closed))).await;
    assert_eq!(
        (status, codes),
        (Verdict::Fail, vec![FindingCode::TcpRefused])
    );
}

#[tokio::test]
async fn a_status_page_indicator_becomes_the_verdict() {
    let cases = [
        ("none", "All Systems Operational", Verdict::Ok, vec![]),
        (
            "minor",
            "Degraded webhook delivery",
            Verdict::Warn,
            vec![FindingCode::HttpSlow],
        ),
        (
            "major",
            "Partial outage",
            Verdict::Degraded,
            vec![FindingCode::HttpApp5xx],
        ),
        (
            "critical",
            "Major outage",
            Verdict::Fail,
            vec![FindingCode::HttpApp5xx],
        ),
    ];
    for (indicator, description, verdict, want) in cases {
        let body = format!(
            r#"{{"page":{{"id":"x"}},"status":{{"indicator":"{indicator}","description":"{description}"}}}}"#
        );
        let provider = app(CannedResponse::new(200, "application/json", body)).await;
        let spec = dependency(
            DependencyKind::Statuspage,
            format!("http://{}/", provider.local_addr()),
        );

        let (status, codes, detail) = check(&spec).await;

        assert_eq!((status, &codes), (verdict, &want), "{indicator}");
        assert_eq!(detail, description);
        let sent = provider.handler().last_request_head().unwrap();
        assert!(sent.starts_with("GET /api/v2/status.json "), "{sent}");
    }
}

#[tokio::test]
async fn an_unreadable_status_page_warns_and_a_dead_one_fails() {
    let garbage = app(CannedResponse::new(
        200,
        "text/html",
        "<html>maintenance</html>",
    ))
    .await;
    let dead = refusing_port("127.0.0.1".parse().unwrap()).await.unwrap();

    let spec = dependency(
        DependencyKind::Statuspage,
        format!("http://{}", garbage.local_addr()),
    );
    let (status, codes, _) = check(&spec).await;
    assert_eq!(
        (status, codes),
        (Verdict::Warn, vec![FindingCode::HttpUnexpectedStatus])
    );

    let spec = dependency(DependencyKind::Statuspage, format!("http://{dead}"));
    let (status, codes, _) = check(&spec).await;
    assert_eq!(
        (status, codes),
        (Verdict::Fail, vec![FindingCode::TcpRefused])
    );
}
