//! Status updates to chat: milestones and status changes posted as Slack-compatible JSON
//! (`{"text": ...}`) to an incoming-webhook URL, from a bounded queue on a tokio task.
//!
//! [`Notifier::post`] never waits: it queues or refuses at once, so the dashboard stays
//! responsive while chat is slow or down (often it is part of the outage). Each attempt's
//! result is handed to a callback; [`PostResult::to_entry`] turns it into a `comms` entry, so
//! the journal says what was sent, what failed and what will be retried. Failed posts are
//! retried with exponential backoff, in order, up to a limit.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use thiserror::Error;
use tokio::sync::mpsc;

use super::change::Change;
use super::entry::{Actor, Entry, EntryKind};
use crate::duration::format_duration;

/// Where and how to post.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The incoming-webhook URL, already resolved from `env:` (never journaled).
    pub webhook_url: String,
    /// Messages waiting at most; further posts are refused until the queue drains.
    pub queue_len: usize,
    pub max_attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    pub request_timeout: Duration,
}

impl NotifySettings {
    #[must_use]
    pub fn new(webhook_url: impl Into<String>) -> NotifySettings {
        NotifySettings {
            webhook_url: webhook_url.into(),
            queue_len: 32,
            max_attempts: 5,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            request_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Error)]
pub enum NotifyError {
    #[error("cannot set up the chat client: {0}")]
    Client(String),
    #[error("the chat queue is full ({0} messages waiting); this update was not queued")]
    QueueFull(usize),
    #[error("the chat poster has stopped")]
    Stopped,
}

/// What happened to one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostOutcome {
    Sent,
    /// Failed; retried after `retry_in` unless this was the last attempt.
    Failed {
        error: String,
        retry_in: Option<Duration>,
    },
}

/// One attempt at posting one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostResult {
    pub text: String,
    pub attempt: u32,
    pub outcome: PostOutcome,
}

impl PostResult {
    /// The `comms` entry that records this attempt.
    #[must_use]
    pub fn to_entry(&self, actor: Actor, now: DateTime<Utc>) -> Entry {
        let (summary, evidence) = match &self.outcome {
            PostOutcome::Sent => ("posted to chat".to_owned(), json!({"result": "sent"})),
            PostOutcome::Failed { error, retry_in } => {
                let next = retry_in.map_or_else(
                    || "giving up".to_owned(),
                    |d| format!("retrying in {}", format_duration(d)),
                );
                (
                    format!("chat post failed ({error}); {next}"),
                    json!({"result": "failed", "error": error, "retry_in_s": retry_in.map(|d| d.as_secs())}),
                )
            }
        };
        let mut evidence = evidence;
        if let Some(map) = evidence.as_object_mut() {
            map.insert("attempt".into(), self.attempt.into());
            map.insert("message".into(), self.text.clone().into());
        }
        Entry::new(
            now,
            actor,
            EntryKind::Comms,
            format!("{summary}: {}", self.text),
        )
        .with_evidence(evidence)
    }
}

/// The chat message for an entry worth announcing (milestones and status updates), if any.
#[must_use]
pub fn message_for(entry: &Entry, incident_title: Option<&str>) -> Option<String> {
    let announce = matches!(
        entry.change,
        Some(Change::Milestone { .. } | Change::Status { .. } | Change::Severity { .. })
    );
    announce.then(|| match incident_title {
        Some(title) => format!("[{title}] {} ({})", entry.text, entry.actor.name),
        None => format!("{} ({})", entry.text, entry.actor.name),
    })
}

/// The handle the dashboard keeps; dropping it stops the poster after the current attempt.
// Known gap: the queue lives in memory, so updates still waiting when warroom exits are not
// posted; the journal's comms entries show which ones never went out.
#[derive(Debug, Clone)]
pub struct Notifier {
    queue: mpsc::Sender<String>,
    capacity: usize,
}

impl Notifier {
    /// Starts the poster on the current tokio runtime; `report` receives every attempt.
    pub fn spawn<F>(settings: NotifySettings, report: F) -> Result<Notifier, NotifyError>
    where
        F: FnMut(PostResult) + Send + 'static,
    {
        let client = http_client(settings.request_timeout)?;
        let (queue, waiting) = mpsc::channel(settings.queue_len.max(1));
        let capacity = settings.queue_len.max(1);
        tokio::spawn(run(client, settings, waiting, report));
        Ok(Notifier { queue, capacity })
    }

    /// Queues a message without waiting.
    pub fn post(&self, text: String) -> Result<(), NotifyError> {
        self.queue.try_send(text).map_err(|error| match error {
            mpsc::error::TrySendError::Full(_) => NotifyError::QueueFull(self.capacity),
            mpsc::error::TrySendError::Closed(_) => NotifyError::Stopped,
        })
    }
}

fn http_client(timeout: Duration) -> Result<reqwest::Client, NotifyError> {
    let tls = crate::trust::client_config(&[]).map_err(|e| NotifyError::Client(e.to_string()))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .build()
        .map_err(|e| NotifyError::Client(e.to_string()))
}

async fn run<F>(
    client: reqwest::Client,
    settings: NotifySettings,
    mut waiting: mpsc::Receiver<String>,
    mut report: F,
) where
    F: FnMut(PostResult),
{
    while let Some(text) = waiting.recv().await {
        let mut backoff = settings.first_backoff;
        for attempt in 1..=settings.max_attempts {
            let outcome = match send(&client, &settings.webhook_url, &text).await {
                Ok(()) => PostOutcome::Sent,
                Err(error) => PostOutcome::Failed {
                    error,
                    retry_in: (attempt < settings.max_attempts).then_some(backoff),
                },
            };
            let sent = outcome == PostOutcome::Sent;
            report(PostResult {
                text: text.clone(),
                attempt,
                outcome,
            });
            if sent || attempt == settings.max_attempts {
                break;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(settings.max_backoff);
        }
    }
}

async fn send(client: &reqwest::Client, url: &str, text: &str) -> Result<(), String> {
    let response = client
        .post(url)
        .json(&json!({ "text": text }))
        .send()
        .await
        // The URL carries the webhook's secret; reqwest errors quote it, so drop it.
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
