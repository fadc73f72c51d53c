//! The demo ingress's access log: every request the ingress serves, written as nginx writes its
//! `combined` format with the request time and upstream appended, so the log pane reads the
//! demo exactly as it would read a real ingress.
//!
//! The log is taken from the bytes on the wire: a tap around each decrypted connection keeps
//! the request line the client sent and the status line the proxy answered.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::lab::{BoxedStream, ConnectionHandler};

/// The most of a request head kept; the request line and `User-Agent` are read from it.
const MAX_HEAD: usize = 4096;

/// An access log file shared by the ingresses.
pub struct AccessLog {
    file: Mutex<File>,
}

impl AccessLog {
    pub fn create(path: &Path) -> std::io::Result<AccessLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AccessLog {
            file: Mutex::new(file),
        })
    }

    fn write(&self, record: &Record, upstream: &str, seconds: f64) {
        let head = String::from_utf8_lossy(&record.head);
        let mut lines = head.split("\r\n");
        let mut parts = lines.next().unwrap_or_default().split(' ');
        let (method, path) = (parts.next().unwrap_or("-"), parts.next().unwrap_or("-"));
        let user_agent = lines
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
            })
            .map_or("-", |(_, value)| value.trim());
        // nginx logs 499 when the client went away before the answer.
        let status = record
            .status
            .map_or_else(|| "499".to_owned(), |s| s.to_string());
        let line = format!(
            "127.0.0.1 - - [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\" {:.3} {}\n",
            chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S +0000"),
            method,
            path,
            status,
            record.bytes_sent,
            user_agent,
            seconds,
            upstream,
        );
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        // A full disk in the demo's temporary folder loses log lines, never the demo.
        let _ = file.write_all(line.as_bytes());
    }
}

#[derive(Default)]
struct Record {
    /// The start of the request head as the client sent it.
    head: Vec<u8>,
    status: Option<u16>,
    status_line: Vec<u8>,
    bytes_sent: u64,
}

/// Wraps a connection handler and logs each connection it serves.
pub struct AccessLogged {
    inner: Arc<dyn ConnectionHandler>,
    log: Arc<AccessLog>,
    upstream: Arc<dyn Fn() -> String + Send + Sync>,
}

impl AccessLogged {
    pub fn new(
        inner: Arc<dyn ConnectionHandler>,
        log: Arc<AccessLog>,
        upstream: Arc<dyn Fn() -> String + Send + Sync>,
    ) -> Self {
        AccessLogged {
            inner,
            log,
            upstream,
        }
    }
}

impl ConnectionHandler for AccessLogged {
    fn handle(&self, stream: BoxedStream) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let record = Arc::new(Mutex::new(Record::default()));
        let tap = Tap {
            inner: stream,
            record: record.clone(),
        };
        let serve = self.inner.handle(Box::new(tap));
        let (log, upstream) = (self.log.clone(), self.upstream.clone());
        Box::pin(async move {
            let started = Instant::now();
            serve.await;
            let record = record.lock().unwrap_or_else(PoisonError::into_inner);
            if !record.head.is_empty() {
                log.write(&record, &upstream(), started.elapsed().as_secs_f64());
            }
        })
    }
}

/// A stream that remembers the start of what was read and the status line written.
struct Tap {
    inner: BoxedStream,
    record: Arc<Mutex<Record>>,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let mut record = self.record.lock().unwrap_or_else(PoisonError::into_inner);
        let room = MAX_HEAD.saturating_sub(record.head.len());
        let fresh = &buf.filled()[before..];
        record
            .head
            .extend_from_slice(&fresh[..fresh.len().min(room)]);
        poll
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(written)) = &poll {
            let mut record = self.record.lock().unwrap_or_else(PoisonError::into_inner);
            record.bytes_sent += *written as u64;
            if record.status.is_none() && record.status_line.len() < 16 {
                record
                    .status_line
                    .extend_from_slice(&data[..(*written).min(16)]);
                // "HTTP/1.1 502 ..." : the status is the second word.
                let text = String::from_utf8_lossy(&record.status_line).into_owned();
                record.status = text
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.get(..3))
                    .and_then(|s| s.parse().ok());
            }
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
