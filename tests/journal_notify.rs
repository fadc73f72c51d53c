//! Chat notifications against a loopback HTTP server: a failed post is reported and retried,
//! the retry lands, the body is Slack-compatible JSON, and a full queue refuses at once.

use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use warroom::timeline::notify::{Notifier, NotifyError, NotifySettings, PostOutcome, message_for};
use warroom::timeline::{Actor, Author, EntryKind, Milestone};

/// Reads one HTTP request and returns its body.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.expect("read");
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text[end + 4..end + 4 + length].to_owned();
            }
        }
    }
    String::new()
}

#[tokio::test]
async fn failed_posts_are_reported_and_retried_until_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/hooks/secret-path",
        listener.local_addr().expect("addr")
    );
    let (bodies_tx, mut bodies) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for status in ["500 Internal Server Error", "200 OK"] {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let body = read_request(&mut stream).await;
            let response =
                format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            stream.write_all(response.as_bytes()).await.expect("write");
            bodies_tx.send(body).expect("send body");
        }
    });

    let mut settings = NotifySettings::new(url);
    settings.first_backoff = Duration::from_millis(50);
    settings.max_attempts = 3;
    let (results_tx, mut results) = mpsc::unbounded_channel();
    let notifier = Notifier::spawn(settings, move |result| {
        let _ = results_tx.send(result);
    })
    .expect("notifier");

    let started = Instant::now();
    notifier
        .post("[Webhooks failing] status: identified (alice)".into())
        .expect("queued");
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "post must not wait"
    );

    let first = results.recv().await.expect("first attempt");
    assert_eq!(first.attempt, 1);
    assert_eq!(
        first.outcome,
        PostOutcome::Failed {
            error: "HTTP 500".into(),
            retry_in: Some(Duration::from_millis(50))
        }
    );
    let second = results.recv().await.expect("second attempt");
    assert_eq!(
        (second.attempt, second.outcome.clone()),
        (2, PostOutcome::Sent)
    );

    let body: serde_json::Value =
        serde_json::from_str(&bodies.recv().await.expect("body")).expect("json");
    assert_eq!(
        body["text"],
        "[Webhooks failing] status: identified (alice)"
    );

    let entry = first.to_entry(Actor::new("warroom", "h"), Utc::now());
    assert_eq!(entry.kind, EntryKind::Comms);
    assert!(
        entry
            .text
            .starts_with("chat post failed (HTTP 500); retrying in"),
        "{}",
        entry.text
    );
    assert!(!entry.text.contains("secret-path"));
    let entry = second.to_entry(Actor::new("warroom", "h"), Utc::now());
    assert_eq!(entry.evidence.as_ref().expect("evidence")["result"], "sent");
}

#[tokio::test]
async fn a_full_queue_refuses_without_waiting() {
    // A server that accepts and never answers keeps the first message in flight.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut settings = NotifySettings::new(url);
    settings.queue_len = 1;
    let notifier = Notifier::spawn(settings, |_| {}).expect("notifier");
    let started = Instant::now();
    let results: Vec<_> = (0..3)
        .map(|n| notifier.post(format!("update {n}")))
        .collect();
    assert!(started.elapsed() < Duration::from_millis(250));
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(NotifyError::QueueFull(1)))),
        "{results:?}"
    );
}

#[test]
fn only_milestones_status_and_severity_are_announced() {
    let author = Author::new(Actor::new("alice", "h"));
    let now = Utc::now();
    let milestone = author.milestone(now, Milestone::Mitigated, now);
    assert_eq!(
        message_for(&milestone, Some("Webhooks failing")).as_deref(),
        Some("[Webhooks failing] milestone: mitigated (alice)")
    );
    assert!(message_for(&author.note(now, "just a note"), None).is_none());
}
