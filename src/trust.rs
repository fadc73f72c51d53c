//! What warroom's own HTTPS clients trust: the public web roots plus any configured ones, with
//! the ring provider named explicitly rather than taken from a process-wide default.
//!
//! Dependency checks, chat notifications and the demo's traffic share this; the TLS hop builds
//! its own configuration because it must record the chain before verifying it.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_pki_types::CertificateDer;

/// A rustls client configuration trusting the public roots and `extra_roots`.
pub fn client_config(
    extra_roots: &[CertificateDer<'static>],
) -> Result<ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots.add(root.clone())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
