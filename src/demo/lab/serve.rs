//! The accept loop every lab server shares, and the errors starting one can give.
//!
//! A server is a listener plus a task that accepts and hands each connection to its own task.
//! All of them live in one [`ServerTask`]: dropping it aborts the accept loop, which drops the
//! set of connection tasks with it, so a test that lets a handle go leaves nothing running.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Why a lab server could not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("{0} is not a loopback address; lab servers only bind to 127.0.0.0/8 or ::1")]
    NotLoopback(SocketAddr),
    #[error("binding {addr}: {source} (is the address on this host's loopback?)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// What a server does with one accepted connection.
pub type OnConnection =
    Arc<dyn Fn(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A running accept loop; dropping it stops the listener and every connection it accepted.
#[derive(Debug)]
pub struct ServerTask {
    local_addr: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl ServerTask {
    /// The address bound, with the port the system picked.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

/// Refuses any address off loopback, so no lab server can ever listen on a real network.
pub fn ensure_loopback(addr: SocketAddr) -> Result<(), LabError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(LabError::NotLoopback(addr))
    }
}

/// Binds a TCP listener on a loopback address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, LabError> {
    ensure_loopback(addr)?;
    TcpListener::bind(addr)
        .await
        .map_err(|source| LabError::Bind { addr, source })
}

/// Starts accepting on `listener`, running `on_connection` for each connection in its own task.
pub fn spawn(listener: TcpListener, on_connection: OnConnection) -> Result<ServerTask, LabError> {
    let local_addr = listener.local_addr().map_err(|source| LabError::Bind {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        source,
    })?;
    let accept_task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(on_connection(stream));
                    }
                    // Out of descriptors or a connection aborted while queued: keep serving.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
                },
                // Reap finished connections so the set does not grow without bound.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    Ok(ServerTask {
        local_addr,
        accept_task,
    })
}
