//! `warroom check` through the real binary: output shapes and exit codes as monitoring plugins
//! use them (0 ok, 1 warning, 2 critical, 3 unknown).

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

use std::path::Path;
use std::process::{Command, Output};

fn warroom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"))
        .output()
        .expect("running warroom")
}

#[test]
fn usage_errors_exit_unknown_not_critical() {
    let out = warroom(&["check", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let out = warroom(&["check", "--timeout", "fast", "https://127.0.0.1/"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid duration"));
}

#[test]
fn a_bad_config_exits_unknown_and_names_the_line() {
    let config =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/unknown_key.toml");
    let out = warroom(&["check", "-c", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown_key.toml:3:") && stderr.contains("timout"),
        "{stderr}"
    );
}

#[test]
fn nothing_to_check_exits_unknown_with_a_hint() {
    let out = warroom(&["check"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
}

#[test]
fn help_and_version_exit_zero() {
    assert_eq!(warroom(&["--help"]).status.code(), Some(0));
    assert_eq!(warroom(&["check", "--help"]).status.code(), Some(0));
    assert_eq!(warroom(&["--version"]).status.code(), Some(0));
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    let out = warroom(&["completions", "bash"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("warroom"));
    let out = warroom(&["man"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains(".TH"));
}

#[test]
fn init_writes_a_config_and_runbook_that_load() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("warroom.toml");
    let out = warroom(&["init", config.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(dir.path().join("webhook-outage.md").is_file());
    let again = warroom(&["init", config.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(3),
        "init must not overwrite without --force"
    );

    let loaded = warroom::config::load(Some(&config)).unwrap();
    warroom::config::resolve(&loaded, &warroom::cli::ProbeArgs::default(), &[]).unwrap();
    let book =
        warroom::runbook::load(dir.path().join("webhook-outage.md").to_str().unwrap()).unwrap();
    assert!(book.steps().any(|s| s.id == "renew-certificate"));
}
