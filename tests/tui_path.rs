//! Snapshots of the path pane and the dashboard frame, drawn on a test backend from reports of
//! the shapes the probe engine produces: a healthy target, and a degraded one whose second
//! address breaks at the ingress with an expired certificate.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::probe::model::*;
use warroom::probe::spec::TargetSpec;
use warroom::timeline::detect::{Detector, DetectorSettings};
use warroom::timeline::{Actor, Author, Incident};
use warroom::tui::app::{App, AppEvent};
use warroom::tui::incident_view::IncidentView;
use warroom::tui::overlay::Overlay;
use warroom::tui::panes;
use warroom::tui::path_state::PathState;
use warroom::tui::theme::{ColorDepth, Theme};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

fn hop(status: HopStatus, ms: Option<f64>, findings: Vec<Finding>) -> HopReport {
    HopReport {
        status,
        ms,
        findings,
        detail: HopDetail::None,
    }
}

fn address(
    ip: &str,
    tls: HopReport,
    http: HopReport,
    status: Verdict,
    broken_at: Option<HopId>,
) -> AddressReport {
    AddressReport {
        ip: ip.parse::<IpAddr>().unwrap(),
        status,
        broken_at,
        hops: AddressHops {
            tcp: hop(HopStatus::Ok, Some(0.3), vec![]),
            tls,
            http,
        },
    }
}

fn healthy() -> TargetReport {
    TargetReport {
        name: "status-api".into(),
        url: "https://status.demo.test/health".into(),
        status: Verdict::Ok,
        broken_at: None,
        summary: "All hops healthy on 1 address.".into(),
        hops: TargetHops {
            dns: hop(HopStatus::Ok, Some(1.2), vec![]),
            ip: hop(HopStatus::Ok, None, vec![]),
        },
        addresses: vec![address(
            "127.0.0.1",
            hop(HopStatus::Ok, Some(4.1), vec![]),
            hop(HopStatus::Ok, Some(12.0), vec![]),
            Verdict::Ok,
            None,
        )],
        probed_at: at(0),
    }
}

fn degraded() -> TargetReport {
    let expired = Finding::new(
        FindingCode::TlsCertExpired,
        "certificate for api.demo.test expired 3 days ago",
    );
    TargetReport {
        name: "webhooks".into(),
        url: "https://api.demo.test/webhooks/stripe".into(),
        status: Verdict::Degraded,
        broken_at: Some(HopId::Tls),
        summary:
            "Breaks at Ingress on 127.0.0.2: certificate expired 3 days ago; 127.0.0.1 is healthy."
                .into(),
        hops: TargetHops {
            dns: hop(HopStatus::Ok, Some(0.8), vec![]),
            ip: hop(HopStatus::Ok, None, vec![]),
        },
        addresses: vec![
            address(
                "127.0.0.1",
                hop(HopStatus::Ok, Some(3.9), vec![]),
                hop(HopStatus::Ok, Some(850.0), vec![]),
                Verdict::Ok,
                None,
            ),
            address(
                "127.0.0.2",
                hop(HopStatus::Fail, Some(2.7), vec![expired]),
                hop(HopStatus::Blocked, None, vec![]),
                Verdict::Fail,
                Some(HopId::Tls),
            ),
        ],
        probed_at: at(0),
    }
}

fn dependency(name: &str, status: Verdict, finding: Option<Finding>) -> DependencyReport {
    DependencyReport {
        name: name.into(),
        kind: DependencyKind::Tcp,
        target: "127.0.0.1:5672".into(),
        status,
        ms: Some(0.2),
        findings: finding.into_iter().collect(),
        detail: String::new(),
    }
}

fn app_with(reports: Vec<TargetReport>, deps: Vec<DependencyReport>) -> App {
    let specs: Vec<TargetSpec> = reports
        .iter()
        .map(|r| {
            let mut spec = TargetSpec::from_url(r.url.parse().unwrap());
            spec.name.clone_from(&r.name);
            spec
        })
        .collect();
    let incident = IncidentView::new(
        Incident::new(None),
        Author::new(Actor::new("ic", "bastion")),
        Detector::new(DetectorSettings::default(), Actor::automatic()),
        "incident.jsonl".into(),
        Duration::from_secs(1800),
    );
    let mut app = App::new(
        "webhook outage".into(),
        PathState::new(&specs),
        None,
        incident,
        at(0),
    );
    app.probe_interval = Duration::from_secs(10);
    app.now = at(754);
    for report in reports {
        app.apply(AppEvent::Probe(Box::new(report)));
    }
    for dep in deps {
        app.apply(AppEvent::Dependency(dep));
    }
    app
}

fn render(app: &App, width: u16, height: u16) -> String {
    let theme = Theme::load("default", ColorDepth::Ansi16).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            if app.overlay == Overlay::None
                && width >= panes::MIN_WIDTH
                && height >= panes::MIN_HEIGHT
            {
                panes::path::render(frame, frame.area(), &app.path, &theme, true);
            } else {
                panes::draw(frame, app, &theme);
            }
        })
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn healthy_path_at_80x24() {
    let app = app_with(
        vec![healthy()],
        vec![dependency("queue", Verdict::Ok, None)],
    );
    assert_snapshot!(render(&app, 80, 24));
}

#[test]
fn broken_path_at_80x24_names_the_break_and_blocks_the_rest() {
    let refused = Finding::new(FindingCode::TcpRefused, "connection refused");
    let app = app_with(
        vec![degraded(), healthy()],
        vec![dependency("queue", Verdict::Fail, Some(refused))],
    );
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Breaks at Ingress on 127.0.0.2"),
        "{screen}"
    );
    assert!(
        screen.contains("✖ fail 2.7ms") && screen.contains("■ blocked"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn broken_path_at_160x48_has_sparklines() {
    let mut app = app_with(
        vec![degraded(), healthy()],
        vec![dependency("queue", Verdict::Ok, None)],
    );
    for _ in 0..5 {
        app.apply(AppEvent::Probe(Box::new(degraded())));
    }
    let screen = render(&app, 160, 48);
    assert!(screen.contains('▁') || screen.contains('█'), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn a_screen_below_the_minimum_says_so() {
    let app = app_with(vec![healthy()], vec![]);
    let screen = render(&app, 60, 15);
    assert!(screen.contains("terminal too small"), "{screen}");
}

#[test]
fn hop_detail_overlay_shows_the_finding() {
    let mut app = app_with(vec![degraded()], vec![]);
    app.path.selected_row = 1;
    app.path.selected_hop = 3;
    app.overlay = Overlay::HopDetail { scroll: 0 };
    let screen = render(&app, 100, 30);
    assert!(screen.contains("TLS_CERT_EXPIRED"), "{screen}");
    assert!(
        screen.contains("webhooks · Ingress · 127.0.0.2"),
        "{screen}"
    );
}

#[test]
fn untrusted_names_are_drawn_inert() {
    let mut report = healthy();
    report.summary = "evil \x1b]0;owned\x07 summary".into();
    let app = app_with(vec![report], vec![]);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("\\x1b]0;owned\\x07"), "{screen}");
    assert!(!screen.contains('\x1b'));
}
