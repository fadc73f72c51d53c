//! The dashboard's log worker: backfill, live lines delivered once, coalesced updates, the
//! histogram snapshot and source status, all through the bounded channel.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use warroom::logs::histogram::Window;
use warroom::logs::snapshot::LogUpdate;
use warroom::logs::source::{SourceOptions, StartAt};
use warroom::logs::view::LogView;
use warroom::logs::worker::{LogWorker, LogWorkerConfig};
use warroom::logs::{SourcePlan, StatusClass};

fn access_line(i: usize, status: u16) -> String {
    format!(
        "10.0.0.1 - - [01/Jun/2024:00:00:00 +0000] \"GET /p{i} HTTP/1.1\" {status} 1 \"-\" \"t\"\n"
    )
}

async fn next_update(worker: &mut LogWorker) -> LogUpdate {
    tokio::time::timeout(Duration::from_secs(10), worker.updates.recv())
        .await
        .expect("an update within 10 s")
        .expect("the worker is running")
}

#[tokio::test]
async fn worker_backfills_then_streams_each_line_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("access.log");
    let mut history = String::new();
    for i in 0..1500 {
        history.push_str(&access_line(i, 200));
    }
    std::fs::write(&log, history).expect("write history");

    let plans = SourcePlan::from_specs(&[log.display().to_string()], None).expect("plans");
    let mut config = LogWorkerConfig::new(plans);
    config.sources = SourceOptions {
        start: StartAt::End {
            backfill_lines: 1000,
        },
        ..SourceOptions::default()
    };
    config.publish_interval = Duration::from_millis(100);
    let mut worker = LogWorker::spawn(config).expect("spawn worker");
    let mut view = LogView::default();
    let mut seen = HashSet::new();

    while view.lines.len() < 1000 {
        let update = next_update(&mut worker).await;
        for line in &update.lines {
            assert!(seen.insert(line.seq), "line {} delivered twice", line.seq);
            assert!(line.backfill);
        }
        view.apply(update);
    }
    assert_eq!(
        view.lines.len(),
        1000,
        "exactly the last 1,000 lines as backfill"
    );
    assert_eq!(view.lines[0].path.as_deref(), Some("/p500"));

    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open");
    for i in 0..50 {
        let status = if i % 5 == 0 { 503 } else { 200 };
        file.write_all(access_line(i, status).as_bytes())
            .expect("append");
    }
    file.write_all(b"\x1b]0;owned\x07 not a request\n")
        .expect("append");
    drop(file);

    while view.lines.len() < 1051 {
        let update = next_update(&mut worker).await;
        for line in &update.lines {
            assert!(seen.insert(line.seq), "line {} delivered twice", line.seq);
            assert!(!line.backfill);
        }
        view.apply(update);
    }
    let last = view.lines.back().expect("a line");
    assert_eq!(last.text, "\\x1b]0;owned\\x07 not a request");
    assert!(!last.parsed);

    let histogram = view.histogram.clone().expect("a histogram");
    let minute = histogram.window(Window::OneMinute).expect("1m window");
    assert_eq!(minute.classes[StatusClass::ServerError.index()], 10);
    assert_eq!(
        minute.requests, 50,
        "backfill is not in the sliding windows"
    );
    let all = histogram.window(Window::SinceStart).expect("since start");
    assert_eq!(all.requests, 1050);
    assert_eq!(histogram.series.len(), 900);
    assert_eq!(view.sources[0].lines, 1051);
    assert_eq!(view.sources[0].format, Some("combined"));
    worker.shutdown();
}
