//! Ports that fail in each of the ways the firewall hop tells apart.
//!
//! - [`refusing_port`]: nothing listens, so a connect is refused at once.
//! - [`NeverAccept`]: a listener whose accept queue is full and never drained, so the kernel
//!   drops further SYNs and a connect times out, as behind a filtering firewall.
//! - [`ResetAfterAccept`]: accepts and resets at once (`SO_LINGER` zero), as a load balancer
//!   with no healthy backend may do.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, SockRef, Socket, Type};
use tokio::net::{TcpListener, TcpStream};

use super::serve::{self, LabError, ServerTask};

/// A loopback port with nothing listening: bound once to learn a free port, then released.
///
/// Known gap: another process could take the port between release and use; on a test machine
/// that window is small enough to ignore.
pub async fn refusing_port(ip: std::net::IpAddr) -> Result<SocketAddr, LabError> {
    let listener = serve::bind(SocketAddr::new(ip, 0)).await?;
    let addr = listener.local_addr().map_err(|source| LabError::Bind {
        addr: SocketAddr::new(ip, 0),
        source,
    })?;
    drop(listener);
    Ok(addr)
}

/// A listener that never accepts, with its queue filled by its own idle connections.
pub struct NeverAccept {
    local_addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}

impl NeverAccept {
    /// Listens on `addr` with the smallest backlog and connects to itself until the queue is
    /// full, so the next connection attempt from anyone gets no SYN-ACK.
    pub async fn start(addr: SocketAddr) -> Result<Self, LabError> {
        serve::ensure_loopback(addr)?;
        let bind_error = |source| LabError::Bind { addr, source };
        let socket =
            Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(bind_error)?;
        socket.set_reuse_address(true).map_err(bind_error)?;
        socket.bind(&addr.into()).map_err(bind_error)?;
        socket.listen(0).map_err(bind_error)?;
        socket.set_nonblocking(true).map_err(bind_error)?;
        let listener = TcpListener::from_std(socket.into()).map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;

        // Linux queues backlog + 1 connections; a few more attempts make sure it is full.
        let mut fillers = Vec::new();
        for _ in 0..4 {
            let attempt = TcpStream::connect(local_addr);
            match tokio::time::timeout(Duration::from_millis(200), attempt).await {
                Ok(Ok(stream)) => fillers.push(stream),
                Ok(Err(_)) | Err(_) => break,
            }
        }
        Ok(NeverAccept {
            local_addr,
            _listener: listener,
            _fillers: fillers,
        })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

/// A listener that resets every connection right after accepting it.
pub struct ResetAfterAccept {
    task: ServerTask,
}

impl ResetAfterAccept {
    pub async fn start(addr: SocketAddr) -> Result<Self, LabError> {
        let listener = serve::bind(addr).await?;
        let task = serve::spawn(
            listener,
            Arc::new(|stream: TcpStream| Box::pin(async move { reset(stream) })),
        )?;
        Ok(ResetAfterAccept { task })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.task.local_addr()
    }
}

/// Closes `stream` with a reset instead of the usual FIN: `SO_LINGER` on with a zero timeout.
pub fn reset(stream: TcpStream) {
    // When setting the option fails the close is an ordinary FIN, which the probe reports too.
    let _ = SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}
