//! The whole dashboard on a test backend: every pane with real content (the built-in runbook,
//! journal entries, log lines counted by the real aggregator), the layouts from a tmux pane to
//! a wall screen, and what keys do to the state and the journal.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::logs::SourcePlan;
use warroom::logs::aggregate::{Aggregator, AggregatorOptions};
use warroom::logs::frame::{Framer, LineBatch};
use warroom::runbook;
use warroom::timeline::detect::{Detector, DetectorSettings};
use warroom::timeline::{Actor, Author, Change, Entry, Incident, StepState};
use warroom::tui::app::{App, AppEvent, Effect, PaneId};
use warroom::tui::incident_view::IncidentView;
use warroom::tui::logs_state::LogsPane;
use warroom::tui::overlay::Overlay;
use warroom::tui::panes;
use warroom::tui::path_state::PathState;
use warroom::tui::theme::{ColorDepth, Theme};

const START: i64 = 1_796_270_400; // 2026-12-03T04:00:00Z

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(START + seconds, 0).unwrap()
}

fn access_line(second: i64, path: &str, status: u16) -> String {
    let time = at(second).format("%d/%b/%Y:%H:%M:%S +0000");
    format!(
        "127.0.0.1 - - [{time}] \"POST {path} HTTP/1.1\" {status} 120 \"-\" \"PaymentProvider/2.1\" 0.004 127.0.0.1:8080\n"
    )
}

/// A log update made by the real framer and aggregator from access-log lines.
fn logs_pane() -> LogsPane {
    let plans = SourcePlan::from_specs(&["access.log".to_owned()], None).unwrap();
    let mut aggregator = Aggregator::new(&plans, AggregatorOptions::default(), START);
    let mut framer = Framer::default();
    for second in 0..30 {
        let mut text = String::new();
        for i in 0..20 {
            let failing = second >= 20 && i % 3 == 0;
            let path = if i % 2 == 0 {
                "/webhooks/stripe"
            } else {
                "/webhooks/adyen"
            };
            text.push_str(&access_line(second, path, if failing { 502 } else { 200 }));
        }
        let mut batch = LineBatch::default();
        framer.push(text.as_bytes(), &mut batch);
        aggregator.ingest(0, &batch, START + second);
    }
    let mut pane = LogsPane::new(1000);
    pane.apply(aggregator.take_update());
    pane
}

fn app(with_logs: bool) -> App {
    let book = runbook::builtin("webhook-outage").unwrap();
    let outline = book.outline();
    let author = Author::new(Actor::new("alice", "bastion"));
    let entries: Vec<Entry> = vec![
        author.open_incident(at(0), "webhooks failing"),
        author.runbook_loaded(at(1), &book),
        author.note(at(60), "Stripe dashboard shows 40% of deliveries failing"),
        author.tick(at(90), outline.steps().next().unwrap()),
    ];
    let incident = Incident::from_entries(Some(&book), &entries);
    let view = IncidentView::new(
        incident,
        author,
        Detector::new(DetectorSettings::default(), Actor::automatic()),
        "2026-12-03-webhooks-failing.jsonl".into(),
        Duration::from_secs(1800),
    );
    let logs = with_logs.then(logs_pane);
    let mut app = App::new(
        "webhooks failing".into(),
        PathState::new(&[]),
        logs,
        view,
        at(0),
    );
    app.now = at(754);
    app
}

fn render(app: &App, width: u16, height: u16) -> String {
    let theme = Theme::load("default", ColorDepth::Ansi16).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| panes::draw(frame, app, &theme))
        .unwrap();
    terminal.backend().to_string()
}

fn key(code: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn recorded(effects: &[Effect]) -> Vec<Entry> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(entry) => Some((**entry).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn wall_screen_shows_every_pane_with_content() {
    let screen = render(&app(true), 200, 60);
    for title in ["Path", "Logs", "Status codes", "Checklist", "Timeline"] {
        assert!(screen.contains(title), "{title} missing:\n{screen}");
    }
    assert!(screen.contains("502"), "{screen}");
    assert!(screen.contains("Stripe dashboard shows 40%"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn medium_screen_shows_every_pane() {
    let screen = render(&app(true), 120, 40);
    for title in ["Path", "Logs", "Status codes", "Checklist", "Timeline"] {
        assert!(screen.contains(title), "{title} missing:\n{screen}");
    }
    assert_snapshot!(screen);
}

#[test]
fn a_tmux_pane_shows_one_pane_under_tabs_that_carry_status() {
    let mut app = app(true);
    app.focus = PaneId::Checklist;
    let screen = render(&app, 80, 23);
    assert!(screen.contains("Checklist 1/"), "{screen}");
    assert_snapshot!(screen);
    app.focus = PaneId::Histogram;
    let screen = render(&app, 80, 23);
    assert!(screen.contains("5xx"), "{screen}");
    assert_snapshot!("histogram_at_80x23", screen);
}

#[test]
fn ticking_a_step_records_it_and_shows_it_only_once_written() {
    let mut app = app(false);
    app.focus = PaneId::Checklist;
    app.apply(key(KeyCode::Down));
    let (_, effects) = app.apply(key(KeyCode::Char(' ')));
    let entries = recorded(&effects);
    assert_eq!(entries.len(), 1);
    let step = entries[0].refs.step.clone().unwrap();
    assert!(matches!(
        entries[0].change,
        Some(Change::Step {
            state: StepState::Done,
            ..
        })
    ));
    assert_eq!(
        app.incident.incident.checklist.progress(&step).state,
        StepState::Todo,
        "not durable yet"
    );
    assert_eq!(app.incident.pending_writes, 1);

    app.apply(AppEvent::Written(Box::new(entries[0].clone())));
    assert_eq!(
        app.incident.incident.checklist.progress(&step).state,
        StepState::Done
    );
    assert_eq!(app.incident.pending_writes, 0);
    // The watcher sees our own line again; it must not count twice.
    let (changed, _) = app.apply(AppEvent::Recorded(Box::new(entries[0].clone())));
    assert!(!changed);
}

#[test]
fn a_note_is_typed_pasted_and_recorded() {
    let mut app = app(false);
    app.apply(key(KeyCode::Char('n')));
    assert!(matches!(app.overlay, Overlay::Input { .. }));
    for c in "rolled back ".chars() {
        app.apply(key(KeyCode::Char(c)));
    }
    app.apply(AppEvent::Paste("release\n2026.12.03-1\x1b[2J".into()));
    let (_, effects) = app.apply(key(KeyCode::Enter));
    let entries = recorded(&effects);
    assert_eq!(entries[0].text, "rolled back release 2026.12.03-1[2J");
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn keys_typed_into_an_input_never_trigger_commands() {
    let mut app = app(false);
    app.apply(key(KeyCode::Char('n')));
    let (_, effects) = app.apply(key(KeyCode::Char('q')));
    assert!(effects.is_empty());
    assert!(matches!(&app.overlay, Overlay::Input { text, .. } if text == "q"));
}

#[test]
fn skipping_needs_a_reason() {
    let mut app = app(false);
    app.focus = PaneId::Checklist;
    app.apply(key(KeyCode::Char('s')));
    let (_, effects) = app.apply(key(KeyCode::Enter));
    assert!(recorded(&effects).is_empty());
    assert!(app.incident.problem.as_deref().unwrap().contains("reason"));

    app.apply(key(KeyCode::Char('s')));
    for c in "not our CDN".chars() {
        app.apply(key(KeyCode::Char(c)));
    }
    let (_, effects) = app.apply(key(KeyCode::Enter));
    let entries = recorded(&effects);
    assert!(
        matches!(&entries[0].change, Some(Change::Step { state: StepState::Skipped, reason: Some(r) }) if r == "not our CDN")
    );
}

#[test]
fn milestones_and_severity_are_recorded() {
    let mut app = app(false);
    app.apply(key(KeyCode::Char('m')));
    app.apply(key(KeyCode::Down));
    let (_, effects) = app.apply(key(KeyCode::Enter));
    assert!(recorded(&effects)[0].text.contains("detected"));
    let (_, effects) = app.apply(key(KeyCode::Char('+')));
    assert_eq!(recorded(&effects).len(), 1);
}

#[test]
fn quitting_asks_first_and_ctrl_c_does_not() {
    let mut app = app(false);
    let (_, effects) = app.apply(key(KeyCode::Char('q')));
    assert!(effects.is_empty());
    assert_eq!(app.overlay, Overlay::ConfirmQuit);
    let (_, effects) = app.apply(key(KeyCode::Char('n')));
    assert!(effects.is_empty());
    app.apply(key(KeyCode::Char('q')));
    let (_, effects) = app.apply(key(KeyCode::Char('y')));
    assert!(matches!(effects[..], [Effect::Quit]));
    let (_, effects) = app.apply(AppEvent::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(matches!(effects[..], [Effect::Quit]));
}

#[test]
fn the_log_filter_and_class_cycle_narrow_the_stream() {
    let mut app = app(true);
    app.focus = PaneId::Logs;
    app.apply(key(KeyCode::Char('c')));
    let logs = app.logs.as_ref().unwrap();
    assert!(logs.visible(50).iter().all(|l| l.status == Some(502)));
    app.apply(key(KeyCode::Char('c')));
    app.apply(key(KeyCode::Char('c')));
    app.apply(key(KeyCode::Char('c')));
    app.apply(key(KeyCode::Char('c')));
    app.apply(key(KeyCode::Char('c')));
    app.apply(key(KeyCode::Char('/')));
    for c in "adyen".chars() {
        app.apply(key(KeyCode::Char(c)));
    }
    app.apply(key(KeyCode::Enter));
    let logs = app.logs.as_ref().unwrap();
    let visible = logs.visible(50);
    assert!(!visible.is_empty() && visible.iter().all(|l| l.text.contains("adyen")));
}

#[test]
fn a_written_milestone_is_posted_to_chat_once_and_the_attempt_journaled() {
    let mut app = app(false);
    app.can_notify = true;
    app.apply(key(KeyCode::Char('m')));
    let (_, effects) = app.apply(key(KeyCode::Enter));
    let milestone = recorded(&effects).remove(0);
    let (_, effects) = app.apply(AppEvent::Written(Box::new(milestone.clone())));
    assert!(
        matches!(&effects[..], [Effect::Post(text)] if text.contains("impact started")),
        "{effects:?}"
    );
    // The same entry seen again through the watcher is not posted a second time.
    let (_, effects) = app.apply(AppEvent::Recorded(Box::new(milestone)));
    assert!(effects.is_empty());
}
