//! The journal under process death and contention, with real processes: this test binary
//! re-executes itself with a filter and an environment variable to become an appender.
//!
//! - killed with SIGKILL mid-burst, every entry the appender acknowledged is in the file and
//!   the file still reads;
//! - two appenders at once lose nothing and never interleave lines.

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use chrono::Utc;
use warroom::timeline::{Actor, Entry, EntryKind, Journal, journal};

const CHILD_ENV: &str = "WARROOM_TEST_JOURNAL_APPENDER";

/// Not a test of its own: the body of the child process, run only when the parent sets
/// `CHILD_ENV` to `path;count;padding;name`.
#[test]
fn appender_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(';').collect();
    let (path, count, padding, name) = (parts[0], parts[1], parts[2], parts[3]);
    let count: usize = count.parse().expect("count");
    let padding: usize = padding.parse().expect("padding");
    let (journal, _) = Journal::open(Path::new(path)).expect("open journal");
    let actor = Actor::new(name, "test-host");
    let filler = "x".repeat(padding);
    let stdout = std::io::stdout();
    for n in 0..count {
        let entry = Entry::new(
            Utc::now(),
            actor.clone(),
            EntryKind::Note,
            format!("{name} {n} {filler}"),
        );
        let recorded = journal.append(&entry).expect("append");
        let mut out = stdout.lock();
        writeln!(out, "ACK {}", recorded.id).expect("stdout");
        out.flush().expect("flush");
    }
}

fn spawn_appender(path: &Path, count: usize, padding: usize, name: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "appender_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            CHILD_ENV,
            format!("{};{count};{padding};{name}", path.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn appender")
}

/// The id on an acknowledgement line; libtest may print its own "test ... " before the first.
fn acknowledged(line: &str) -> Option<String> {
    line.split_once("ACK ").map(|(_, id)| id.trim().to_owned())
}

#[test]
fn sigkill_mid_burst_keeps_every_acknowledged_entry_and_the_file_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("incident.jsonl");
    let mut child = spawn_appender(&path, 100_000, 200, "burst");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();

    let mut acked = Vec::new();
    while acked.len() < 200 {
        let line = lines.next().expect("child output").expect("utf-8 line");
        acked.extend(acknowledged(&line));
    }
    child.kill().expect("SIGKILL");
    // Whatever the child printed before it died was acknowledged too.
    acked.extend(lines.map_while(Result::ok).filter_map(|l| acknowledged(&l)));
    child.wait().expect("reap");

    let replay = journal::read(&path).expect("journal still reads");
    let ids: HashSet<_> = replay.entries.iter().map(|e| e.id.to_string()).collect();
    for id in &acked {
        assert!(ids.contains(id), "acknowledged entry {id} is missing");
    }
    // A torn tail is the only damage a kill may leave.
    assert!(replay.problems.len() <= 1, "{:?}", replay.problems);

    // And the journal takes new entries after the crash, on a line of their own.
    let (journal, _) = Journal::open(&path).expect("reopen");
    let entry = Entry::new(
        Utc::now(),
        Actor::new("after", "h"),
        EntryKind::Note,
        "after the crash",
    );
    journal.append(&entry).expect("append after crash");
    let replay = journal::read(&path).expect("read");
    assert_eq!(replay.entries.last().map(|e| e.id.clone()), Some(entry.id));
}

#[test]
fn two_processes_appending_at_once_lose_nothing_and_never_interleave() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.jsonl");
    let per_child = 300;
    // Large lines make an interleaving easy to see if locking ever failed.
    let children = [
        spawn_appender(&path, per_child, 6000, "alpha"),
        spawn_appender(&path, per_child, 6000, "beta"),
    ];
    let mut acked = HashSet::new();
    for mut child in children {
        let stdout = child.stdout.take().expect("piped stdout");
        acked.extend(
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| acknowledged(&l)),
        );
        assert!(child.wait().expect("wait").success());
    }
    assert_eq!(acked.len(), 2 * per_child);

    let replay = journal::read(&path).expect("read");
    assert!(replay.problems.is_empty(), "{:?}", replay.problems);
    assert_eq!(replay.entries.len(), 2 * per_child);
    let ids: HashSet<_> = replay.entries.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, acked);
    for name in ["alpha", "beta"] {
        let mut numbers: Vec<usize> = replay
            .entries
            .iter()
            .filter(|e| e.actor.name == name)
            .map(|e| {
                e.text
                    .split(' ')
                    .nth(1)
                    .and_then(|n| n.parse().ok())
                    .expect("number")
            })
            .collect();
        let in_file_order = numbers.clone();
        numbers.sort_unstable();
        assert_eq!(in_file_order, numbers, "{name}'s entries out of order");
    }
}
