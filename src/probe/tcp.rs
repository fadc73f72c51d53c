//! The firewall hop: a TCP connect to one address, and what stopped it.
//!
//! The four ways a connect fails tell different stories: refused (nothing listens, or a reject
//! rule answers with a reset), timed out (a filter drops the SYN, or the accept queue is full),
//! unreachable (an ICMP error from a router or a reject rule) and reset (a listener that accepts
//! and drops the connection at once, as a load balancer with no healthy backend may do). The
//! stream is handed on to the ingress or app hop so their timings start where this one ends.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use super::model::{Finding, FindingCode, HopDetail, HopReport, TcpDetail};

/// How long the hop watches a fresh connection for an immediate reset. A listener that resets
/// right after accepting does so within microseconds on a LAN; this window also covers a
/// loaded machine, at the cost of this much latency on every probe.
pub const RESET_WATCH: Duration = Duration::from_millis(40);

/// Connects to `peer` within `timeout`. Returns the hop and, when it succeeded, the stream.
pub(crate) async fn connect(peer: SocketAddr, timeout: Duration) -> (HopReport, Option<TcpStream>) {
    let started = Instant::now();
    let attempt = tokio::time::timeout(timeout, open(peer)).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut detail = TcpDetail {
        peer: peer.to_string(),
        local: None,
    };

    let stream = match attempt {
        Err(_) => {
            let finding = Finding::new(
                FindingCode::TcpTimeout,
                format!(
                    "no answer to the connection attempt to {peer} within {} ms \
                     (filtered, or the server's accept queue is full)",
                    timeout.as_millis()
                ),
            );
            return (failed(elapsed_ms, finding, detail), None);
        }
        Ok(Err(err)) => {
            let finding = classify_connect_error(&err, peer);
            return (failed(elapsed_ms, finding, detail), None);
        }
        Ok(Ok(stream)) => stream,
    };
    detail.local = stream.local_addr().ok().map(|addr| addr.to_string());

    // The connect time is what the hop reports; the watch for a reset is not part of it.
    if let Some(finding) = watch_for_reset(&stream, peer).await {
        return (failed(elapsed_ms, finding, detail), None);
    }
    let hop = HopReport::finished(Some(elapsed_ms), Vec::new(), HopDetail::Tcp(detail));
    (hop, Some(stream))
}

async fn open(peer: SocketAddr) -> io::Result<TcpStream> {
    let socket = if peer.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_nodelay(true)?;
    socket.connect(peer).await
}

/// Looks at the connection for a short while: the server has no reason to speak first in HTTP or
/// TLS, so anything it does here (a reset, or closing the connection) is a refusal.
async fn watch_for_reset(stream: &TcpStream, peer: SocketAddr) -> Option<Finding> {
    let mut byte = [0u8; 1];
    match tokio::time::timeout(RESET_WATCH, stream.peek(&mut byte)).await {
        Err(_) | Ok(Ok(1..)) => None,
        Ok(Ok(0)) => Some(Finding::new(
            FindingCode::TcpReset,
            format!("{peer} accepted the connection and closed it at once"),
        )),
        Ok(Err(err)) => Some(Finding::new(
            FindingCode::TcpReset,
            format!("{peer} accepted the connection and reset it at once ({err})"),
        )),
    }
}

fn failed(ms: f64, finding: Finding, detail: TcpDetail) -> HopReport {
    HopReport::finished(Some(ms), vec![finding], HopDetail::Tcp(detail))
}

/// Names the reason a connect failed. Reject rules show up as `EHOSTUNREACH` (icmp-host- and
/// icmp-admin-prohibited), `ENETUNREACH`, or `EACCES`/`EPERM` when a local rule rejects.
pub(crate) fn classify_connect_error(err: &io::Error, peer: SocketAddr) -> Finding {
    let code = match err.raw_os_error() {
        Some(libc::ECONNREFUSED) => FindingCode::TcpRefused,
        Some(libc::ECONNRESET) => FindingCode::TcpReset,
        Some(libc::ETIMEDOUT) => FindingCode::TcpTimeout,
        Some(libc::EHOSTUNREACH | libc::ENETUNREACH | libc::EACCES | libc::EPERM) => {
            FindingCode::TcpUnreachable
        }
        _ => match err.kind() {
            io::ErrorKind::ConnectionRefused => FindingCode::TcpRefused,
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                FindingCode::TcpReset
            }
            io::ErrorKind::TimedOut => FindingCode::TcpTimeout,
            _ => FindingCode::TcpUnreachable,
        },
    };
    let message = match code {
        FindingCode::TcpRefused => format!(
            "{peer} refused the connection (nothing listens there, or a reject rule answers \
             with a reset)"
        ),
        FindingCode::TcpReset => format!("{peer} reset the connection while it was set up"),
        FindingCode::TcpTimeout => format!("the connection to {peer} timed out ({err})"),
        _ => format!("{peer} is unreachable: {err} (a router or firewall rejected the connection)"),
    };
    Finding::new(code, message)
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a malformed test case should stop the test loudly"
)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_map_to_codes() {
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let cases = [
            (
                io::Error::from_raw_os_error(libc::ECONNREFUSED),
                FindingCode::TcpRefused,
            ),
            (
                io::Error::from_raw_os_error(libc::ECONNRESET),
                FindingCode::TcpReset,
            ),
            (
                io::Error::from_raw_os_error(libc::ETIMEDOUT),
                FindingCode::TcpTimeout,
            ),
            (
                io::Error::from_raw_os_error(libc::EHOSTUNREACH),
                FindingCode::TcpUnreachable,
            ),
            (
                io::Error::from_raw_os_error(libc::ENETUNREACH),
                FindingCode::TcpUnreachable,
            ),
            (
                io::Error::from_raw_os_error(libc::EACCES),
                FindingCode::TcpUnreachable,
            ),
            (
                io::Error::from_raw_os_error(libc::EPERM),
                FindingCode::TcpUnreachable,
            ),
            (
                io::Error::from(io::ErrorKind::ConnectionRefused),
                FindingCode::TcpRefused,
            ),
            (
                io::Error::from(io::ErrorKind::TimedOut),
                FindingCode::TcpTimeout,
            ),
            (
                io::Error::from(io::ErrorKind::AddrNotAvailable),
                FindingCode::TcpUnreachable,
            ),
        ];
        for (err, code) in cases {
            assert_eq!(classify_connect_error(&err, peer).code, code, "{err:?}");
        }
    }
}
