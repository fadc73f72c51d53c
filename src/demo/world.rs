//! The demo's world: a payment-webhook endpoint on loopback, made of real servers.
//!
//! `api.demo.test` resolves (through a lab nameserver) to 127.0.0.1 and 127.0.0.2. Each address
//! runs a TLS ingress on the same port; both hand requests to one reverse proxy, which forwards
//! to the application. A message queue listens beside them. Certificates come from a lab CA made
//! at start-up, which the demo's prober trusts. Everything is bound to loopback and stops when
//! the world is dropped.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::demo::access_log::{AccessLog, AccessLogged};
use crate::demo::lab::ConnectionHandler;
use crate::demo::lab::dns::DnsServer;
use crate::demo::lab::http::{AppBehaviour, AppServer};
use crate::demo::lab::pki::{LabPki, LeafSpec, ServerIdentity, Validity};
use crate::demo::lab::proxy::ProxyHandler;
use crate::demo::lab::tls::{TlsMode, TlsServer};
use crate::probe::model::DependencyKind;
use crate::probe::spec::{DependencySpec, ProbeSettings, TargetSpec};

/// The demo's domain.
pub const DOMAIN: &str = "api.demo.test";
/// The webhook path probed, as a payment provider would call it.
pub const WEBHOOK_PATH: &str = "/webhooks/stripe";
/// How long the proxy waits for the application.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times binding the same port on both ingress addresses is tried before giving up.
const PORT_ATTEMPTS: usize = 20;

/// Why the world could not be built.
#[derive(Debug, thiserror::Error)]
#[error("starting the demo's {part}: {message}")]
pub struct WorldError {
    pub part: &'static str,
    pub message: String,
}

fn fail(part: &'static str) -> impl Fn(&dyn std::fmt::Display) -> WorldError {
    move |err| WorldError {
        part,
        message: err.to_string(),
    }
}

/// The running world and the knobs the outage script turns.
pub struct World {
    pub dns: DnsServer,
    pub pki: LabPki,
    /// The release that works.
    pub app_stable: AppServer,
    /// The release deployed during the outage, which crashes on part of its requests.
    pub app_bad_release: AppServer,
    pub proxy: ProxyHandler,
    /// The ingresses on 127.0.0.1 and 127.0.0.2, same port.
    pub ingresses: Vec<TlsServer>,
    pub ingress_port: u16,
    pub queue: QueueListener,
    /// Where the proxy sends requests now, as the access log records it.
    upstream: Arc<Mutex<SocketAddr>>,
}

impl World {
    /// Starts every server; with `access_log`, the ingresses log each request they serve.
    pub async fn start(access_log: Option<Arc<AccessLog>>) -> Result<World, WorldError> {
        let pki = LabPki::new().map_err(|e| fail("certificate authority")(&e))?;
        let any_port = |ip: Ipv4Addr| SocketAddr::new(IpAddr::V4(ip), 0);

        let app_stable = AppServer::start(any_port(Ipv4Addr::LOCALHOST), AppBehaviour::default())
            .await
            .map_err(|e| fail("application")(&e))?;
        let app_bad_release =
            AppServer::start(any_port(Ipv4Addr::LOCALHOST), bad_release_behaviour())
                .await
                .map_err(|e| fail("bad release of the application")(&e))?;
        let proxy = ProxyHandler::new(app_stable.local_addr(), UPSTREAM_TIMEOUT);
        let upstream = Arc::new(Mutex::new(app_stable.local_addr()));

        let mut handler: Arc<dyn ConnectionHandler> = Arc::new(proxy.clone());
        if let Some(log) = access_log {
            let shown = upstream.clone();
            let describe = Arc::new(move || {
                shown
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .to_string()
            });
            handler = Arc::new(AccessLogged::new(handler, log, describe));
        }
        let (ingresses, ingress_port) = start_ingresses(&pki, handler).await?;
        let dns = DnsServer::start(any_port(Ipv4Addr::LOCALHOST))
            .await
            .map_err(|e| fail("nameserver")(&e))?;
        dns.set_addresses(DOMAIN, &ingress_ips());
        let queue = QueueListener::start().await?;

        Ok(World {
            dns,
            pki,
            app_stable,
            app_bad_release,
            proxy,
            ingresses,
            ingress_port,
            queue,
            upstream,
        })
    }

    /// Points the proxy at the bad release or back at the stable one.
    pub fn deploy(&self, bad_release: bool) {
        let addr = if bad_release {
            self.app_bad_release.local_addr()
        } else {
            self.app_stable.local_addr()
        };
        self.proxy.set_upstream(addr);
        *self.upstream.lock().unwrap_or_else(PoisonError::into_inner) = addr;
    }

    /// The webhook endpoint as the commander would type it.
    pub fn target(&self, interval: Duration, timeout: Duration) -> Result<TargetSpec, WorldError> {
        let url = format!("https://{DOMAIN}:{}{WEBHOOK_PATH}", self.ingress_port);
        let mut spec =
            TargetSpec::from_url(url::Url::parse(&url).map_err(|e| fail("target URL")(&e))?);
        "webhooks".clone_into(&mut spec.name);
        spec.interval = interval;
        spec.timeout = timeout;
        Ok(spec)
    }

    /// The queue, a dependency of the webhook handler.
    #[must_use]
    pub fn dependencies(&self, interval: Duration, timeout: Duration) -> Vec<DependencySpec> {
        vec![DependencySpec {
            name: "queue".to_owned(),
            kind: DependencyKind::Tcp,
            target: self.queue.addr.to_string(),
            timeout,
            interval,
            expect_status: vec![200..=399],
        }]
    }

    /// Probe settings that ask the lab nameserver and trust the lab CA, and nothing else: the
    /// demo must not depend on the machine's resolver or network.
    #[must_use]
    pub fn probe_settings(&self) -> ProbeSettings {
        ProbeSettings {
            dns_servers: vec![self.dns.local_addr()],
            extra_roots: vec![self.pki.root_der()],
            warn_days: 14,
            compare_system_resolver: false,
        }
    }

    /// A certificate for the demo domain with the given validity, as the ingress presents it.
    pub fn identity(&self, validity: Validity) -> Result<ServerIdentity, WorldError> {
        let leaf = self
            .pki
            .issue(&LeafSpec::new([DOMAIN]).validity(validity))
            .map_err(|e| fail("certificate")(&e))?;
        Ok(leaf.full_chain())
    }
}

/// The two ingress addresses. Linux routes all of 127.0.0.0/8 to loopback, so 127.0.0.2 needs no
/// setup.
#[must_use]
pub fn ingress_ips() -> Vec<IpAddr> {
    vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
    ]
}

/// The bad release: 40% of its requests crash the worker, and the proxy answers 502 for them.
fn bad_release_behaviour() -> AppBehaviour {
    AppBehaviour {
        failing_percent: 40,
        failure_crashes: true,
        ..AppBehaviour::default()
    }
}

/// Binds an ingress on each address with one port, retrying when the port is taken on the
/// second address.
async fn start_ingresses(
    pki: &LabPki,
    handler: Arc<dyn ConnectionHandler>,
) -> Result<(Vec<TlsServer>, u16), WorldError> {
    let identity = pki
        .issue(&LeafSpec::new([DOMAIN]).validity(Validity::Valid))
        .map_err(|e| fail("certificate")(&e))?
        .full_chain();
    let ips = ingress_ips();
    let mut last_error = String::new();
    for _ in 0..PORT_ATTEMPTS {
        let first = TlsServer::start(
            SocketAddr::new(ips[0], 0),
            identity.clone(),
            TlsMode::Serve,
            handler.clone(),
        )
        .await
        .map_err(|e| fail("ingress")(&e))?;
        let port = first.local_addr().port();
        match TlsServer::start(
            SocketAddr::new(ips[1], port),
            identity.clone(),
            TlsMode::Serve,
            handler.clone(),
        )
        .await
        {
            Ok(second) => return Ok((vec![first, second], port)),
            Err(err) => last_error = err.to_string(),
        }
    }
    Err(WorldError {
        part: "ingress",
        message: format!("no port free on both addresses: {last_error}"),
    })
}

/// The message queue's port: listening while the queue is up, closed while it is down.
pub struct QueueListener {
    pub addr: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl QueueListener {
    async fn start() -> Result<QueueListener, WorldError> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| fail("queue")(&e))?;
        let addr = listener.local_addr().map_err(|e| fail("queue")(&e))?;
        Ok(QueueListener {
            addr,
            task: Some(tokio::spawn(accept_and_hold(listener))),
        })
    }

    /// Stops listening: connections to the port are refused from the moment this returns.
    /// Waiting for the aborted task matters: until it is dropped, the listener still takes
    /// connections into its backlog, and those would be reset rather than refused.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) -> Result<(), WorldError> {
        if self.task.is_some() {
            return Ok(());
        }
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|e| fail("queue")(&e))?;
        self.task = Some(tokio::spawn(accept_and_hold(listener)));
        Ok(())
    }

    #[must_use]
    pub fn is_up(&self) -> bool {
        self.task.is_some()
    }
}

impl Drop for QueueListener {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Accepts connections and keeps each open until the client closes it, as a broker would.
/// Aborting the accept loop drops the listener, so new connections are refused.
async fn accept_and_hold(listener: tokio::net::TcpListener) {
    let mut held = tokio::task::JoinSet::new();
    while let Ok((mut stream, _)) = listener.accept().await {
        held.spawn(async move {
            let mut sink = [0u8; 512];
            while let Ok(n) = tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await {
                if n == 0 {
                    break;
                }
            }
        });
    }
}
