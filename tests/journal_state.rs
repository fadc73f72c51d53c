//! Rebuilding the incident from its journal: checklist, milestones, clocks, severity, status,
//! roles and the ordered timeline, including after a restart on the same file.

use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use warroom::runbook;
use warroom::timeline::state::DEFAULT_STATUS_REMINDER;
use warroom::timeline::{
    Actor, Author, EntryKind, Incident, Journal, Milestone, Role, Severity, Status, StepState,
    TimelineFilter,
};

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, minute, 0)
        .single()
        .expect("valid time")
}

fn alice() -> Author {
    Author::new(Actor::new("alice", "bastion-1"))
}

#[test]
fn ticks_skips_owners_and_notes_are_restored_after_a_restart() {
    let book = runbook::builtin("webhook-outage").expect("built-in");
    let outline = book.outline();
    let step = |id: &str| outline.step(id).expect("step").clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("incident.jsonl");
    let author = alice();

    {
        let (journal, _) = Journal::open(&path).expect("open");
        let entries = [
            author.open_incident(at(10, 0), "Webhooks failing"),
            author.runbook_loaded(at(10, 0), &book),
            author.tick(at(10, 1), &step("check-dns")),
            author.step(at(10, 2), &step("check-tls"), StepState::Doing, None),
            author.skip(at(10, 3), &step("check-waf"), "no WAF in front of hooks"),
            author.step(
                at(10, 4),
                &step("check-queue"),
                StepState::Failed,
                Some("port closed"),
            ),
            author.owner(at(10, 5), &step("check-tls"), "bob"),
            author.note(at(10, 6), "provider confirms 100% failures"),
        ];
        for entry in &entries {
            journal.append(entry).expect("append");
        }
    }

    // A new process on the same journal, even without the runbook, rebuilds the same state.
    let (_, replay) = Journal::open(&path).expect("reopen");
    let incident = Incident::from_entries(None, &replay.entries);
    let checklist = &incident.checklist;
    assert_eq!(
        checklist.outline().map(|o| o.name.as_str()),
        Some("webhook-outage")
    );
    assert_eq!(checklist.progress("check-dns").state, StepState::Done);
    assert_eq!(
        checklist.progress("check-dns").changed_by.as_deref(),
        Some("alice")
    );
    assert_eq!(checklist.progress("check-tls").state, StepState::Doing);
    assert_eq!(checklist.owner("check-tls"), Some("bob"));
    assert_eq!(checklist.owner("renew-certificate"), Some("ic"));
    let waf = checklist.progress("check-waf");
    assert_eq!(
        (waf.state, waf.reason.as_deref()),
        (StepState::Skipped, Some("no WAF in front of hooks"))
    );
    assert_eq!(checklist.progress("check-queue").state, StepState::Failed);
    assert_eq!(checklist.progress("roll-back").state, StepState::Todo);
    assert_eq!(checklist.section_progress(0).settled, 2);
    assert_eq!(checklist.total_progress().settled, 2);
    assert_eq!(incident.state.title.as_deref(), Some("Webhooks failing"));
    assert!(
        incident
            .timeline
            .entries()
            .iter()
            .any(|e| e.text == "provider confirms 100% failures")
    );
    assert!(!incident.needs_runbook_entry(&book));
    assert!(Incident::new(Some(&book)).needs_runbook_entry(&book));
}

#[test]
fn milestones_drive_the_clocks_and_corrections_move_them() {
    let author = alice();
    let detected = author.milestone(at(10, 10), Milestone::Detected, at(10, 5));
    let entries = [
        author.milestone(at(10, 10), Milestone::ImpactStarted, at(10, 0)),
        detected.clone(),
        author.milestone(at(10, 30), Milestone::Mitigated, at(10, 30)),
        author.milestone(at(11, 0), Milestone::Resolved, at(11, 0)),
        author.milestone(at(12, 0), Milestone::ConsistencyRestored, at(12, 0)),
    ];
    let mut incident = Incident::from_entries(None, &entries);
    let minutes = |m: u64| Some(Duration::from_secs(m * 60));
    let clocks = incident.state.clocks(at(12, 30), DEFAULT_STATUS_REMINDER);
    assert_eq!(clocks.since_start, minutes(150));
    assert_eq!(clocks.to_detect, minutes(5));
    assert_eq!(clocks.to_mitigate, minutes(30));
    assert_eq!(clocks.to_resolve, minutes(60));
    assert_eq!(clocks.to_restore, minutes(120));

    incident.apply(&author.correct_time(at(12, 40), &detected, at(10, 3)));
    let clocks = incident.state.clocks(at(12, 30), DEFAULT_STATUS_REMINDER);
    assert_eq!(clocks.to_detect, minutes(3));
    let corrected = incident
        .timeline
        .entries()
        .iter()
        .find(|e| e.id == detected.id)
        .expect("kept");
    assert_eq!(corrected.occurred_at, at(10, 3));
    let times: Vec<_> = incident
        .timeline
        .entries()
        .iter()
        .map(|e| e.occurred_at)
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "timeline out of order: {times:?}"
    );
}

#[test]
fn severity_keeps_its_peak_and_status_updates_reset_the_reminder() {
    let author = alice();
    let mut incident = Incident::default();
    for (minute, level, previous) in [(0, 3, None), (5, 1, Some(3)), (20, 2, Some(1))] {
        incident.apply(&author.severity(
            at(10, minute),
            Severity::new(level),
            previous.map(Severity::new),
        ));
    }
    assert_eq!(incident.state.severity, Some(Severity::new(2)));
    assert_eq!(incident.state.next_severity(true), Severity::WORST);
    assert_eq!(incident.state.next_severity(false), Severity::new(3));
    assert_eq!(
        Incident::default().state.next_severity(true),
        Severity::new(3)
    );
    assert_eq!(incident.state.peak_severity, Some(Severity::new(1)));
    assert_eq!(Severity::new(2).raised(), Severity::WORST);
    assert_eq!(Severity::WORST.raised(), Severity::WORST);
    assert_eq!(Severity::LEAST.lowered(), Severity::LEAST);

    incident.apply(&author.status(at(10, 10), Status::Identified, "certificate expired"));
    let clocks = incident.state.clocks(at(10, 39), DEFAULT_STATUS_REMINDER);
    assert!(!clocks.status_update_due);
    let clocks = incident.state.clocks(at(10, 41), DEFAULT_STATUS_REMINDER);
    assert!(clocks.status_update_due);
    assert_eq!(
        clocks.since_status_update,
        Some(Duration::from_secs(31 * 60))
    );

    incident.apply(&author.status(at(10, 45), Status::Resolved, ""));
    assert!(
        !incident
            .state
            .clocks(at(13, 0), DEFAULT_STATUS_REMINDER)
            .status_update_due
    );
    assert_eq!(incident.state.status, Some(Status::Resolved));
}

#[test]
fn roles_are_assigned_and_reassigned() {
    let author = alice();
    let entries = [
        author.role(at(10, 0), Role::Commander, "alice"),
        author.role(at(10, 1), Role::Scribe, "bob"),
        author.role(at(10, 2), Role::Commander, "carol"),
    ];
    let incident = Incident::from_entries(None, &entries);
    assert_eq!(
        incident
            .state
            .roles
            .get(&Role::Commander)
            .map(String::as_str),
        Some("carol")
    );
    assert_eq!(
        incident.state.roles.get(&Role::Scribe).map(String::as_str),
        Some("bob")
    );
    assert_eq!(entries[2].text, "carol is commander");
}

#[test]
fn applying_an_entry_twice_changes_nothing() {
    let book = runbook::builtin("webhook-outage").expect("built-in");
    let author = alice();
    let tick = author.tick(at(10, 1), book.outline().step("check-dns").expect("step"));
    let mut incident = Incident::new(Some(&book));
    assert!(incident.apply(&tick));
    let snapshot = incident.clone();
    assert!(!incident.apply(&tick));
    assert_eq!(incident, snapshot);
}

#[test]
fn timeline_filter_by_kind_people_and_text() {
    let author = alice();
    let auto = Author::new(Actor::new(warroom::timeline::entry::AUTOMATIC_ACTOR, "h"));
    let entries = [
        author.note(at(10, 0), "Provider says TLS handshake fails"),
        auto.note(at(10, 1), "tls of api failing"),
        author.severity(at(10, 2), Severity::new(2), None),
    ];
    let incident = Incident::from_entries(None, &entries);
    let count = |filter: TimelineFilter| incident.timeline.filtered(&filter).count();
    assert_eq!(count(TimelineFilter::default()), 3);
    assert_eq!(
        count(TimelineFilter {
            people_only: true,
            ..TimelineFilter::default()
        }),
        2
    );
    assert_eq!(
        count(TimelineFilter {
            search: "tls".into(),
            ..TimelineFilter::default()
        }),
        2
    );
    assert_eq!(
        count(TimelineFilter {
            kinds: vec![EntryKind::Severity],
            ..TimelineFilter::default()
        }),
        1
    );
}

#[test]
fn startup_records_the_title_and_runbook_once() {
    let book = runbook::builtin("webhook-outage").expect("built-in");
    let author = alice();
    let incident = Incident::new(Some(&book));
    let first = author.startup_entries(at(10, 0), &incident, Some("Webhooks failing"), Some(&book));
    assert_eq!(first.len(), 2);
    let resumed = Incident::from_entries(Some(&book), &first);
    assert!(
        author
            .startup_entries(at(11, 0), &resumed, Some("Other title"), Some(&book))
            .is_empty()
    );
}

#[test]
fn a_checklist_without_a_given_runbook_follows_the_latest_recorded_one() {
    let first = runbook::parse("# One\n## S\n- [ ] a <!-- id=a -->\n", "one.md").expect("one");
    let second = runbook::parse("# Two\n## S\n- [ ] b <!-- id=b -->\n", "two.md").expect("two");
    let author = alice();
    let entries = [
        author.runbook_loaded(at(10, 0), &first),
        author.runbook_loaded(at(10, 5), &second),
    ];
    let replayed = Incident::from_entries(None, &entries);
    assert_eq!(
        replayed.checklist.outline().map(|o| o.title.as_str()),
        Some("Two")
    );
    let pinned = Incident::from_entries(Some(&first), &entries);
    assert_eq!(
        pinned.checklist.outline().map(|o| o.title.as_str()),
        Some("One")
    );
    assert!(pinned.needs_runbook_entry(&first));
    assert!(!pinned.needs_runbook_entry(&second));
}

#[test]
fn pasted_notes_become_one_line() {
    let entry = alice().note(at(10, 0), "  line one\nline two\r\n\tthree  ");
    assert_eq!(entry.text, "line one line two three");
}

#[test]
fn two_dashboards_on_one_journal_see_each_others_ticks_within_a_second() {
    use std::sync::mpsc;
    use warroom::timeline::{JournalEvent, Watcher};

    let book = runbook::builtin("webhook-outage").expect("built-in");
    let outline = book.outline();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.jsonl");
    let (alice_journal, _) = Journal::open(&path).expect("alice opens");
    let (bob_journal, replay) = Journal::open(&path).expect("bob opens");
    let mut bobs_view = Incident::from_entries(Some(&book), &replay.entries);
    let (sender, received) = mpsc::sync_channel(16);
    let _watcher =
        Watcher::spawn(&bob_journal, move |event| sender.send(event).is_ok()).expect("watch");

    let tick = alice().tick(Utc::now(), outline.step("renew-certificate").expect("step"));
    alice_journal.append(&tick).expect("alice ticks");
    let started = std::time::Instant::now();
    match received.recv_timeout(Duration::from_secs(1)) {
        Ok(JournalEvent::Entry(entry)) => assert!(bobs_view.apply(&entry)),
        other => panic!("bob did not see alice's tick within a second: {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        bobs_view.checklist.progress("renew-certificate").state,
        StepState::Done
    );
    assert_eq!(
        bobs_view
            .checklist
            .progress("renew-certificate")
            .changed_by
            .as_deref(),
        Some("alice")
    );
}
