//! `warroom export` against golden files: the Markdown postmortem and the JSON document of a
//! whole webhook incident, byte for byte. Set `UPDATE_GOLDEN=1` to rewrite the golden files
//! after an intended change, then review the diff like code.

use std::path::{Path, PathBuf};
use std::process::Command;

use warroom::timeline::{export, journal};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn journal_fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/journals").join(name)
}

fn check_golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected =
        std::fs::read_to_string(&path).expect("golden file (UPDATE_GOLDEN=1 creates it)");
    assert!(
        expected == actual,
        "{name} differs from the export; rerun with UPDATE_GOLDEN=1 and review"
    );
}

#[test]
fn markdown_postmortem_matches_the_golden_file() {
    let replay = journal::read(&journal_fixture("webhook-incident.jsonl")).expect("read");
    assert!(replay.problems.is_empty());
    let text = export::markdown(&replay.entries, Some("webhook-incident.jsonl"));
    check_golden("webhook-incident.md", &text);
    assert_eq!(
        text,
        export::markdown(&replay.entries, Some("webhook-incident.jsonl"))
    );
}

#[test]
fn json_export_matches_the_golden_file() {
    let replay = journal::read(&journal_fixture("webhook-incident.jsonl")).expect("read");
    let text = export::json(&replay.entries).expect("json");
    check_golden("webhook-incident.json", &text);
    let document: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let figures = &document["figures"];
    assert_eq!(figures["severity_peak"], "SEV1");
    assert_eq!(figures["durations_s"]["to_detect"], 240);
    assert_eq!(figures["durations_s"]["to_restore_consistency"], 5580);
    assert_eq!(figures["consistency"]["status"], "consistent");
    assert_eq!(
        document["entries"].as_array().map(Vec::len),
        Some(replay.entries.len())
    );
}

#[test]
fn timeline_lists_probe_failure_spike_ticks_and_notes_in_order() {
    let replay = journal::read(&journal_fixture("webhook-incident.jsonl")).expect("read");
    let text = export::markdown(&replay.entries, None);
    let positions: Vec<usize> = [
        "TLS_CERT_EXPIRED: certificate expired",
        "5xx spike started",
        "done: Ingress: the TLS handshake succeeds",
        "grep 502 shows the proxy page",
        "done: Renew or replace the certificate",
    ]
    .iter()
    .map(|needle| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing"))
    })
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    // Terminal escapes in entry text are made inert, pipes cannot break the table.
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("https://hooks \\| grep"));
}

#[test]
fn export_keeps_fields_from_a_newer_version() {
    let replay = journal::read(&journal_fixture("newer-version.jsonl")).expect("read");
    let document: serde_json::Value =
        serde_json::from_str(&export::json(&replay.entries).expect("json")).expect("valid");
    let first = &document["entries"][0];
    assert_eq!(first["visibility"], "internal");
    assert_eq!(first["prev_hash"], "sha256:abc");
    assert_eq!(first["actor"]["tty"], "pts/3");
    assert_eq!(first["refs"]["component"], "ingress");
    assert_eq!(document["entries"][3]["change"]["set"], "approval");
    assert_eq!(
        document["entries"][2]["change"]["milestone"],
        "postmortem_published"
    );
}

#[test]
fn command_writes_the_output_file_atomically_and_reports_torn_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("postmortem.json");
    let status = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("export")
        .arg(journal_fixture("webhook-incident.jsonl"))
        .args(["--format", "json", "-o"])
        .arg(&output)
        .status()
        .expect("run warroom");
    assert!(status.success());
    let written = std::fs::read_to_string(&output).expect("output");
    let golden =
        std::fs::read_to_string(root().join("tests/golden/webhook-incident.json")).expect("golden");
    assert_eq!(written, golden);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "temporary file left behind");

    let run = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("export")
        .arg(journal_fixture("torn-tail.jsonl"))
        .output()
        .expect("run warroom");
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("incomplete"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("done: Domain resolves"));

    let missing = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["export", "/nonexistent/journal.jsonl"])
        .output()
        .expect("run warroom");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/journal.jsonl"));
}

#[test]
fn the_dashboard_export_lands_beside_the_journal() {
    assert_eq!(
        export::postmortem_path(Path::new("/srv/2026-03-02-webhooks-failing.jsonl")),
        PathBuf::from("/srv/2026-03-02-webhooks-failing.postmortem.md")
    );
}
