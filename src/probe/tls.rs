//! The ingress hop: a TLS handshake that records what the server sent, even when it is wrong.
//! (Being written: the interface below is what the chain calls.)

use std::io;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::ProbeSetupError;
use super::model::{Finding, HopReport};
use super::spec::ProbeSettings;

/// A TLS client built once per run: trusted roots (public plus configured), and a verifier that
/// captures the presented chain before delegating.
pub struct TlsClient {
    _private: (),
}

impl TlsClient {
    pub fn new(settings: &ProbeSettings) -> Result<Self, ProbeSetupError> {
        let _ = settings;
        Ok(TlsClient { _private: () })
    }

    /// Shakes hands over `tcp` with SNI `server_name`. Returns the hop (status, time, findings
    /// and a `TlsDetail`) and the stream when the request can go on over it.
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        server_name: &str,
        timeout: Duration,
    ) -> (HopReport, Option<TlsStream<TcpStream>>) {
        let _ = (tcp, server_name, timeout);
        unimplemented!("the TLS hop is being written")
    }
}

/// Some TLS failures only surface on the first read after the handshake (a TLS 1.3 server that
/// requires a client certificate sends its alert then). Given an I/O error from the HTTP hop,
/// returns the TLS finding it really is, so the break is blamed on the ingress, not the app.
#[must_use]
pub fn finding_from_post_handshake_error(err: &io::Error) -> Option<Finding> {
    let _ = err;
    None
}
