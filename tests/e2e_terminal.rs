//! The dashboard in a real terminal (tmux), as a responder sees it: every layout from 80×24 to a
//! wall screen and a window resized under it, every theme and `NO_COLOR` with statuses still
//! told apart by glyph and word, and escape sequences from a log line, an HTTP body or a
//! certificate subject shown as text instead of retitling, clearing or moving the terminal.
//!
//! Everything runs on loopback: the demo's own lab, or lab servers started here on 127.0.0.1
//! and probed through IP-literal URLs with a nameserver that nothing answers on.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

mod support;

use std::fs::OpenOptions;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use support::UNUSED_NAMESERVER;
use support::tmux::{Tmux, warroom_bin};
use warroom::demo::lab::http::{AppBehaviour, AppServer, CannedResponse};
use warroom::demo::lab::pki::{LabPki, LeafSpec};
use warroom::demo::lab::tls::{HelloHandler, TlsMode, TlsServer};

/// Generous: the debug binary on a loaded two-core machine.
const SLOW: Duration = Duration::from_secs(40);

/// Retitles the window, clears the screen and homes the cursor, if it ever reaches a terminal.
const PAYLOAD: &str = "\x1b]0;pwned\x07\x1b[2J\x1b[H";
/// The same sequence made inert by `warroom::text::inert`: plain characters on the screen.
const PAYLOAD_INERT: &str = r"\x1b]0;pwned\x07\x1b[2J\x1b[H";

/// Text from each pane of the demo once its outage has started, pane title first.
const DEMO_PANES: [(&str, &str); 5] = [
    ("Path", "Domain"),
    ("Logs", "POST /webhooks/"),
    ("Status codes", "2xx"),
    ("Checklist", "First five minutes"),
    ("Timeline", "incident opened"),
];

fn demo_command(dir: &Path, extra: &str) -> String {
    format!(
        "XDG_STATE_HOME={} {} demo --speed 4 --seed 7 --journal {} {extra}",
        dir.display(),
        warroom_bin().display(),
        dir.join("demo.jsonl").display()
    )
}

/// Waits until every needle is on the screen at once; panics naming the missing ones.
fn wait_for_all(tmux: &Tmux, needles: &[&str]) -> String {
    tmux.wait_for(SLOW, |screen| needles.iter().all(|n| screen.contains(n)))
        .unwrap_or_else(|screen| {
            let missing: Vec<_> = needles.iter().filter(|n| !screen.contains(**n)).collect();
            panic!("{missing:?} did not appear within {SLOW:?}; screen:\n{screen}")
        })
}

/// Every pane title and a piece of its content, on one screen.
fn wait_for_every_pane(tmux: &Tmux) -> String {
    let needles: Vec<&str> = DEMO_PANES.iter().flat_map(|(t, c)| [*t, *c]).collect();
    wait_for_all(tmux, &needles)
}

/// The narrow layout: a tab bar naming every pane, and each pane's content after Tab.
fn check_narrow_layout(tmux: &Tmux) {
    let screen = wait_for_all(tmux, &["Path", "Domain", "│ Timeline"]);
    let tab_bar = screen.lines().next().unwrap_or_default();
    for (title, _) in DEMO_PANES {
        assert!(
            tab_bar.contains(title),
            "{title} missing from the tab bar:\n{screen}"
        );
    }
    for (title, content) in &DEMO_PANES[1..] {
        tmux.keys(&["Tab"]);
        wait_for_all(tmux, &[&format!("▶ {title}"), content]);
    }
    tmux.keys(&["Tab"]);
    wait_for_all(tmux, &["▶ Path", "Domain"]);
}

fn check_too_small(tmux: &Tmux, width: u16, height: u16) {
    wait_for_all(tmux, &["terminal too small", &format!("{width}×{height}")]);
    assert!(!tmux.pane_dead(), "warroom exited on a small window");
}

#[test]
fn at_80x24_one_pane_shows_under_a_tab_bar_and_tab_visits_every_pane() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = Tmux::start(&demo_command(dir.path(), ""), 80, 24, &[]) else {
        return;
    };
    check_narrow_layout(&tmux);
}

#[test]
fn at_120x40_and_200x60_every_pane_shows_with_content() {
    let dir = tempfile::tempdir().unwrap();
    for (width, height) in [(120, 40), (200, 60)] {
        let Some(tmux) = Tmux::start(&demo_command(dir.path(), ""), width, height, &[]) else {
            return;
        };
        let screen = wait_for_every_pane(&tmux);
        assert!(
            !screen.contains("Tab switches"),
            "{width}×{height} fell back to tabs:\n{screen}"
        );
    }
}

#[test]
fn resizing_the_window_while_running_changes_the_layout_and_survives_tiny_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = Tmux::start(&demo_command(dir.path(), ""), 200, 60, &[]) else {
        return;
    };
    wait_for_every_pane(&tmux);

    tmux.resize(80, 24);
    check_narrow_layout(&tmux);
    tmux.resize(120, 40);
    wait_for_every_pane(&tmux);
    tmux.resize(60, 15);
    check_too_small(&tmux, 60, 15);
    tmux.resize(30, 6);
    check_too_small(&tmux, 30, 6);
    tmux.resize(200, 60);
    wait_for_every_pane(&tmux);
    assert!(!tmux.pane_dead(), "warroom exited during the resizes");
}

#[test]
fn starting_in_a_tiny_window_shows_the_message_then_the_dashboard_once_enlarged() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = Tmux::start(&demo_command(dir.path(), ""), 50, 12, &[]) else {
        return;
    };
    check_too_small(&tmux, 50, 12);
    tmux.resize(120, 40);
    wait_for_every_pane(&tmux);
}

/// Whether a capture with escapes sets a foreground or background colour anywhere: SGR
/// parameters 30–38, 40–48, 90–97 or 100–107 (so `38;5;n` and `38;2;r;g;b` too). The defaults
/// 39 and 49 set no colour and are allowed.
fn colour_sgr_codes(screen: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in screen.match_indices("\x1b[") {
        let rest = &screen[start + 2..];
        let Some(end) = rest.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':')) else {
            continue;
        };
        if !rest[end..].starts_with('m') {
            continue;
        }
        let colours = rest[..end]
            .split([';', ':'])
            .filter_map(|p| p.parse::<u16>().ok())
            .any(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107));
        if colours {
            found.push(format!("\\x1b[{}m", &rest[..end]));
        }
    }
    found
}

#[test]
fn colour_codes_are_recognised_in_a_capture() {
    let cases = [
        ("\x1b[31mred\x1b[39m", true),
        ("\x1b[1;38;5;9mbold\x1b[0m", true),
        ("\x1b[38;2;213;94;0mrgb", true),
        ("\x1b[48:5:4mbg", true),
        ("\x1b[97mbright", true),
        ("\x1b[1m\x1b[7mreversed\x1b[0m\x1b[39m\x1b[49m", false),
        ("\x1b[2;3H plain", false),
    ];
    for (capture, coloured) in cases {
        assert_eq!(
            !colour_sgr_codes(capture).is_empty(),
            coloured,
            "{capture:?}"
        );
    }
}

/// The demo's outage shows all three of these once it has broken.
const STATUSES: [&str; 3] = ["✔ ok", "✖ fail", "■ blocked"];

#[test]
fn every_theme_shows_statuses_as_glyph_and_word() {
    let dir = tempfile::tempdir().unwrap();
    for theme in [
        "default",
        "warroom-dark",
        "warroom-light",
        "high-contrast",
        "monochrome",
    ] {
        let command = demo_command(dir.path(), &format!("--theme {theme}"));
        let Some(tmux) = Tmux::start(&command, 120, 40, &[]) else {
            return;
        };
        wait_for_all(&tmux, &STATUSES);
        if theme != "monochrome" {
            let coloured = tmux.screen_with_escapes();
            assert!(
                !colour_sgr_codes(&coloured).is_empty(),
                "theme {theme} drew no colour at all:\n{coloured}"
            );
        }
    }
}

#[test]
fn no_color_keeps_glyphs_and_words_and_emits_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    // Ask for a colourful theme: NO_COLOR must still win.
    let command = demo_command(dir.path(), "--theme warroom-dark");
    let Some(tmux) = Tmux::start(&command, 120, 40, &[("NO_COLOR", "1")]) else {
        return;
    };
    wait_for_all(&tmux, &STATUSES);
    wait_for_every_pane(&tmux);
    let captured = tmux.screen_with_escapes();
    let codes = colour_sgr_codes(&captured);
    assert!(
        codes.is_empty(),
        "colour codes under NO_COLOR: {codes:?}\n{captured}"
    );
}

/// Checks after hostile text is on the screen: the title is what it was, and `landmarks` drawn
/// before the text arrived are still there, so nothing cleared the screen.
fn assert_untouched(tmux: &Tmux, title_before: &str, landmarks: &[&str]) {
    // Give a leaked sequence time to act before looking.
    std::thread::sleep(Duration::from_millis(500));
    let title = tmux.pane_title();
    assert!(
        !title.contains("pwned"),
        "the window title changed to {title:?}"
    );
    assert_eq!(title, title_before, "the window title changed");
    let screen = tmux.screen();
    assert!(screen.contains(PAYLOAD_INERT), "inert text gone:\n{screen}");
    for landmark in landmarks {
        assert!(
            screen.contains(landmark),
            "{landmark:?} vanished; was the screen cleared?\n{screen}"
        );
    }
    assert!(!tmux.pane_dead(), "warroom exited");
}

#[test]
fn the_harness_sees_a_title_set_by_an_escape_sequence() {
    // Without this, a pane title that never changes would prove nothing.
    let Some(tmux) = Tmux::start(r"printf '\033]0;control\007'; sleep 30", 80, 24, &[]) else {
        return;
    };
    tmux.wait_for(SLOW, |_| tmux.pane_title() == "control")
        .unwrap_or_else(|_| panic!("title stayed {:?}", tmux.pane_title()));
}

#[test]
fn escape_sequences_in_a_log_line_are_shown_inert() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(&log, "first line, before anything hostile\n").unwrap();
    let command = format!(
        "XDG_STATE_HOME={dir} {bin} --runbook webhook-outage --journal {dir}/log.jsonl \
         --title injection --log {log}",
        dir = dir.path().display(),
        bin = warroom_bin().display(),
        log = log.display()
    );
    let Some(tmux) = Tmux::start(&command, 160, 48, &[]) else {
        return;
    };
    wait_for_all(&tmux, &["first line, before anything hostile", "Checklist"]);
    let title_before = tmux.pane_title();

    // Appended while the dashboard runs, as a tailed access log grows.
    let mut file = OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(file, "evil {PAYLOAD} tail").unwrap();
    drop(file);
    tmux.wait_for_text(PAYLOAD_INERT, SLOW);

    assert_untouched(
        &tmux,
        &title_before,
        &[
            "first line, before anything hostile",
            "┌ ▶ Path",
            "First five minutes",
            "? help",
        ],
    );
}

/// Starts the dashboard on `url` and opens the detail of hop column `hop` (0 is Domain).
fn open_hop_detail(url: &str, hop: usize, extra: &str, dir: &Path) -> Option<(Tmux, String)> {
    let command = format!(
        "XDG_STATE_HOME={dir} {bin} {url} --dns-server {UNUSED_NAMESERVER} --timeout 3s \
         --journal {dir}/hop.jsonl --title injection {extra}",
        dir = dir.display(),
        bin = warroom_bin().display(),
    );
    let tmux = Tmux::start(&command, 160, 48, &[])?;
    wait_for_all(&tmux, &["▶ Path", "127.0.0.1"]);
    let title_before = tmux.pane_title();
    for _ in 0..hop {
        tmux.keys(&["l"]);
    }
    tmux.keys(&["Enter"]);
    wait_for_all(&tmux, &["Esc close"]);
    Some((tmux, title_before))
}

fn lab_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[test]
fn escape_sequences_in_an_http_body_are_shown_inert_in_the_hop_detail() {
    let runtime = lab_runtime();
    let response = CannedResponse::new(500, "text/plain", format!("boom {PAYLOAD} end\n"));
    let app = runtime
        .block_on(AppServer::start(
            loopback(),
            AppBehaviour::answering(response),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{}/webhooks", app.local_addr());

    let Some((tmux, title_before)) = open_hop_detail(&url, 4, "", dir.path()) else {
        return;
    };
    wait_for_all(&tmux, &["App", "500", PAYLOAD_INERT]);
    assert_untouched(&tmux, &title_before, &["┌ ▶ Path", "? help", "injection"]);
}

#[test]
fn escape_sequences_in_a_certificate_subject_are_shown_inert_in_the_hop_detail() {
    let runtime = lab_runtime();
    let pki = LabPki::new().unwrap();
    let leaf = pki
        .issue(&LeafSpec::new(["127.0.0.1"]).common_name(format!("evil{PAYLOAD}")))
        .unwrap();
    let server = runtime
        .block_on(TlsServer::start(
            loopback(),
            leaf.full_chain(),
            TlsMode::Serve,
            Arc::new(HelloHandler),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("lab-root.pem");
    std::fs::write(&ca, pki.root_pem()).unwrap();
    let url = format!("https://{}/webhooks", server.local_addr());

    let extra = format!("--ca-file {}", ca.display());
    let Some((tmux, title_before)) = open_hop_detail(&url, 3, &extra, dir.path()) else {
        return;
    };
    wait_for_all(&tmux, &["Ingress", "cert 0", PAYLOAD_INERT]);
    assert_untouched(&tmux, &title_before, &["┌ ▶ Path", "? help", "injection"]);
}
