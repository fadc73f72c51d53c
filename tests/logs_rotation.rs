//! The rotation matrix, each case against the real binary: exact line counts through rename,
//! copytruncate, truncate-and-regrow, delete, a file that appears late, a symlink swap, a NUL
//! hole and a partial line; and the burst of 500,000 lines through four rotations.

mod logs_support;

use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::symlink;

use logs_support::{Follow, append, pause, remove, source, write_new};

#[test]
fn rename_and_recreate_keeps_late_writes_to_the_old_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("access.log");
    write_new(&log, "a1\na2\n");
    let mut follow = Follow::start(&log, 3.0, &[]);
    follow.wait_for_lines(2);

    append(&log, "a3\n");
    fs::rename(&log, dir.path().join("access.log.1")).expect("rename");
    append(&dir.path().join("access.log.1"), "late-write-to-old\n");
    pause(300);
    write_new(&log, "b1\n");
    append(&log, "b2\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 6, "{summary}");
    assert_eq!(source(&summary)["rotations"], 1);
}

#[test]
fn copytruncate_reads_the_new_content_from_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("app.log");
    write_new(&log, "a1\na2\n");
    let mut follow = Follow::start(&log, 3.0, &[]);
    follow.wait_for_lines(2);

    fs::copy(&log, dir.path().join("app.log.1")).expect("copy");
    OpenOptions::new()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    pause(300);
    append(&log, "b1\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 3, "{summary}");
    assert_eq!(source(&summary)["truncations"], 1);
}

#[test]
fn truncate_then_regrow_past_the_old_offset_is_caught_by_the_head_fingerprint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("app.log");
    write_new(&log, "a1-0123456789\na2-0123456789\n");
    let mut follow = Follow::start(&log, 3.0, &[]);
    follow.wait_for_lines(2);

    // One write that truncates and regrows, so the follower never sees the file short.
    write_new(&log, "b1-0123456789\nb2-0123456789\nb3-0123456789\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 5, "{summary}");
    assert_eq!(source(&summary)["truncations"], 1);
}

#[test]
fn a_deleted_log_that_reappears_is_followed_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("app.log");
    write_new(&log, "a1\n");
    let mut follow = Follow::start(&log, 3.5, &[]);
    follow.wait_for_lines(1);

    remove(&log);
    pause(1500);
    write_new(&log, "b1\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 2, "{summary}");
    assert_eq!(source(&summary)["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_log_that_does_not_exist_yet_is_read_when_it_appears() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("later.log");
    let follow = Follow::start(&log, 2.0, &[]);
    pause(700);
    write_new(&log, "b1\nb2\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 2, "{summary}");
}

#[test]
fn a_partial_line_is_one_line_once_its_newline_arrives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("app.log");
    write_new(&log, "a1\n");
    let mut follow = Follow::start(&log, 2.5, &[]);
    follow.wait_for_lines(1);

    append(&log, "half-of-a-li");
    pause(600);
    append(&log, "ne\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 2, "{summary}");
    assert_eq!(summary["fragments"], 0);
}

#[test]
fn a_swapped_symlink_is_followed_to_its_new_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (real1, real2) = (dir.path().join("real1"), dir.path().join("real2"));
    let log = dir.path().join("current.log");
    write_new(&real1, "a1\n");
    write_new(&real2, "b1\n");
    symlink(&real1, &log).expect("symlink");
    let mut follow = Follow::start(&log, 3.0, &[]);
    follow.wait_for_lines(1);

    append(&real1, "a2\n");
    pause(400);
    let tmp = dir.path().join("current.tmp");
    symlink(&real2, &tmp).expect("new symlink");
    fs::rename(&tmp, &log).expect("swap symlink");
    pause(400);
    append(&real2, "b2\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 4, "{summary}");
    assert_eq!(source(&summary)["rotations"], 1);
}

#[test]
fn a_nul_hole_from_a_writer_without_append_is_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("app.log");
    let mut writer = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&log)
        .expect("open without O_APPEND");
    writer.write_all(b"a1-0123456789\n").expect("write");
    let mut follow = Follow::start(&log, 3.0, &[]);
    follow.wait_for_lines(1);

    OpenOptions::new()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    pause(400);
    writer.write_all(b"b1\n").expect("write after truncation");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 2, "{summary}");
    assert_eq!(summary["nul_bytes_skipped"], 14);
}

/// The acceptance case: 500,000 lines through three rename-rotations and one
/// copytruncate, then the log deleted and re-created.
#[test]
fn a_burst_through_rotations_is_counted_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("access.log");
    let line = |i: usize| {
        format!(
            "10.0.0.1 - - [01/Jun/2024:00:00:00 +0000] \"GET /item/{i} HTTP/1.1\" {} 512 \"-\" \"t\"\n",
            if i.is_multiple_of(50) { 502 } else { 200 }
        )
    };
    write_new(&log, &line(0));
    let mut follow = Follow::start(&log, 9.0, &[]);
    follow.wait_for_lines(1);

    let mut written = 1usize;
    let write_block = |count: usize, written: &mut usize| {
        let file = OpenOptions::new().append(true).open(&log).expect("open");
        let mut out = BufWriter::with_capacity(1 << 16, file);
        for _ in 0..count {
            out.write_all(line(*written).as_bytes()).expect("write");
            *written += 1;
        }
        out.flush().expect("flush");
    };
    let total = 500_000;
    let block = (total - 1) / 5;
    for rotation in 0..4 {
        write_block(block, &mut written);
        pause(500);
        if rotation == 2 {
            fs::copy(&log, dir.path().join("access.log.ct")).expect("copy");
            OpenOptions::new()
                .write(true)
                .open(&log)
                .and_then(|f| f.set_len(0))
                .expect("copytruncate");
        } else {
            fs::rename(&log, dir.path().join(format!("access.log.{rotation}"))).expect("rename");
            write_new(&log, "");
        }
    }
    write_block(total - written, &mut written);
    assert_eq!(written, total);
    pause(500);
    remove(&log);
    pause(1000);
    write_new(&log, "after-delete-1\nafter-delete-2\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], total as u64 + 2, "{summary}");
    assert_eq!(source(&summary)["rotations"], 3 + 1);
    assert_eq!(source(&summary)["truncations"], 1);
    assert_eq!(summary["classes"]["5xx"], 10_000);
}

/// nginx keeps writing to the renamed file until it is told to reopen its logs.
#[test]
fn writes_to_the_old_file_after_the_switch_are_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("access.log");
    let old = dir.path().join("access.log.1");
    write_new(&log, "a1\n");
    let mut follow = Follow::start(&log, 3.0, &[]);
    follow.wait_for_lines(1);

    fs::rename(&log, &old).expect("rename");
    write_new(&log, "b1\n");
    follow.wait_for_lines(2);
    append(&old, "late-1\n");
    pause(500);
    append(&old, "late-2\n");
    append(&log, "b2\n");

    let summary = follow.finish();
    assert_eq!(summary["lines"], 5, "{summary}");
    assert_eq!(source(&summary)["rotations"], 1);
}
