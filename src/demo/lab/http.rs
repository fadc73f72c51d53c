//! An HTTP/1.1 application server for the lab, whose behaviour can be switched while it runs.
//!
//! It answers every request with a canned response after an optional delay, lets a share of
//! requests fail with another response, and has hostile modes that a probe must survive without
//! hanging or filling memory: never answer, trickle the response a byte at a time, send headers
//! forever, send a body forever, or reset the connection. It speaks just enough HTTP for probes
//! and proxies (one request per connection, `Connection: close`), and implements
//! [`ConnectionHandler`] so a lab TLS server can hand it decrypted streams.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::serve::{self, LabError, ServerTask};
use super::{BoxedStream, ConnectionHandler};

/// The largest request head the lab reads.
const REQUEST_HEAD_LIMIT_BYTES: usize = 64 * 1024;
/// How long the lab waits for a client to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A complete response: status, extra headers and body (`Content-Length` is added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl CannedResponse {
    /// A response with a `Content-Type` header.
    #[must_use]
    pub fn new(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        CannedResponse {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// `200 OK` with a small JSON body.
    #[must_use]
    pub fn ok() -> Self {
        Self::new(200, "application/json", r#"{"status":"ok"}"#)
    }

    /// An application's own 500: JSON, the way an API reports a crash.
    #[must_use]
    pub fn app_error() -> Self {
        Self::new(
            500,
            "application/json",
            r#"{"error":"internal","detail":"db pool exhausted"}"#,
        )
    }

    /// Serialises the response as it goes on the wire.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

/// Ways to misbehave after reading a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostileMode {
    /// Read the request, then never write anything.
    NeverAnswer,
    /// Write the response one byte per `interval`.
    Trickle { interval: Duration },
    /// Write a status line, then header lines without end.
    EndlessHeaders,
    /// Write a complete head without a length, then body bytes without end.
    EndlessBody,
    /// Read the request, then reset the connection (a plain close over TLS).
    Reset,
}

/// What the server does for each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppBehaviour {
    pub response: CannedResponse,
    /// Waited before answering.
    pub delay: Duration,
    /// Percentage (0 to 100) of requests answered with `failure` instead, spread evenly.
    pub failing_percent: u8,
    pub failure: CannedResponse,
    /// When set, the failing share closes the connection without answering instead of sending
    /// `failure`, as a worker process that crashes mid-request does (a proxy in front answers
    /// 502 for it).
    pub failure_crashes: bool,
    /// When set, overrides everything above.
    pub hostile: Option<HostileMode>,
}

impl Default for AppBehaviour {
    fn default() -> Self {
        AppBehaviour {
            response: CannedResponse::ok(),
            delay: Duration::ZERO,
            failing_percent: 0,
            failure: CannedResponse::app_error(),
            failure_crashes: false,
            hostile: None,
        }
    }
}

impl AppBehaviour {
    /// Always answers `response`.
    #[must_use]
    pub fn answering(response: CannedResponse) -> Self {
        AppBehaviour {
            response,
            ..AppBehaviour::default()
        }
    }

    #[must_use]
    pub fn hostile(mode: HostileMode) -> Self {
        AppBehaviour {
            hostile: Some(mode),
            ..AppBehaviour::default()
        }
    }
}

/// The application logic, shared by the plain listener and any TLS server in front.
#[derive(Debug, Clone)]
pub struct AppHandler {
    state: Arc<AppState>,
}

#[derive(Debug)]
struct AppState {
    behaviour: RwLock<AppBehaviour>,
    requests: AtomicU64,
    /// The head of the last request read, for tests that check what a client sent.
    last_request_head: Mutex<Option<String>>,
}

impl AppHandler {
    #[must_use]
    pub fn new(behaviour: AppBehaviour) -> Self {
        AppHandler {
            state: Arc::new(AppState {
                behaviour: RwLock::new(behaviour),
                requests: AtomicU64::new(0),
                last_request_head: Mutex::new(None),
            }),
        }
    }

    /// Switches the behaviour for requests from now on.
    pub fn set(&self, behaviour: AppBehaviour) {
        *self
            .state
            .behaviour
            .write()
            .unwrap_or_else(PoisonError::into_inner) = behaviour;
    }

    /// How many requests were read so far.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// The head (request line and headers) of the last request read.
    #[must_use]
    pub fn last_request_head(&self) -> Option<String> {
        self.state
            .last_request_head
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves one request on `stream`. Returns true when the mode asks for a reset, which only
    /// the caller holding the TCP socket can do.
    async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&self, stream: &mut S) -> bool {
        let Ok(head) = read_request(stream).await else {
            return false;
        };
        *self
            .state
            .last_request_head
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(String::from_utf8_lossy(&head).into_owned());
        let number = self.state.requests.fetch_add(1, Ordering::Relaxed);
        let behaviour = self
            .state
            .behaviour
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match behaviour.hostile {
            Some(HostileMode::Reset) => return true,
            Some(mode) => {
                // Write errors mean the client gave up, which is the point of these modes.
                let _ = misbehave(stream, mode, &behaviour.response).await;
                return false;
            }
            None => {}
        }
        tokio::time::sleep(behaviour.delay).await;
        let failing = fails(number, behaviour.failing_percent);
        if failing && behaviour.failure_crashes {
            return true;
        }
        let response = if failing {
            &behaviour.failure
        } else {
            &behaviour.response
        };
        let _ = stream.write_all(&response.to_bytes()).await;
        let _ = stream.shutdown().await;
        false
    }
}

impl ConnectionHandler for AppHandler {
    fn handle(&self, stream: BoxedStream) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let handler = self.clone();
        Box::pin(async move {
            let mut stream = stream;
            // Over TLS a reset is a close without close_notify: the client sees the stream end.
            let _ = handler.serve(&mut stream).await;
        })
    }
}

/// Whether request `number` is one of the failing share, spread evenly over the requests.
pub(crate) fn fails(number: u64, percent: u8) -> bool {
    let percent = u64::from(percent.min(100));
    (number + 1) * percent / 100 > number * percent / 100
}

async fn misbehave<S: AsyncWrite + Unpin>(
    stream: &mut S,
    mode: HostileMode,
    response: &CannedResponse,
) -> io::Result<()> {
    match mode {
        HostileMode::NeverAnswer | HostileMode::Reset => std::future::pending().await,
        HostileMode::Trickle { interval } => {
            for byte in response.to_bytes() {
                stream.write_all(&[byte]).await?;
                stream.flush().await?;
                tokio::time::sleep(interval).await;
            }
            Ok(())
        }
        HostileMode::EndlessHeaders => {
            stream.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            for n in 0u64.. {
                let line = format!("X-Filler-{n}: {}\r\n", "a".repeat(100));
                stream.write_all(line.as_bytes()).await?;
            }
            Ok(())
        }
        HostileMode::EndlessBody => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
                )
                .await?;
            let chunk = vec![b'x'; 16 * 1024];
            loop {
                stream.write_all(&chunk).await?;
            }
        }
    }
}

/// Reads a request head (and a `Content-Length` body, discarded). Returns the head.
pub(crate) async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let (head, rest) = tokio::time::timeout(REQUEST_READ_TIMEOUT, read_head(stream))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    let length = header_value(&head, "content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(REQUEST_HEAD_LIMIT_BYTES);
    if length > rest.len() {
        let mut body = vec![0u8; length - rest.len()];
        tokio::time::timeout(REQUEST_READ_TIMEOUT, stream.read_exact(&mut body))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    }
    Ok(head)
}

/// Reads up to the blank line ending a head. Returns the head (with its blank line) and any
/// bytes read past it.
pub(crate) async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find_head_end(&buffer) {
            let rest = buffer.split_off(end);
            return Ok((buffer, rest));
        }
        if buffer.len() > REQUEST_HEAD_LIMIT_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// The value of header `name` (lower case) in a raw head.
pub(crate) fn header_value(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head)
        .lines()
        .skip(1)
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
}

/// The reason phrase of the statuses the lab uses.
#[must_use]
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        _ => "Status",
    }
}

/// The app on its own plain-HTTP listener; dropping it stops the server.
pub struct AppServer {
    handler: AppHandler,
    task: ServerTask,
}

impl AppServer {
    /// Binds `addr` (loopback only; port 0 picks a free one) and serves `behaviour`.
    pub async fn start(addr: SocketAddr, behaviour: AppBehaviour) -> Result<Self, LabError> {
        let handler = AppHandler::new(behaviour);
        let listener = serve::bind(addr).await?;
        let shared = handler.clone();
        let task = serve::spawn(
            listener,
            Arc::new(move |mut stream: TcpStream| {
                let handler = shared.clone();
                Box::pin(async move {
                    if handler.serve(&mut stream).await {
                        super::tcp::reset(stream);
                    }
                })
            }),
        )?;
        Ok(AppServer { handler, task })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.task.local_addr()
    }

    /// Switches the behaviour for requests from now on.
    pub fn set(&self, behaviour: AppBehaviour) {
        self.handler.set(behaviour);
    }

    /// The handler, to put the same app behind a lab TLS server as well.
    #[must_use]
    pub fn handler(&self) -> AppHandler {
        self.handler.clone()
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a malformed test case should stop the test loudly"
)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_share_is_spread_evenly() {
        let failed = (0..100).filter(|n| fails(*n, 25)).count();
        assert_eq!(failed, 25);
        assert!(!(0..50).any(|n| fails(n, 0)));
        assert!((0..50).all(|n| fails(n, 100)));
        let first_eight: Vec<bool> = (0..8).map(|n| fails(n, 50)).collect();
        assert_eq!(first_eight.iter().filter(|f| **f).count(), 4);
    }

    #[test]
    fn heads_are_found_and_headers_read() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
        let end = find_head_end(head).unwrap();
        assert_eq!(&head[end..], b"abc");
        assert_eq!(
            header_value(&head[..end], "content-length").as_deref(),
            Some("3")
        );
        assert_eq!(header_value(&head[..end], "server"), None);
    }
}
