//! Properties of the journal reader: a journal cut at any byte reads as a prefix of what was
//! written with at most one torn line, and garbage lines never hide or invent entries.

use chrono::{TimeZone as _, Utc};
use proptest::prelude::*;
use warroom::timeline::journal::{self, LineProblemKind};
use warroom::timeline::{Actor, Entry, EntryKind};

fn entries(texts: &[String]) -> Vec<Entry> {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .expect("time");
    texts
        .iter()
        .enumerate()
        .map(|(n, text)| {
            let at = start + chrono::TimeDelta::seconds(n as i64);
            Entry::new(at, Actor::new("p", "h"), EntryKind::Note, text.clone())
        })
        .collect()
}

fn file_bytes(entries: &[Entry]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in entries {
        bytes.extend_from_slice(entry.to_line().expect("encode").as_bytes());
        bytes.push(b'\n');
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_journal_cut_anywhere_reads_as_a_prefix(
        texts in prop::collection::vec(".{0,40}", 1..12),
        cut_fraction in 0.0f64..=1.0,
    ) {
        let written = entries(&texts);
        let bytes = file_bytes(&written);
        let cut = ((bytes.len() as f64) * cut_fraction) as usize;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cut.jsonl");
        std::fs::write(&path, &bytes[..cut]).expect("write");

        let replay = journal::read(&path).expect("read");
        prop_assert!(replay.entries.len() <= written.len());
        prop_assert_eq!(&replay.entries[..], &written[..replay.entries.len()]);
        prop_assert!(replay.problems.len() <= 1);
        if let Some(problem) = replay.problems.first() {
            prop_assert_eq!(&problem.kind, &LineProblemKind::TornTail);
        }
        // Only the entry the cut went through may be lost.
        let complete_lines = memchr::memchr_iter(b'\n', &bytes[..cut]).count();
        prop_assert!(replay.entries.len() >= complete_lines);
    }

    #[test]
    fn garbage_lines_are_reported_and_never_hide_entries(
        texts in prop::collection::vec("[a-z ]{0,20}", 0..8),
        garbage in prop::collection::vec("[^\n]{1,30}", 0..5),
    ) {
        let written = entries(&texts);
        let mut bytes = Vec::new();
        let mut garbage_lines = 0;
        for (n, entry) in written.iter().enumerate() {
            if let Some(junk) = garbage.get(n)
                && serde_json::from_str::<Entry>(junk).is_err()
                && !junk.trim().is_empty()
            {
                garbage_lines += 1;
                bytes.extend_from_slice(junk.as_bytes());
                bytes.push(b'\n');
            }
            bytes.extend_from_slice(entry.to_line().expect("encode").as_bytes());
            bytes.push(b'\n');
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("garbage.jsonl");
        std::fs::write(&path, &bytes).expect("write");
        let replay = journal::read(&path).expect("read");
        prop_assert_eq!(&replay.entries, &written);
        prop_assert_eq!(replay.problems.len(), garbage_lines);
    }
}
