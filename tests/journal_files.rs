//! The journal's file handling: torn tails, malformed lines, fields from newer versions,
//! permissions, the default name, and watching entries that other processes append.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{TimeZone as _, Utc};
use warroom::timeline::journal::{self, LineProblemKind};
use warroom::timeline::redact::Redactor;
use warroom::timeline::{Actor, Entry, EntryKind, Journal, JournalEvent, Tail, Watcher};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/journals")
        .join(name)
}

fn copy_fixture(name: &str, dir: &Path) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(fixture(name), &path).expect("copy fixture");
    path
}

fn note(text: &str) -> Entry {
    Entry::new(
        Utc::now(),
        Actor::new("tester", "host"),
        EntryKind::Note,
        text,
    )
}

#[test]
fn torn_tail_is_reported_skipped_and_never_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_fixture("torn-tail.jsonl", dir.path());
    let before = std::fs::read(&path).expect("read");

    let (journal, replay) = Journal::open(&path).expect("open");
    assert_eq!(replay.entries.len(), 2);
    assert_eq!(replay.problems.len(), 1);
    assert_eq!(replay.problems[0].line, 3);
    assert_eq!(replay.problems[0].kind, LineProblemKind::TornTail);
    assert!(replay.problems[0].to_string().contains("line 3"));

    let entry = note("first entry after the crash");
    journal.append(&entry).expect("append");
    let after = std::fs::read(&path).expect("read");
    assert!(after.starts_with(&before), "old bytes were rewritten");
    assert_eq!(
        after[before.len()],
        b'\n',
        "new entry must start on a fresh line"
    );

    let replay = journal::read(&path).expect("read again");
    assert_eq!(replay.entries.len(), 3);
    assert_eq!(replay.entries[2].id, entry.id);
    // The torn fragment is now an ordinary bad line 3, still kept and still reported.
    assert_eq!(replay.problems.len(), 1);
    assert_eq!(replay.problems[0].line, 3);
    assert!(matches!(
        replay.problems[0].kind,
        LineProblemKind::Malformed(_)
    ));
}

#[test]
fn malformed_lines_in_the_middle_are_reported_with_their_numbers() {
    let replay = journal::read(&fixture("malformed-middle.jsonl")).expect("read");
    let lines: Vec<_> = replay.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 3]);
    let texts: Vec<_> = replay.entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, ["first", "third"]);
}

#[test]
fn fields_from_a_newer_version_survive_a_round_trip() {
    let path = fixture("newer-version.jsonl");
    let replay = journal::read(&path).expect("read");
    assert!(replay.problems.is_empty(), "{:?}", replay.problems);
    let original = std::fs::read_to_string(&path).expect("read");
    for (line, entry) in original.lines().zip(&replay.entries) {
        let want: serde_json::Value = serde_json::from_str(line).expect("json");
        let got: serde_json::Value =
            serde_json::from_str(&entry.to_line().expect("encode")).expect("json");
        assert_eq!(got, want);
    }
    assert_eq!(replay.entries[1].kind.word(), "decision");
}

#[test]
fn a_new_journal_is_readable_by_its_owner_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.jsonl");
    let (journal, replay) = Journal::open(&path).expect("open");
    assert!(replay.entries.is_empty());
    journal.append(&note("hello")).expect("append");
    let mode = std::fs::metadata(&path)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn secrets_are_redacted_before_they_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret.jsonl");
    let (journal, _) = Journal::open(&path).expect("open");
    let journal = journal.with_redactor(Redactor::new(["hunter2-token".to_owned()]));
    let entry = note("probing https://ops:pw@hooks.example.com with hunter2-token");
    let recorded = journal.append(&entry).expect("append");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        !text.contains("hunter2-token") && !text.contains("ops:pw"),
        "{text}"
    );
    assert_eq!(
        recorded.text,
        "probing https://[redacted]@hooks.example.com with [redacted]"
    );
}

#[test]
fn default_name_is_the_utc_date_and_the_title() {
    let now = Utc
        .with_ymd_and_hms(2026, 3, 2, 23, 59, 0)
        .single()
        .expect("time");
    assert_eq!(
        journal::default_path(now, Some("Webhooks failing: Stripe!")),
        PathBuf::from("2026-03-02-webhooks-failing-stripe.jsonl")
    );
    assert_eq!(
        journal::default_path(now, None),
        PathBuf::from("2026-03-02-incident.jsonl")
    );
}

#[test]
fn tail_waits_for_a_line_to_be_complete_and_skips_its_own_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tail.jsonl");
    let (ours, _) = Journal::open(&path).expect("open ours");
    let (theirs, _) = Journal::open(&path).expect("open theirs");
    let mut tail = Tail::after(&ours).expect("tail");

    ours.append(&note("mine")).expect("append");
    let other = note("theirs");
    theirs.append(&other).expect("append");
    let events = tail.poll().expect("poll");
    assert_eq!(events, vec![JournalEvent::Entry(Box::new(other))]);
    assert!(tail.poll().expect("poll again").is_empty());

    // Half a line (another process mid-write, or a crash) is not delivered until complete.
    let partial = note("half");
    let line = partial.to_line().expect("encode");
    let (head, rest) = line.split_at(line.len() / 2);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, head.as_bytes()))
        .expect("write half");
    assert!(tail.poll().expect("poll").is_empty());
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{rest}\n").as_bytes()))
        .expect("write rest");
    assert_eq!(
        tail.poll().expect("poll"),
        vec![JournalEvent::Entry(Box::new(partial))]
    );
}

#[test]
fn watcher_delivers_other_processes_entries_within_a_second_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("watched.jsonl");
    let (ours, _) = Journal::open(&path).expect("open ours");
    let (theirs, _) = Journal::open(&path).expect("open theirs");
    let (sender, received) = mpsc::channel();
    let watcher = Watcher::spawn(&ours, move |event| sender.send(event).is_ok()).expect("watch");

    let mut expected = HashSet::new();
    for n in 0..5 {
        ours.append(&note(&format!("ours {n}")))
            .expect("append ours");
        let entry = note(&format!("theirs {n}"));
        theirs.append(&entry).expect("append theirs");
        expected.insert(entry.id);
    }
    let started = Instant::now();
    let mut delivered = Vec::new();
    while delivered.len() < expected.len() {
        let remaining = Duration::from_secs(1).saturating_sub(started.elapsed());
        match received.recv_timeout(remaining) {
            Ok(JournalEvent::Entry(entry)) => delivered.push(entry.id),
            Ok(other) => panic!("unexpected event {other:?}"),
            Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => panic!(
                "only {} of {} entries within a second",
                delivered.len(),
                expected.len()
            ),
        }
    }
    // Nothing further arrives: no duplicates, none of our own.
    assert!(received.recv_timeout(Duration::from_millis(600)).is_err());
    drop(watcher);
    assert_eq!(delivered.iter().cloned().collect::<HashSet<_>>(), expected);
    assert_eq!(delivered.len(), expected.len());
}

#[test]
fn threads_sharing_one_journal_never_interleave() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("threads.jsonl");
    let (journal, _) = Journal::open(&path).expect("open");
    let journal = std::sync::Arc::new(journal);
    let padding = "y".repeat(20_000);
    let workers: Vec<_> = (0..4)
        .map(|n| {
            let journal = std::sync::Arc::clone(&journal);
            let padding = padding.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    journal
                        .append(&note(&format!("{n}-{i} {padding}")))
                        .expect("append");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let replay = journal::read(&path).expect("read");
    assert!(replay.problems.is_empty(), "{:?}", replay.problems);
    assert_eq!(replay.entries.len(), 100);
}
