//! End to end in a real terminal: the demo breaks, ticking its mitigation heals it, notes and
//! ticks survive a SIGKILL, two dashboards share one journal, and the export tells the story.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::tmux::{Tmux, warroom_bin};

/// Generous: the debug binary on a loaded two-core machine.
const SLOW: Duration = Duration::from_secs(40);

fn step_index(id: &str) -> usize {
    let book = warroom::runbook::builtin("webhook-outage").unwrap();
    book.steps().position(|s| s.id == id).unwrap()
}

fn demo_command(journal: &Path, state: &Path) -> String {
    format!(
        "XDG_STATE_HOME={} {} demo --speed 4 --seed 1 --as tester --journal {}",
        state.display(),
        warroom_bin().display(),
        journal.display()
    )
}

/// Focuses the checklist pane (Tab until its title is marked) and moves to step `id`.
fn select_step(tmux: &Tmux, id: &str) {
    for _ in 0..6 {
        if tmux.screen().contains("▶ Checklist") {
            break;
        }
        tmux.keys(&["Tab"]);
        std::thread::sleep(Duration::from_millis(150));
    }
    tmux.wait_for_text("▶ Checklist", SLOW);
    tmux.keys(&["g"]);
    for _ in 0..step_index(id) {
        tmux.keys(&["j"]);
    }
}

#[test]
fn ticking_the_renewal_heals_the_demo_and_everything_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("incident.jsonl");
    let Some(tmux) = Tmux::start(&demo_command(&journal, dir.path()), 200, 60, &[]) else {
        return;
    };

    tmux.wait_for_text("expired 3 days ago", SLOW);
    tmux.wait_for_text("5xx spike started", SLOW);
    select_step(&tmux, "renew-certificate");
    tmux.keys(&["Space"]);
    tmux.wait_for_text("done: Renew or replace", SLOW);
    tmux.wait_for_text("tls of webhooks recovered", SLOW);

    tmux.keys(&["n"]);
    tmux.type_text("renewed by hand, cron job broken since Monday");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("cron job broken since Monday", SLOW);

    let pid = tmux.pane_pid().unwrap();
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    tmux.wait_for(SLOW, |_| tmux.pane_dead()).unwrap();

    // The journal still reads, and a new dashboard on it restores the tick and the note.
    let Some(again) = Tmux::start(&demo_command(&journal, dir.path()), 200, 60, &[]) else {
        return;
    };
    again.wait_for_text("cron job broken since Monday", SLOW);
    again.wait_for_text("done: Renew or replace", SLOW);

    let export = Command::new(warroom_bin())
        .arg("export")
        .arg(&journal)
        .output()
        .unwrap();
    assert!(export.status.success(), "{export:?}");
    let markdown = String::from_utf8(export.stdout).unwrap();
    let position = |needle: &str| {
        markdown
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing:\n{markdown}"))
    };
    let failure = position("TLS_CERT_EXPIRED");
    let spike = position("5xx spike started");
    let tick = position("done: Renew or replace the certificate");
    let note = position("cron job broken since Monday");
    assert!(
        failure < tick && spike < tick && tick < note,
        "timeline out of order:\n{markdown}"
    );
}

#[test]
fn two_dashboards_on_one_journal_see_each_others_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("shared.jsonl");
    let command = |who: &str| {
        format!(
            "XDG_STATE_HOME={} {} --runbook webhook-outage --journal {} --as {who} --title shared",
            dir.path().display(),
            warroom_bin().display(),
            journal.display()
        )
    };
    let Some(alice) = Tmux::start(&command("alice"), 160, 48, &[]) else {
        return;
    };
    alice.wait_for_text("Checklist", SLOW);
    let Some(bob) = Tmux::start(&command("bob"), 160, 48, &[]) else {
        return;
    };
    bob.wait_for_text("Checklist", SLOW);

    select_step(&alice, "renew-certificate");
    alice.keys(&["Space"]);
    alice.wait_for_text("done: Renew or replace", SLOW);
    let seen = bob.wait_for(Duration::from_secs(5), |s| {
        s.contains("done: Renew or replace")
    });
    assert!(
        seen.is_ok(),
        "bob did not see alice's tick:\n{}",
        seen.unwrap_err()
    );

    bob.keys(&["n"]);
    bob.type_text("bob here, taking comms");
    bob.keys(&["Enter"]);
    alice.wait_for_text("bob here, taking comms", Duration::from_secs(5));
}

#[test]
fn sigterm_flushes_the_journal_and_restores_the_terminal() {
    signal_flushes_the_journal_and_restores_the_terminal("TERM");
}

#[test]
fn sighup_from_a_dropped_ssh_session_flushes_the_journal_and_restores_the_terminal() {
    signal_flushes_the_journal_and_restores_the_terminal("HUP");
}

fn signal_flushes_the_journal_and_restores_the_terminal(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join(format!("{signal}.jsonl"));
    let command = format!(
        "XDG_STATE_HOME={} {} --runbook webhook-outage --journal {} --as carol --title term; echo EXITED $?",
        dir.path().display(),
        warroom_bin().display(),
        journal.display()
    );
    let Some(tmux) = Tmux::start(&command, 120, 40, &[]) else {
        return;
    };
    tmux.wait_for_text("Timeline", SLOW);
    tmux.keys(&["n"]);
    tmux.type_text(&format!("last words before SIG{signal}"));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(&format!("last words before SIG{signal}"), SLOW);
    // The pane runs sh; the dashboard is its child.
    let pid = tmux.pane_pid().unwrap();
    Command::new("pkill")
        .args([&format!("-{signal}"), "-P", &pid.to_string(), "warroom"])
        .status()
        .unwrap();
    tmux.wait_for(SLOW, |_| tmux.pane_dead()).unwrap();
    let history = tmux.history();
    assert!(
        history.contains("EXITED 0"),
        "warroom did not exit cleanly:\n{history}"
    );
    let screen = tmux.screen();
    assert!(
        !screen.contains("Timeline"),
        "the alternate screen was not left:\n{screen}"
    );
    let journal_text = std::fs::read_to_string(&journal).unwrap();
    assert!(journal_text.contains(&format!("last words before SIG{signal}")));
}
