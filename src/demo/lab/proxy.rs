//! A small reverse proxy for the lab that fails the way nginx does.
//!
//! It forwards each request to one upstream address and passes the answer back with its own
//! `Server: nginx` header, exactly like nginx hides the upstream's. When the upstream refuses,
//! breaks or sends no response head within the upstream timeout, it answers itself with a
//! generated 502 or 504 page in nginx's format (and, when asked, for a share of all requests), so the probe's proxy-or-app attribution is tested
//! against the same evidence it meets in production. It implements [`ConnectionHandler`], so a lab
//! TLS server can sit in front of it as the ingress.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http::{fails, read_head, reason};
use super::serve::{self, LabError, ServerTask};
use super::{BoxedStream, ConnectionHandler};

/// The proxy's routing state, shared by its listener and any TLS server in front.
#[derive(Debug, Clone)]
pub struct ProxyHandler {
    state: Arc<ProxyState>,
}

#[derive(Debug)]
struct ProxyState {
    upstream: RwLock<SocketAddr>,
    /// How long to wait for the upstream to connect, and then for each read from it
    /// (nginx's `proxy_connect_timeout` and `proxy_read_timeout` in one).
    upstream_timeout: Duration,
    /// Percentage (0 to 100) of requests answered with the proxy's own 502 without asking the
    /// upstream, as when an upstream connection pool flaps.
    failing_percent: AtomicU8,
    requests: AtomicU64,
}

impl ProxyHandler {
    #[must_use]
    pub fn new(upstream: SocketAddr, upstream_timeout: Duration) -> Self {
        ProxyHandler {
            state: Arc::new(ProxyState {
                upstream: RwLock::new(upstream),
                upstream_timeout,
                failing_percent: AtomicU8::new(0),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// Points the proxy at another upstream from the next request on.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self
            .state
            .upstream
            .write()
            .unwrap_or_else(PoisonError::into_inner) = upstream;
    }

    /// Makes `percent` of requests (spread evenly) fail with the proxy's own 502.
    pub fn set_failing_percent(&self, percent: u8) {
        self.state
            .failing_percent
            .store(percent.min(100), Ordering::Relaxed);
    }

    async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&self, client: &mut S) {
        let Ok((head, rest)) = read_head(client).await else {
            return;
        };
        let number = self.state.requests.fetch_add(1, Ordering::Relaxed);
        if fails(number, self.state.failing_percent.load(Ordering::Relaxed)) {
            return answer(client, 502).await;
        }
        let upstream = *self
            .state
            .upstream
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let timeout = self.state.upstream_timeout;

        let connected = tokio::time::timeout(timeout, TcpStream::connect(upstream)).await;
        let mut upstream = match connected {
            Ok(Ok(stream)) => stream,
            Ok(Err(_)) => return answer(client, 502).await,
            Err(_) => return answer(client, 504).await,
        };
        let mut request = head;
        request.extend_from_slice(&rest);
        if upstream.write_all(&request).await.is_err() {
            return answer(client, 502).await;
        }

        let (response_head, response_rest) =
            match tokio::time::timeout(timeout, read_head(&mut upstream)).await {
                Ok(Ok(parts)) => parts,
                Ok(Err(_)) => return answer(client, 502).await,
                Err(_) => return answer(client, 504).await,
            };
        // Once the head went out, failures can only cut the response short, as with nginx.
        let _ = client.write_all(&restamp(&response_head)).await;
        let _ = client.write_all(&response_rest).await;
        let mut chunk = vec![0u8; 16 * 1024];
        while let Ok(Ok(read @ 1..)) =
            tokio::time::timeout(timeout, upstream.read(&mut chunk)).await
        {
            if client.write_all(&chunk[..read]).await.is_err() {
                break;
            }
        }
        let _ = client.shutdown().await;
    }
}

impl ConnectionHandler for ProxyHandler {
    fn handle(&self, stream: BoxedStream) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let handler = self.clone();
        Box::pin(async move {
            let mut stream = stream;
            handler.serve(&mut stream).await;
        })
    }
}

/// Replaces the upstream's `Server` header with the proxy's own.
fn restamp(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut out = String::with_capacity(head.len() + 16);
    if let Some(status_line) = lines.next() {
        out.push_str(status_line);
        out.push_str("\r\nServer: nginx\r\n");
    }
    for line in lines.filter(|line| !line.is_empty()) {
        let is_server = line
            .split_once(':')
            .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("server"));
        if !is_server {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// The page nginx generates for an error it makes itself.
#[must_use]
pub fn error_page(status: u16) -> Vec<u8> {
    let title = format!("{status} {}", reason(status));
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>\
         </center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let head = format!(
        "HTTP/1.1 {title}\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

async fn answer<S: AsyncWrite + Unpin>(client: &mut S, status: u16) {
    let _ = client.write_all(&error_page(status)).await;
    let _ = client.shutdown().await;
}

/// The proxy on its own plain-HTTP listener; dropping it stops it.
pub struct ReverseProxy {
    handler: ProxyHandler,
    task: ServerTask,
}

impl ReverseProxy {
    /// Binds `addr` (loopback only) and forwards to `upstream`.
    pub async fn start(
        addr: SocketAddr,
        upstream: SocketAddr,
        upstream_timeout: Duration,
    ) -> Result<Self, LabError> {
        let handler = ProxyHandler::new(upstream, upstream_timeout);
        let listener = serve::bind(addr).await?;
        let shared = handler.clone();
        let task = serve::spawn(
            listener,
            Arc::new(move |mut stream: TcpStream| {
                let handler = shared.clone();
                Box::pin(async move { handler.serve(&mut stream).await })
            }),
        )?;
        Ok(ReverseProxy { handler, task })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.task.local_addr()
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        self.handler.set_upstream(upstream);
    }

    /// Makes `percent` of requests (spread evenly) fail with the proxy's own 502.
    pub fn set_failing_percent(&self, percent: u8) {
        self.handler.set_failing_percent(percent);
    }

    /// The routing state, to put the same proxy behind a lab TLS server.
    #[must_use]
    pub fn handler(&self) -> ProxyHandler {
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
    fn the_upstream_server_header_is_replaced() {
        let head = b"HTTP/1.1 500 Internal Server Error\r\nServer: gunicorn\r\nX-Id: 1\r\n\r\n";
        let out = String::from_utf8(restamp(head)).unwrap();
        assert_eq!(
            out,
            "HTTP/1.1 500 Internal Server Error\r\nServer: nginx\r\nX-Id: 1\r\n\r\n"
        );
    }

    #[test]
    fn generated_pages_carry_the_nginx_signature() {
        let page = String::from_utf8(error_page(502)).unwrap();
        assert!(page.starts_with("HTTP/1.1 502 Bad Gateway\r\n"));
        assert!(page.contains("<hr><center>nginx</center>"));
    }
}
