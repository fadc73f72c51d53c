//! Nasty inputs read by the real binary (`warroom logs --json FILE`), and the guarantee that no
//! control byte from a log reaches the terminal through the text report.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/logs/nasty")
        .join(name)
}

fn warroom_logs(args: &[&str], path: &Path) -> (Vec<u8>, bool) {
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("logs")
        .args(args)
        .arg(path)
        .output()
        .expect("run warroom");
    (output.stdout, output.status.success())
}

fn summary(path: &Path) -> Value {
    let (stdout, ok) = warroom_logs(&["--json"], path);
    assert!(ok, "warroom logs failed on {}", path.display());
    serde_json::from_slice(&stdout).expect("one JSON document")
}

/// (fixture, lines, parsed, unparsed, invalid UTF-8, 5xx)
const CASES: &[(&str, u64, u64, u64, u64, u64)] = &[
    ("crlf.log", 3, 2, 1, 0, 1),
    ("invalid_utf8.log", 4, 2, 2, 3, 1),
    ("nul.log", 3, 1, 2, 0, 0),
    ("partial.log", 2, 2, 0, 0, 1),
    ("escapes.log", 5, 4, 1, 1, 4),
];

#[test]
fn nasty_fixtures_are_counted_exactly() {
    for &(name, lines, parsed, unparsed, invalid, server_errors) in CASES {
        let s = summary(&fixture(name));
        assert_eq!(s["lines"], lines, "{name}: {s}");
        assert_eq!(s["parsed"], parsed, "{name}: {s}");
        assert_eq!(s["unparsed"], unparsed, "{name}: {s}");
        assert_eq!(s["invalid_utf8_lines"], invalid, "{name}: {s}");
        assert_eq!(s["classes"]["5xx"], server_errors, "{name}: {s}");
    }
    assert_eq!(summary(&fixture("nul.log"))["nul_bytes_skipped"], 14);
}

#[test]
fn a_line_over_64_kib_is_cut_counted_and_the_next_line_still_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.log");
    let mut content = vec![b'x'; 3 * 1024 * 1024];
    content
        .extend_from_slice(b"\n{\"status\":503,\"path\":\"/after\"}\nendless-line-without-newline");
    content.extend(std::iter::repeat_n(b'y', 200 * 1024));
    std::fs::write(&path, &content).expect("write");
    let s = summary(&path);
    assert_eq!(s["lines"], 3, "{s}");
    assert_eq!(s["truncated_lines"], 2, "{s}");
    assert_eq!(s["classes"]["5xx"], 1, "{s}");
}

#[test]
fn the_text_report_never_carries_control_bytes_from_the_log() {
    let (stdout, ok) = warroom_logs(&[], &fixture("escapes.log"));
    assert!(ok);
    let text = String::from_utf8(stdout).expect("UTF-8 report");
    for c in text.chars() {
        let control = (c.is_control() && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c);
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}');
        assert!(!control && !bidi, "{c:?} reached the report:\n{text}");
    }
    assert!(text.contains("\\x1b]0;pwned\\x07"), "{text}");
}

#[test]
fn a_missing_file_is_an_error_that_names_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["logs", "/nonexistent/warroom-test/access.log"])
        .output()
        .expect("run warroom");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/warroom-test/access.log"),
        "{stderr}"
    );
}

#[test]
fn a_command_source_reports_its_lines_exit_status_and_stderr() {
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args([
            "logs",
            "--json",
            "cmd:sh -c 'printf \"status=502 level=error\\nstatus=200 level=info\\n\"; echo oops >&2; exit 3'",
        ])
        .output()
        .expect("run warroom");
    let s: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(s["lines"], 2, "{s}");
    assert_eq!(s["classes"]["5xx"], 1);
    let source = &s["sources"][0];
    assert_eq!(source["format"], "logfmt");
    assert_eq!(source["stderr"][0], "oops");
    assert_eq!(source["exit_status"], "exit status: 3");
    assert_eq!(source["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn standard_input_is_a_source() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["logs", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run warroom");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"{\"status\":500}\n{\"status\":200}\n{\"level\":\"warn\"}")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    let s: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(s["lines"], 3, "{s}");
    assert_eq!(s["levels"]["warn"], 1);
    assert_eq!(s["sources"][0]["format"], "json");
}

#[test]
fn config_sources_with_a_custom_regex_format_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("custom.log");
    std::fs::write(&log, "GET /pay -> 503\nGET / -> 200\nnoise\n").expect("write");
    let config = dir.path().join("warroom.toml");
    std::fs::write(
        &config,
        format!(
            "[[log]]\npath = {:?}\nname = \"custom\"\nregex = '^(?P<method>\\S+) (?P<path>\\S+) -> (?P<status>\\d+)$'\n\n[logs.spike]\nshare = 0.1\n",
            log.display().to_string()
        ),
    )
    .expect("write config");
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["logs", "--json", "-c"])
        .arg(&config)
        .arg(fixture("partial.log"))
        .output()
        .expect("run warroom");
    let s: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let custom = &s["sources"][1];
    assert_eq!(custom["name"], "custom", "{s}");
    assert_eq!(custom["format"], "regex");
    assert_eq!(
        (custom["parsed"].as_u64(), custom["unparsed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(s["top_5xx_paths"][0]["path"], "/pay");
}

#[test]
fn a_config_error_names_the_file_and_the_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("warroom.toml");
    std::fs::write(&config, "[[log]]\npath = \"/x.log\"\nformat = \"xml\"\n").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["logs", "-c"])
        .arg(&config)
        .arg(fixture("partial.log"))
        .output()
        .expect("run warroom");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warroom.toml") && stderr.contains("xml"),
        "{stderr}"
    );
}
