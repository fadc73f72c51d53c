//! The payment provider's side of the demo: webhook deliveries and a little other traffic sent
//! to both ingress addresses over real TLS, so the ingress's access log fills as it would in
//! production. A seed makes the mix repeatable.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::world::DOMAIN;

/// Requests a second at speed 1.
const REQUESTS_PER_SECOND: f64 = 25.0;
/// The most a response is read; the demo app answers with a few hundred bytes.
const MAX_RESPONSE: usize = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// Paths and their weights: mostly webhook deliveries.
const PATHS: [(&str, &str, u32); 5] = [
    ("POST", "/webhooks/stripe", 50),
    ("POST", "/webhooks/adyen", 20),
    ("GET", "/api/v1/payments", 15),
    ("GET", "/health", 10),
    ("GET", "/api/v1/refunds", 5),
];

/// Sends traffic until the task is dropped.
pub async fn run(
    root: CertificateDer<'static>,
    ingresses: Vec<IpAddr>,
    port: u16,
    speed: f64,
    rng_seed: u64,
) {
    let config = match crate::trust::client_config(&[root]) {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(%err, "demo traffic: no TLS client; no traffic will be sent");
            return;
        }
    };
    let connector = TlsConnector::from(Arc::new(config));
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let pause = Duration::from_secs_f64(1.0 / (REQUESTS_PER_SECOND * speed.max(0.01)));
    let total_weight: u32 = PATHS.iter().map(|p| p.2).sum();
    loop {
        let ip = ingresses[rng.random_range(0..ingresses.len())];
        let mut pick = rng.random_range(0..total_weight);
        let (method, path, _) = PATHS
            .iter()
            .find(|p| {
                let hit = pick < p.2;
                pick = pick.saturating_sub(p.2);
                hit
            })
            .copied()
            .unwrap_or(PATHS[0]);
        let connector = connector.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(
                REQUEST_TIMEOUT,
                send(connector, SocketAddr::new(ip, port), method, path),
            )
            .await;
        });
        tokio::time::sleep(pause).await;
    }
}

async fn send(
    connector: TlsConnector,
    addr: SocketAddr,
    method: &str,
    path: &str,
) -> std::io::Result<()> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(DOMAIN).map_err(std::io::Error::other)?;
    let mut tls = connector.connect(name, tcp).await?;
    let agent = if path.starts_with("/webhooks/") {
        "PaymentProvider-Webhooks/2.1"
    } else {
        "checkout-web/5.3"
    };
    let body = if method == "POST" {
        r#"{"type":"payment_intent.succeeded","id":"evt_demo"}"#
    } else {
        ""
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {DOMAIN}\r\nUser-Agent: {agent}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    (&mut tls)
        .take(MAX_RESPONSE as u64)
        .read_to_end(&mut response)
        .await?;
    Ok(())
}
