//! Turns what rustls reports into findings from the closed set.
//!
//! rustls reports one error per failed handshake, wrapped in an `io::Error` by tokio-rustls. The
//! functions here unwrap it and name it for people: alerts by their RFC name, record-layer
//! garbage as "not TLS", certificate errors by kind. Certificate errors are only a fallback: the
//! chain analysis in [`crate::probe::cert`] usually explains them better and first. Error text
//! can echo what the server sent (names in a certificate), so it is made inert before use.

use std::io;

use rustls::{AlertDescription, CertificateError, InvalidMessage};

use crate::probe::model::{Finding, FindingCode};
use crate::text::inert;

/// What the handshake knew when it failed, beyond the error itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct HandshakeFacts {
    /// The server sent a `CertificateRequest` and warroom answered without a certificate.
    pub client_cert_requested: bool,
    /// The verifier saw the server's certificate, so the peer certainly speaks TLS.
    pub saw_certificate: bool,
}

/// Finds the rustls error inside an I/O error, looking through nested sources.
#[must_use]
pub fn rustls_error_in(err: &io::Error) -> Option<&rustls::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(inner_io) = current.downcast_ref::<io::Error>() {
            source = inner_io.get_ref().map(|e| e as _);
        } else {
            source = current.source();
        }
    }
    None
}

/// The finding for a handshake that failed with `err`.
#[must_use]
pub fn finding_for_io_error(err: &io::Error, facts: HandshakeFacts) -> Finding {
    if let Some(tls) = rustls_error_in(err) {
        return finding_for_rustls_error(tls, facts);
    }
    let how = match err.kind() {
        io::ErrorKind::UnexpectedEof => "closed the connection",
        io::ErrorKind::ConnectionReset => "reset the connection",
        _ => "broke the connection",
    };
    if facts.saw_certificate {
        Finding::new(
            FindingCode::TlsAlert,
            format!("the server {how} in the middle of the handshake, without a TLS alert"),
        )
    } else {
        Finding::new(
            FindingCode::TlsNotTls,
            format!(
                "the server {how} without answering the TLS handshake ({})",
                inert(&err.to_string())
            ),
        )
    }
}

/// The finding for one rustls error.
#[must_use]
pub fn finding_for_rustls_error(err: &rustls::Error, facts: HandshakeFacts) -> Finding {
    use FindingCode as C;
    match err {
        rustls::Error::AlertReceived(alert) => finding_for_alert(*alert, facts),
        rustls::Error::InvalidCertificate(cert) => finding_for_certificate_error(cert),
        rustls::Error::InvalidMessage(
            InvalidMessage::InvalidContentType
            | InvalidMessage::UnknownProtocolVersion
            | InvalidMessage::MessageTooLarge,
        )
        | rustls::Error::PeerSentOversizedRecord => Finding::new(
            C::TlsNotTls,
            "the server did not answer in TLS (its first bytes are not a TLS record; \
             plain HTTP on the TLS port?)",
        ),
        rustls::Error::NoApplicationProtocol => Finding::new(
            C::TlsAlert,
            "the server and warroom share no application protocol (warroom offers http/1.1)",
        ),
        rustls::Error::PeerIncompatible(why) => Finding::new(
            C::TlsAlert,
            format!(
                "the server and warroom share no usable TLS parameters ({})",
                inert(&format!("{why:?}"))
            ),
        ),
        other => Finding::new(
            C::TlsAlert,
            format!(
                "the handshake failed with a protocol error: {}",
                inert(&other.to_string())
            ),
        ),
    }
}

/// The finding for an alert the server sent.
#[must_use]
pub fn finding_for_alert(alert: AlertDescription, facts: HandshakeFacts) -> Finding {
    let rejects_missing_cert = matches!(
        alert,
        AlertDescription::HandshakeFailure
            | AlertDescription::BadCertificate
            | AlertDescription::AccessDenied
    );
    if alert == AlertDescription::CertificateRequired
        || (facts.client_cert_requested && rejects_missing_cert)
    {
        return Finding::new(
            FindingCode::TlsClientCertRequired,
            format!(
                "the server requires a client certificate (mutual TLS) and warroom has none \
                 to present; the server sent the alert {}",
                alert_name(alert)
            ),
        );
    }
    Finding::new(
        FindingCode::TlsAlert,
        format!("the server sent the alert {}", alert_name(alert)),
    )
}

fn finding_for_certificate_error(err: &CertificateError) -> Finding {
    use FindingCode as C;
    match err {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            Finding::new(C::TlsCertExpired, "the certificate has expired")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            Finding::new(C::TlsCertNotYetValid, "the certificate is not valid yet")
        }
        CertificateError::NotValidForName => Finding::new(
            C::TlsNameMismatch,
            "the certificate is not valid for the requested name",
        ),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => Finding::new(
            C::TlsNameMismatch,
            format!(
                "expected {}, the certificate is for {}",
                inert(&expected.to_str()),
                inert(&presented.join(", "))
            ),
        ),
        CertificateError::UnknownIssuer => Finding::new(
            C::TlsUntrustedRoot,
            "the chain does not lead to a trusted root (unknown issuer)",
        ),
        other => Finding::new(
            C::TlsUntrustedRoot,
            format!(
                "the certificate chain was rejected: {}",
                inert(&format!("{other:?}"))
            ),
        ),
    }
}

/// The RFC 8446 name of an alert with its number: `no_application_protocol (120)`.
#[must_use]
pub fn alert_name(alert: AlertDescription) -> String {
    let number = u8::from(alert);
    if let AlertDescription::Unknown(_) = alert {
        return format!("unknown ({number})");
    }
    let debug = format!("{alert:?}");
    let mut snake = String::with_capacity(debug.len() + 4);
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    format!("{snake} ({number})")
}

/// True when the two findings explain the verifier's failure the same way, so the fallback from
/// the rustls error adds nothing to the chain analysis.
#[must_use]
pub fn is_trust_code(code: FindingCode) -> bool {
    matches!(
        code,
        FindingCode::TlsSelfSigned
            | FindingCode::TlsIncompleteChain
            | FindingCode::TlsUntrustedRoot
    )
}

#[cfg(test)]
mod tests {
    use rustls::{CertificateError as CE, Error as E, PeerIncompatible};

    use super::*;
    use crate::probe::model::FindingCode as C;

    const NONE: HandshakeFacts = HandshakeFacts {
        client_cert_requested: false,
        saw_certificate: false,
    };
    const ASKED: HandshakeFacts = HandshakeFacts {
        client_cert_requested: true,
        saw_certificate: true,
    };

    #[test]
    fn rustls_errors_map_to_their_codes() {
        let cases = [
            (
                E::AlertReceived(AlertDescription::CertificateRequired),
                NONE,
                C::TlsClientCertRequired,
                "certificate_required (116)",
            ),
            (
                E::AlertReceived(AlertDescription::HandshakeFailure),
                ASKED,
                C::TlsClientCertRequired,
                "handshake_failure (40)",
            ),
            (
                E::AlertReceived(AlertDescription::HandshakeFailure),
                NONE,
                C::TlsAlert,
                "handshake_failure (40)",
            ),
            (
                E::AlertReceived(AlertDescription::NoApplicationProtocol),
                NONE,
                C::TlsAlert,
                "no_application_protocol (120)",
            ),
            (
                E::AlertReceived(AlertDescription::UnrecognisedName),
                ASKED,
                C::TlsAlert,
                "unrecognised_name (112)",
            ),
            (
                E::InvalidMessage(InvalidMessage::InvalidContentType),
                NONE,
                C::TlsNotTls,
                "not answer in TLS",
            ),
            (
                E::InvalidMessage(InvalidMessage::UnknownProtocolVersion),
                NONE,
                C::TlsNotTls,
                "plain HTTP",
            ),
            (
                E::InvalidMessage(InvalidMessage::MissingData("x")),
                NONE,
                C::TlsAlert,
                "protocol error",
            ),
            (
                E::InvalidCertificate(CE::Expired),
                NONE,
                C::TlsCertExpired,
                "expired",
            ),
            (
                E::InvalidCertificate(CE::NotValidYet),
                NONE,
                C::TlsCertNotYetValid,
                "not valid yet",
            ),
            (
                E::InvalidCertificate(CE::NotValidForName),
                NONE,
                C::TlsNameMismatch,
                "requested name",
            ),
            (
                E::InvalidCertificate(CE::UnknownIssuer),
                NONE,
                C::TlsUntrustedRoot,
                "unknown issuer",
            ),
            (
                E::InvalidCertificate(CE::BadSignature),
                NONE,
                C::TlsUntrustedRoot,
                "BadSignature",
            ),
            (
                E::PeerIncompatible(PeerIncompatible::Tls12NotOffered),
                NONE,
                C::TlsAlert,
                "no usable TLS",
            ),
            (E::NoApplicationProtocol, NONE, C::TlsAlert, "http/1.1"),
        ];
        for (err, facts, code, words) in cases {
            let finding = finding_for_rustls_error(&err, facts);
            assert_eq!(finding.code, code, "{err:?}");
            assert!(
                finding.message.contains(words),
                "{err:?}: {}",
                finding.message
            );
        }
    }

    #[test]
    fn io_errors_are_unwrapped_or_explained() {
        let alert = || E::AlertReceived(AlertDescription::CertificateRequired);
        let cases = [
            (
                io::Error::new(io::ErrorKind::InvalidData, alert()),
                NONE,
                C::TlsClientCertRequired,
            ),
            (
                io::Error::other(io::Error::new(io::ErrorKind::InvalidData, alert())),
                NONE,
                C::TlsClientCertRequired,
            ),
            (
                io::Error::from(io::ErrorKind::UnexpectedEof),
                NONE,
                C::TlsNotTls,
            ),
            (
                io::Error::from(io::ErrorKind::ConnectionReset),
                NONE,
                C::TlsNotTls,
            ),
            (
                io::Error::from(io::ErrorKind::UnexpectedEof),
                ASKED,
                C::TlsAlert,
            ),
        ];
        for (err, facts, code) in cases {
            assert_eq!(finding_for_io_error(&err, facts).code, code, "{err:?}");
        }
    }

    #[test]
    fn only_rustls_errors_count_after_the_handshake() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(crate::probe::tls::finding_from_post_handshake_error(&reset).is_none());
        let alert = io::Error::new(
            io::ErrorKind::InvalidData,
            E::AlertReceived(AlertDescription::CertificateRequired),
        );
        let finding = crate::probe::tls::finding_from_post_handshake_error(&alert);
        assert_eq!(finding.map(|f| f.code), Some(C::TlsClientCertRequired));
    }

    #[test]
    fn alerts_are_named_as_in_the_rfc() {
        let cases = [
            (AlertDescription::BadRecordMac, "bad_record_mac (20)"),
            (
                AlertDescription::CertificateExpired,
                "certificate_expired (45)",
            ),
            (AlertDescription::Unknown(200), "unknown (200)"),
        ];
        for (alert, want) in cases {
            assert_eq!(alert_name(alert), want);
        }
    }
}
