//! Every configuration error names the file, the line and the key, with a fixture per error.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

use std::path::{Path, PathBuf};

use warroom::cli::ProbeArgs;
use warroom::config::{self, sample::SAMPLE_CONFIG};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn error_of(name: &str) -> String {
    let path = fixture(name);
    let result = config::load(Some(&path))
        .and_then(|loaded| config::resolve(&loaded, &ProbeArgs::default(), &[]).map(|_| ()));
    result
        .expect_err(&format!("{name} should be rejected"))
        .to_string()
}

#[test]
fn each_bad_config_is_reported_with_file_line_and_key() {
    let cases = [
        ("unknown_key.toml", ":3:", "timout"),
        ("bad_scheme.toml", ":5:", "target[1].url"),
        ("bad_duration.toml", ":2:", "defaults.timeout"),
        ("bad_status_range.toml", ":3:", "target[0].expect_status"),
        ("bad_expected_ip.toml", ":3:", "target[0].expect_ips"),
        (
            "missing_env_secret.toml",
            ":4:",
            "WARROOM_TEST_SURELY_UNSET_VAR",
        ),
        ("bad_nameserver.toml", ":2:", "dns.servers[0]"),
        ("bad_dependency_kind.toml", ":3:", "dependency[0].kind"),
        ("bad_tcp_target.toml", ":4:", "dependency[0].target"),
        ("missing_ca_file.toml", ":2:", "tls.ca_file"),
        ("syntax_error.toml", ":1:", ""),
    ];
    for (name, line, key) in cases {
        let message = error_of(name);
        assert!(
            message.contains(name),
            "{name}: no file name in {message:?}"
        );
        assert!(
            message.contains(line),
            "{name}: no line {line} in {message:?}"
        );
        assert!(message.contains(key), "{name}: no key {key} in {message:?}");
    }
}

#[test]
fn the_secret_value_never_appears_in_debug_output() {
    let text = "[[target]]\nurl = \"https://api.example.com/\"\n[target.headers]\nAuthorization = \"env:WARROOM_TEST_SECRET_HEADER\"\n";
    let env =
        |name: &str| (name == "WARROOM_TEST_SECRET_HEADER").then(|| "hunter2-token".to_owned());
    let loaded = config::parse(PathBuf::from("secret.toml"), text.to_owned()).unwrap();
    let resolved = config::resolve_with_env(&loaded, &ProbeArgs::default(), &[], &env).unwrap();
    let shown = format!("{resolved:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(resolved.targets[0].headers[0].1.expose(), "hunter2-token");
}

#[test]
fn the_sample_config_passes_validation() {
    let loaded = config::parse(PathBuf::from("warroom.toml"), SAMPLE_CONFIG.to_owned()).unwrap();
    let resolved = config::resolve(&loaded, &ProbeArgs::default(), &[]).unwrap();
    assert_eq!(resolved.targets.len(), 1);
    assert_eq!(resolved.dependencies.len(), 1);
}

#[test]
fn urls_on_the_command_line_add_targets_with_https_by_default() {
    let loaded = config::LoadedConfig::empty();
    let resolved = config::resolve(
        &loaded,
        &ProbeArgs::default(),
        &["api.example.com/hook".to_owned()],
    )
    .unwrap();
    assert_eq!(
        resolved.targets[0].url.as_str(),
        "https://api.example.com/hook"
    );
    assert_eq!(resolved.targets[0].name, "api.example.com");
}

#[test]
fn credentials_in_urls_are_never_displayed() {
    let loaded = config::LoadedConfig::empty();
    let resolved = config::resolve(
        &loaded,
        &ProbeArgs::default(),
        &["https://user:pw@api.example.com/".to_owned()],
    )
    .unwrap();
    assert_eq!(
        resolved.targets[0].display_url(),
        "https://api.example.com/"
    );
}

#[test]
fn the_readme_configuration_reference_parses() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let loaded = config::parse(PathBuf::from("README.md"), readme[start..end].to_owned()).unwrap();
    assert_eq!(config::sections::log_sources(&loaded).unwrap().len(), 1);
    assert!(
        config::sections::reconcile_section(&loaded)
            .unwrap()
            .is_some()
    );
    assert_eq!(loaded.file.targets.len(), 1);
}
