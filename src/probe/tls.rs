//! The ingress hop: a TLS handshake that records what the server sent, even when it is wrong.
//!
//! The TCP hop hands over a connected stream; [`TlsClient::handshake`] shakes hands over it with
//! rustls (ring provider, TLS 1.2 and 1.3, ALPN `http/1.1` only, no session resumption so every
//! probe sees the certificate). A capturing verifier stores the chain the server sent and then
//! delegates to webpki, so the chain survives a failed verification. Afterwards the chain goes
//! through the independent checks of [`super::cert`], and the rustls error, if any, through
//! [`classify`]. The HTTP hop then runs over the returned stream; errors it meets on the first
//! read may still be TLS failures, which [`finding_from_post_handshake_error`] recognises.

pub mod classify;

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::ProbeSetupError;
use super::cert::{TrustedSubjects, analyse_chain};
use super::model::{Finding, FindingCode, HopDetail, HopReport, HopStatus, TlsDetail};
use super::spec::ProbeSettings;
use crate::text::inert;
use classify::{HandshakeFacts, finding_for_io_error, finding_for_rustls_error, is_trust_code};

/// The only application protocol offered: the HTTP hop speaks HTTP/1.1.
const ALPN_HTTP11: &[u8] = b"http/1.1";

/// A TLS client built once per run: trusted roots (public plus configured), and a verifier that
/// captures the presented chain before delegating.
pub struct TlsClient {
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
    trusted: TrustedSubjects,
    warn_days: u32,
}

impl TlsClient {
    pub fn new(settings: &ProbeSettings) -> Result<Self, ProbeSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for (i, der) in settings.extra_roots.iter().enumerate() {
            roots.add(der.clone()).map_err(|e| {
                ProbeSetupError::Tls(format!("extra trusted root #{} is not usable: {e}", i + 1))
            })?;
        }
        let trusted = TrustedSubjects::new(
            roots
                .roots
                .iter()
                .map(|anchor| anchor.subject.as_ref().to_vec())
                .collect(),
        );
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| ProbeSetupError::Tls(format!("building the certificate verifier: {e}")))?;
        Ok(TlsClient {
            provider,
            webpki,
            trusted,
            warn_days: settings.warn_days,
        })
    }

    /// Shakes hands over `tcp` with SNI `server_name`. Returns the hop (status, time, findings
    /// and a `TlsDetail`) and the stream when the request can go on over it.
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        server_name: &str,
        timeout: Duration,
    ) -> (HopReport, Option<TlsStream<TcpStream>>) {
        let mut detail = TlsDetail {
            sni: inert(server_name).into_owned(),
            ..TlsDetail::default()
        };
        let bare_name = server_name.trim_start_matches('[').trim_end_matches(']');
        let name = match ServerName::try_from(bare_name.to_owned()) {
            Ok(name) => name,
            Err(e) => {
                let finding = Finding::new(
                    FindingCode::TlsNameMismatch,
                    format!("{} cannot be used as a TLS server name: {e}", detail.sni),
                );
                return (finished(Some(0.0), vec![finding], detail), None);
            }
        };

        let capture = Arc::new(Capture::default());
        let connector = match self.connector(&capture) {
            Ok(connector) => connector,
            Err(e) => {
                let finding = Finding::new(
                    FindingCode::TlsAlert,
                    format!("warroom could not configure TLS for this handshake: {e}"),
                );
                return (finished(Some(0.0), vec![finding], detail), None);
            }
        };

        // Known gap: when the handshake fails, tokio-rustls drops the connection with the error,
        // so the version and cipher the server chose are not recorded for failed handshakes.
        // Known gap: revocation (OCSP stapling, CRLs) is not checked.
        let started = Instant::now();
        let outcome = tokio::time::timeout(timeout, connector.connect(name, tcp)).await;
        let ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        let captured = capture.take();
        let facts = HandshakeFacts {
            client_cert_requested: captured.client_cert_requested,
            saw_certificate: !captured.chain.is_empty(),
        };
        detail.client_cert_requested = captured.client_cert_requested;
        let analysis = analyse_chain(
            &captured.chain,
            bare_name,
            &self.trusted,
            chrono::Utc::now(),
            self.warn_days,
        );
        detail.chain = analysis.chain;

        let findings_of_chain = analysis.findings;
        match outcome {
            Ok(Ok(stream)) => {
                let (_, session) = stream.get_ref();
                detail.version = session.protocol_version().map(version_name);
                detail.cipher = session
                    .negotiated_cipher_suite()
                    .map(|suite| format!("{:?}", suite.suite()));
                detail.alpn = session
                    .alpn_protocol()
                    .map(|p| inert(&String::from_utf8_lossy(p)).into_owned());
                // Verification passed, so only warnings (an expiry coming up) still apply.
                let warnings = findings_of_chain
                    .into_iter()
                    .filter(|f| f.code.severity() == HopStatus::Warn)
                    .collect();
                (finished(ms, warnings, detail), Some(stream))
            }
            Ok(Err(err)) => {
                let findings = failure_findings(
                    &err,
                    captured.verify_error.as_ref(),
                    facts,
                    findings_of_chain,
                );
                log_failure(bare_name, &findings);
                (finished(ms, findings, detail), None)
            }
            Err(_elapsed) => {
                let finding = timeout_finding(timeout, facts);
                log_failure(bare_name, std::slice::from_ref(&finding));
                (finished(ms, vec![finding], detail), None)
            }
        }
    }

    /// A connector for one handshake: a fresh configuration, so that the capture belongs to this
    /// handshake alone and no session is resumed (a resumed session skips the certificate).
    fn connector(&self, capture: &Arc<Capture>) -> Result<TlsConnector, rustls::Error> {
        let verifier = Arc::new(CapturingVerifier {
            inner: self.webpki.clone(),
            capture: capture.clone(),
        });
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(rustls::ALL_VERSIONS)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_cert_resolver(Arc::new(NoClientCert {
                capture: capture.clone(),
            }));
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        config.resumption = Resumption::disabled();
        Ok(TlsConnector::from(Arc::new(config)))
    }
}

/// Some TLS failures only surface on the first read after the handshake (a TLS 1.3 server that
/// requires a client certificate sends its alert then). Given an I/O error from the HTTP hop,
/// returns the TLS finding it really is, so the break is blamed on the ingress, not the app.
/// Plain I/O errors (a reset, an early close) return `None`: those belong to the HTTP hop.
#[must_use]
pub fn finding_from_post_handshake_error(err: &io::Error) -> Option<Finding> {
    let tls = classify::rustls_error_in(err)?;
    Some(finding_for_rustls_error(tls, HandshakeFacts::default()))
}

/// Every finding of a failed handshake. When the verifier rejected the chain, the chain analysis
/// explains why (all faults at once) and the verifier's error fills any gap; otherwise the
/// failure came later (an alert, garbage, a closed connection) and chain warnings still apply.
fn failure_findings(
    err: &io::Error,
    verify_error: Option<&rustls::Error>,
    facts: HandshakeFacts,
    findings_of_chain: Vec<Finding>,
) -> Vec<Finding> {
    if let Some(verify_error) = verify_error {
        return merge(
            findings_of_chain,
            finding_for_rustls_error(verify_error, facts),
        );
    }
    let mut findings = vec![finding_for_io_error(err, facts)];
    findings.extend(
        findings_of_chain
            .into_iter()
            .filter(|f| f.code.severity() == HopStatus::Warn),
    );
    findings
}

fn timeout_finding(timeout: Duration, facts: HandshakeFacts) -> Finding {
    let stage = if facts.saw_certificate {
        "after sending its certificate"
    } else {
        "after accepting the connection"
    };
    Finding::new(
        FindingCode::TlsTimeout,
        format!(
            "no TLS handshake within {} ms: the server went silent {stage}",
            timeout.as_millis()
        ),
    )
}

/// Adds the verifier's own explanation unless the chain analysis already says the same thing.
fn merge(mut findings: Vec<Finding>, from_verifier: Finding) -> Vec<Finding> {
    let covered = findings.iter().any(|f| {
        f.code == from_verifier.code || (is_trust_code(f.code) && is_trust_code(from_verifier.code))
    });
    if !covered {
        findings.push(from_verifier);
    }
    findings
}

fn finished(ms: Option<f64>, findings: Vec<Finding>, detail: TlsDetail) -> HopReport {
    HopReport::finished(ms, findings, HopDetail::Tls(Box::new(detail)))
}

fn log_failure(server_name: &str, findings: &[Finding]) {
    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    tracing::debug!(server_name = %inert(server_name), ?codes, "TLS hop failed");
}

/// `TLS 1.3`, `TLS 1.2`, rather than rustls's `TLSv1_3`.
fn version_name(version: rustls::ProtocolVersion) -> String {
    match version {
        rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".to_owned(),
        rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".to_owned(),
        other => format!("{other:?}"),
    }
}

/// What one handshake's verifier and client-certificate resolver saw.
#[derive(Debug, Default)]
struct Capture {
    seen: Mutex<Captured>,
}

#[derive(Debug, Default)]
struct Captured {
    chain: Vec<CertificateDer<'static>>,
    verify_error: Option<rustls::Error>,
    client_cert_requested: bool,
}

impl Capture {
    fn update(&self, change: impl FnOnce(&mut Captured)) {
        // A panic while holding this lock leaves plain data behind, still worth reading.
        change(&mut self.seen.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn take(&self) -> Captured {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Records the chain and the verdict, then returns webpki's verdict unchanged.
#[derive(Debug)]
struct CapturingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    capture: Arc<Capture>,
}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        self.capture.update(|seen| {
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|der| der.clone().into_owned())
                .collect();
            seen.verify_error = verdict.as_ref().err().cloned();
        });
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// warroom has no client certificate; this notes that the server asked for one, which explains
/// a later rejection.
#[derive(Debug)]
struct NoClientCert {
    capture: Arc<Capture>,
}

impl ResolvesClientCert for NoClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.capture
            .update(|seen| seen.client_cert_requested = true);
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: FindingCode) -> Finding {
        Finding::new(code, "x")
    }

    #[test]
    fn verifier_error_is_added_only_when_the_chain_analysis_missed_it() {
        use FindingCode as C;
        let cases = [
            (
                vec![C::TlsSelfSigned],
                C::TlsUntrustedRoot,
                vec![C::TlsSelfSigned],
            ),
            (
                vec![C::TlsCertExpired],
                C::TlsCertExpired,
                vec![C::TlsCertExpired],
            ),
            (vec![], C::TlsUntrustedRoot, vec![C::TlsUntrustedRoot]),
            (
                vec![C::TlsCertExpired],
                C::TlsNameMismatch,
                vec![C::TlsCertExpired, C::TlsNameMismatch],
            ),
        ];
        for (from_chain, from_verifier, want) in cases {
            let merged = merge(
                from_chain.iter().copied().map(finding).collect(),
                finding(from_verifier),
            );
            let got: Vec<FindingCode> = merged.iter().map(|f| f.code).collect();
            assert_eq!(got, want, "{from_chain:?} + {from_verifier:?}");
        }
    }

    #[test]
    fn client_builds_with_public_roots_and_rejects_garbage_extra_roots() {
        assert!(TlsClient::new(&ProbeSettings::default()).is_ok());
        let settings = ProbeSettings {
            extra_roots: vec![CertificateDer::from(vec![0u8; 8])],
            ..ProbeSettings::default()
        };
        assert!(matches!(
            TlsClient::new(&settings),
            Err(ProbeSetupError::Tls(_))
        ));
    }
}
