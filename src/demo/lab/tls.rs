//! A TLS ingress on loopback whose certificate and behaviour can be switched while it runs.
//!
//! [`TlsServer`] accepts on a caller-given loopback address and, per connection, does what the
//! current [`TlsMode`] says: a normal handshake, one that demands a client certificate, one that
//! only speaks `h2` (so an `http/1.1` client gets an alert), plain HTTP on the TLS port, or
//! silence. After a successful handshake the decrypted stream goes to a [`ConnectionHandler`]
//! (the demo's HTTP app, or [`HelloHandler`] in tests). The certificate lives in a cell that the
//! demo swaps when the commander "renews" it; connections already open keep the old one. The
//! server stops when its handle is dropped.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use super::pki::ServerIdentity;
use super::{BoxedStream, ConnectionHandler};

/// How long the server waits for a client to finish its side of a handshake or request.
const CLIENT_PATIENCE: Duration = Duration::from_secs(10);

/// What nginx-like servers answer when TLS bytes reach a plain HTTP port, reversed: here the
/// client speaks TLS and the port answers in HTTP.
const PLAIN_HTTP_ANSWER: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nServer: lab\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Why a lab TLS server could not start or switch.
#[derive(Debug, thiserror::Error)]
pub enum LabTlsError {
    #[error("lab servers bind to loopback only, not {0}")]
    NotLoopback(SocketAddr),
    #[error("binding the lab TLS server to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the lab certificate or key is unusable: {0}")]
    Identity(rustls::Error),
    #[error("building the lab TLS server configuration: {0}")]
    Config(String),
}

/// The protocol version a client-certificate scenario pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// What the server does with each new connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Complete the handshake with the current certificate and hand the stream to the handler.
    Serve,
    /// Demand a client certificate issued by `client_ca`, over one pinned version: TLS 1.2
    /// rejects during the handshake, TLS 1.3 after it.
    RequireClientCert {
        version: TlsVersion,
        client_ca: CertificateDer<'static>,
    },
    /// Offer only `h2`, so a client offering `http/1.1` gets `no_application_protocol`.
    AlpnH2Only,
    /// Answer in plain HTTP, as a port wired to the wrong backend would.
    PlainHttp,
    /// Accept the connection and never write a byte.
    Silent,
}

/// A running lab TLS server; dropping it stops the listener and every open connection.
pub struct TlsServer {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    accept_task: JoinHandle<()>,
}

impl TlsServer {
    /// Binds `addr` (loopback only; port 0 picks a free one) and starts serving.
    pub async fn start(
        addr: SocketAddr,
        identity: ServerIdentity,
        mode: TlsMode,
        handler: Arc<dyn ConnectionHandler>,
    ) -> Result<Self, LabTlsError> {
        if !addr.ip().is_loopback() {
            return Err(LabTlsError::NotLoopback(addr));
        }
        let cert = Arc::new(CertCell {
            current: RwLock::new(certified_key(identity)?),
        });
        let shared = Arc::new(Shared {
            behaviour: RwLock::new(Behaviour::new(&mode, &cert)?),
            cert,
            handler,
        });
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| LabTlsError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| LabTlsError::Bind { addr, source })?;
        let accept_task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(TlsServer {
            local_addr,
            shared,
            accept_task,
        })
    }

    /// The address actually bound, with the port the system picked.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Swaps the certificate (and chain) presented to new connections: a renewal.
    pub fn set_identity(&self, identity: ServerIdentity) -> Result<(), LabTlsError> {
        let key = certified_key(identity)?;
        *self
            .shared
            .cert
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = key;
        Ok(())
    }

    /// Switches what the server does with new connections.
    pub fn set_mode(&self, mode: &TlsMode) -> Result<(), LabTlsError> {
        let behaviour = Behaviour::new(mode, &self.shared.cert)?;
        *self
            .shared
            .behaviour
            .write()
            .unwrap_or_else(PoisonError::into_inner) = behaviour;
        Ok(())
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        // The accept task owns the JoinSet of connections, so aborting it drops them all.
        self.accept_task.abort();
    }
}

/// Answers one HTTP/1.1 request with `200 OK` and the body `ok`, then closes.
pub struct HelloHandler;

impl ConnectionHandler for HelloHandler {
    fn handle(&self, mut stream: BoxedStream) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let mut head = Vec::with_capacity(1024);
            let mut buf = [0u8; 1024];
            let read_head = async {
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return false,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                true
            };
            if !matches!(
                tokio::time::timeout(CLIENT_PATIENCE, read_head).await,
                Ok(true)
            ) {
                return;
            }
            let answer = b"HTTP/1.1 200 OK\r\nServer: warroom-lab\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
            if stream.write_all(answer).await.is_ok() {
                let _ = stream.shutdown().await;
            }
        })
    }
}

struct Shared {
    cert: Arc<CertCell>,
    behaviour: RwLock<Behaviour>,
    handler: Arc<dyn ConnectionHandler>,
}

/// The mode as the accept loop uses it: a ready TLS configuration, or a non-TLS behaviour.
#[derive(Clone)]
enum Behaviour {
    Tls(Arc<ServerConfig>),
    PlainHttp,
    Silent,
}

impl Behaviour {
    fn new(mode: &TlsMode, cert: &Arc<CertCell>) -> Result<Self, LabTlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config_error = |e: rustls::Error| LabTlsError::Config(e.to_string());
        let versions: &[&rustls::SupportedProtocolVersion] = match mode {
            TlsMode::RequireClientCert {
                version: TlsVersion::Tls12,
                ..
            } => &[&rustls::version::TLS12],
            TlsMode::RequireClientCert {
                version: TlsVersion::Tls13,
                ..
            } => &[&rustls::version::TLS13],
            TlsMode::Serve | TlsMode::AlpnH2Only => rustls::ALL_VERSIONS,
            TlsMode::PlainHttp => return Ok(Behaviour::PlainHttp),
            TlsMode::Silent => return Ok(Behaviour::Silent),
        };
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(config_error)?;
        let builder = if let TlsMode::RequireClientCert { client_ca, .. } = mode {
            let mut roots = RootCertStore::empty();
            roots.add(client_ca.clone()).map_err(config_error)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| LabTlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder.with_cert_resolver(cert.clone());
        config.alpn_protocols = match mode {
            TlsMode::AlpnH2Only => vec![b"h2".to_vec()],
            _ => vec![b"http/1.1".to_vec()],
        };
        Ok(Behaviour::Tls(Arc::new(config)))
    }
}

/// The certificate new handshakes present; swapped in place on renewal.
#[derive(Debug)]
struct CertCell {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for CertCell {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

fn certified_key(identity: ServerIdentity) -> Result<Arc<CertifiedKey>, LabTlsError> {
    let provider = rustls::crypto::ring::default_provider();
    CertifiedKey::from_der(identity.chain, identity.key, &provider)
        .map(Arc::new)
        .map_err(LabTlsError::Identity)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => {
                    connections.spawn(serve_connection(tcp, shared.clone()));
                }
                Err(e) => {
                    tracing::debug!(error = %e, "lab TLS server: accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(mut tcp: TcpStream, shared: Arc<Shared>) {
    let behaviour = shared
        .behaviour
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut buf = [0u8; 4096];
    match behaviour {
        Behaviour::Silent => {
            // Keep reading so the client's bytes are consumed, and never answer.
            while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        Behaviour::PlainHttp => {
            let _ = tokio::time::timeout(CLIENT_PATIENCE, tcp.read(&mut buf)).await;
            if tcp.write_all(PLAIN_HTTP_ANSWER).await.is_ok() {
                let _ = tcp.shutdown().await;
            }
        }
        Behaviour::Tls(config) => {
            let acceptor = TlsAcceptor::from(config);
            match tokio::time::timeout(CLIENT_PATIENCE, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => shared.handler.handle(Box::new(tls)).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "lab TLS server: handshake failed"),
                Err(_) => tracing::debug!("lab TLS server: client stalled in the handshake"),
            }
        }
    }
}
