//! Runbook parsing: a valid file read field by field, every error fixture named with its line,
//! and the built-in runbook's promises to the demo.

use std::path::Path;

use warroom::probe::model::HopId;
use warroom::runbook::{self, CheckBinding, Problem, StepKind};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks")
        .join(name)
}

#[test]
fn valid_runbook_is_read_with_sections_steps_attributes_and_commands() {
    let book = runbook::load_file(&fixture("valid.md")).expect("valid runbook");
    assert_eq!(book.name, "valid");
    assert_eq!(book.title, "Payments are failing");
    let titles: Vec<_> = book
        .sections
        .iter()
        .map(|s| (s.title.as_str(), s.level))
        .collect();
    assert_eq!(titles, [("Triage", 2), ("Dependencies", 3), ("Restore", 2)]);

    let ids: Vec<_> = book.steps().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "dns",
            "check-the-certificate-of-api",
            "look-at-the-5xx-share",
            "parent-step",
            "nested-step",
            "queue",
            "look-at-the-5xx-share-2",
            "recon",
            "tell-partners",
            "an-ordinary-remark-stays-a-remark",
            "wrapped",
        ]
    );

    let dns = book.step("dns").expect("dns step");
    assert_eq!(dns.text, "Resolve the webhook name");
    assert_eq!(dns.owner.as_deref(), Some("ic"));
    assert_eq!(dns.kind, Some(StepKind::Check));
    assert_eq!(
        dns.check,
        Some(CheckBinding::Hop {
            hop: HopId::Dns,
            target: None
        })
    );
    assert_eq!(dns.command.as_deref(), Some("dig +short hooks.example.com"));
    assert_eq!(dns.line, 10);

    let cert = book
        .step("check-the-certificate-of-api")
        .expect("cert step");
    assert!(cert.ticked_in_file);
    assert_eq!(
        cert.check,
        Some(CheckBinding::Hop {
            hop: HopId::Tls,
            target: Some("api".into())
        })
    );

    let share = book.step("look-at-the-5xx-share").expect("share step");
    assert_eq!(share.text, "Look at the 5xx share");
    assert_eq!(share.detail, "Compare it with yesterday.");

    assert_eq!(
        book.step("nested-step").and_then(|s| s.owner.as_deref()),
        Some("scribe")
    );
    assert_eq!(
        book.step("parent-step").map(|s| s.text.as_str()),
        Some("Parent step")
    );
    assert_eq!(
        book.step("queue").and_then(|s| s.check.clone()),
        Some(CheckBinding::Dependency("queue".into()))
    );
    assert_eq!(
        book.step("recon").and_then(|s| s.check.clone()),
        Some(CheckBinding::Reconcile)
    );
    assert_eq!(
        book.step("wrapped").and_then(|s| s.kind),
        Some(StepKind::Comms)
    );
    assert_eq!(
        book.step("tell-partners").and_then(|s| s.kind),
        Some(StepKind::FollowUp)
    );
}

#[test]
fn every_error_fixture_names_its_file_line_and_problem() {
    type Matcher = fn(&Problem) -> bool;
    let cases: [(&str, usize, Matcher); 12] = [
        (
            "unknown-attribute.md",
            4,
            |p| matches!(p, Problem::UnknownAttribute { name } if name == "colour"),
        ),
        (
            "bad-kind.md",
            4,
            |p| matches!(p, Problem::BadKind { value } if value == "checking"),
        ),
        (
            "duplicate-id.md",
            8,
            |p| matches!(p, Problem::DuplicateId { id, first_line: 4 } if id == "dns"),
        ),
        ("step-outside-section.md", 5, |p| {
            matches!(p, Problem::StepOutsideSection { .. })
        }),
        (
            "bad-check.md",
            5,
            |p| matches!(p, Problem::BadCheck { value } if value == "smtp"),
        ),
        (
            "malformed-attribute.md",
            4,
            |p| matches!(p, Problem::MalformedAttribute { token } if token == "urgent"),
        ),
        (
            "repeated-attribute.md",
            4,
            |p| matches!(p, Problem::RepeatedAttribute { name } if name == "owner"),
        ),
        ("missing-title.md", 3, |p| {
            matches!(p, Problem::MissingTitle)
        }),
        ("second-title.md", 6, |p| matches!(p, Problem::SecondTitle)),
        ("bad-id.md", 4, |p| matches!(p, Problem::BadId { .. })),
        ("no-steps.md", 1, |p| matches!(p, Problem::NoSteps)),
        ("empty-step.md", 5, |p| matches!(p, Problem::EmptyStep)),
    ];
    for (name, line, matcher) in cases {
        let error = runbook::load_file(&fixture(name)).expect_err(name);
        let message = error.to_string();
        assert!(
            message.contains(name),
            "{name}: message {message:?} lacks the file"
        );
        assert_eq!(error.line(), Some(line), "{name}: {message}");
        let problem = error.problem().expect("an error inside the file");
        assert!(matcher(problem), "{name}: unexpected problem {problem:?}");
        assert!(message.contains(&format!(":{line}: ")), "{name}: {message}");
    }
}

#[test]
fn missing_file_and_unknown_builtin_are_reported() {
    let error = runbook::load("no-such-runbook").expect_err("missing");
    let message = error.to_string();
    assert!(
        message.contains("no-such-runbook") && message.contains("webhook-outage"),
        "{message}"
    );
    let error = runbook::load("missing/runbook.md").expect_err("missing file");
    assert!(
        error
            .to_string()
            .starts_with("cannot read runbook missing/runbook.md"),
        "{error}"
    );
    let error = runbook::builtin("nope").expect_err("unknown");
    assert!(error.to_string().contains("webhook-outage"), "{error}");
}

#[test]
fn builtin_webhook_outage_parses_and_binds_steps_to_live_checks() {
    let book = runbook::load("webhook-outage").expect("built-in runbook parses");
    assert_eq!(book.name, "webhook-outage");
    let sections: Vec<_> = book
        .sections
        .iter()
        .map(|s| s.title.to_lowercase())
        .collect();
    for wanted in [
        "first five minutes",
        "hypotheses",
        "temporary mitigations",
        "permanent fixes",
        "monitoring and alerts",
        "restoring consistency",
        "follow-up",
    ] {
        assert!(
            sections.iter().any(|s| s.contains(wanted)),
            "no section {wanted:?}"
        );
    }

    // The demo repairs its faults when these steps are ticked.
    let mitigations = [
        (
            "renew-certificate",
            CheckBinding::Hop {
                hop: HopId::Tls,
                target: None,
            },
        ),
        (
            "roll-back",
            CheckBinding::Hop {
                hop: HopId::Http,
                target: None,
            },
        ),
        ("restart-queue", CheckBinding::Dependency("queue".into())),
    ];
    for (id, check) in mitigations {
        let step = book.step(id).unwrap_or_else(|| panic!("no step {id}"));
        assert_eq!(step.kind, Some(StepKind::Mitigate), "{id}");
        assert_eq!(step.check.as_ref(), Some(&check), "{id}");
    }
    assert!(
        book.steps()
            .any(|s| s.check == Some(CheckBinding::Reconcile))
    );
    assert!(book.steps().any(|s| s.check == Some(CheckBinding::Logs5xx)));
    for hop in HopId::ALL {
        assert!(
            book.steps()
                .any(|s| matches!(&s.check, Some(CheckBinding::Hop { hop: h, .. }) if *h == hop)),
            "no step bound to {hop:?}"
        );
    }
    assert!(book.steps().any(|s| s.kind == Some(StepKind::FollowUp)));
}

#[test]
fn builtin_is_written_beside_the_config_and_not_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("warroom.toml");
    let path = runbook::write_builtin_beside(&config, "webhook-outage", false).expect("written");
    assert_eq!(path, dir.path().join("webhook-outage.md"));
    let written = runbook::load_file(&path).expect("written runbook parses");
    assert_eq!(
        written.steps().count(),
        runbook::builtin("webhook-outage")
            .expect("b")
            .steps()
            .count()
    );

    std::fs::write(&path, "# edited\n").expect("edit");
    let error = runbook::write_builtin_beside(&config, "webhook-outage", false).expect_err("kept");
    assert!(error.to_string().contains("--force"), "{error}");
    runbook::write_builtin_beside(&config, "webhook-outage", true).expect("forced");
}
