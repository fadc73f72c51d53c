//! Certificate forensics: what the server sent, checked independently of the verifier.
//!
//! rustls stops at the first problem it meets and reports one error; an incident commander wants
//! every problem at once ("expired *and* issued for another name"). The TLS hop hands the chain
//! it captured to [`analyse_chain`], which parses each certificate with `x509-parser`, turns it
//! into a [`CertSummary`] (every text field made inert, since subjects are untrusted input) and
//! runs its own checks: validity window, expiry warning, name, and how the chain ends (anchored,
//! self-signed, missing issuer, unknown root). The verifier's verdict stays authoritative for
//! pass or fail; these checks only explain it.

use std::fmt::Write as _;
use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::model::{CertSummary, Finding, FindingCode};
use crate::text::inert;

/// The subjects of every trusted root, as raw DER name contents (the form webpki keeps).
#[derive(Debug, Clone, Default)]
pub struct TrustedSubjects(Vec<Vec<u8>>);

impl TrustedSubjects {
    /// Wraps subjects taken from `RootCertStore::roots` (or parsed names stripped of their header).
    #[must_use]
    pub fn new(subjects: Vec<Vec<u8>>) -> Self {
        TrustedSubjects(subjects)
    }

    fn contains(&self, name: &[u8]) -> bool {
        self.0.iter().any(|s| s == name)
    }
}

/// One parsed certificate: its summary plus the raw facts the checks need.
#[derive(Debug, Clone)]
pub struct ParsedCert {
    /// The fields shown to people, already made inert.
    pub summary: CertSummary,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    dns_names: Vec<String>,
    ip_addrs: Vec<IpAddr>,
}

/// What [`analyse_chain`] found: a summary per certificate and every applicable finding.
#[derive(Debug, Clone, Default)]
pub struct ChainAnalysis {
    pub chain: Vec<CertSummary>,
    pub findings: Vec<Finding>,
}

/// How the chain as sent ends, following issuers from the leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEnd {
    /// The last certificate reached was issued by (or is) a trusted root.
    Anchored,
    /// The leaf signed itself.
    SelfSignedLeaf,
    /// The chain stops at a certificate whose issuer was neither sent nor trusted.
    MissingIssuer { issuer: String },
    /// The chain is complete up to a self-signed root that nobody trusts.
    UnknownRoot { root: String },
    /// Nothing could be parsed.
    Unreadable,
}

/// Parses one certificate; a certificate x509-parser cannot read still gets its fingerprint.
#[must_use]
pub fn parse(der: &CertificateDer<'_>) -> ParsedCert {
    let sha256 = fingerprint(der);
    let Ok((_, cert)) = X509Certificate::from_der(der.as_ref()) else {
        return ParsedCert {
            summary: CertSummary {
                subject: "(unparsable certificate)".to_owned(),
                sha256,
                ..CertSummary::default()
            },
            subject_raw: Vec::new(),
            issuer_raw: Vec::new(),
            dns_names: Vec::new(),
            ip_addrs: Vec::new(),
        };
    };

    let mut sans = Vec::new();
    let mut dns_names = Vec::new();
    let mut ip_addrs = Vec::new();
    let mut subject_key_id = None;
    let mut authority_key_id = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(dns) => {
                            sans.push(inert(dns).into_owned());
                            dns_names.push((*dns).to_owned());
                        }
                        GeneralName::IPAddress(bytes) => {
                            if let Some(ip) = ip_from_bytes(bytes) {
                                sans.push(ip.to_string());
                                ip_addrs.push(ip);
                            }
                        }
                        other => sans.push(inert(&other.to_string()).into_owned()),
                    }
                }
            }
            ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|id| id.0.to_vec());
            }
            _ => {}
        }
    }

    let subject_raw = der_contents(cert.subject().as_raw()).to_vec();
    let issuer_raw = der_contents(cert.issuer().as_raw()).to_vec();
    let key_ids_agree = match (&subject_key_id, &authority_key_id) {
        (Some(ski), Some(aki)) => ski == aki,
        _ => true,
    };
    let validity = cert.validity();
    ParsedCert {
        summary: CertSummary {
            subject: inert(&cert.subject().to_string()).into_owned(),
            issuer: inert(&cert.issuer().to_string()).into_owned(),
            sans,
            not_before: DateTime::from_timestamp(validity.not_before.timestamp(), 0),
            not_after: DateTime::from_timestamp(validity.not_after.timestamp(), 0),
            sha256,
            self_signed: subject_raw == issuer_raw && key_ids_agree,
        },
        subject_raw,
        issuer_raw,
        dns_names,
        ip_addrs,
    }
}

/// Runs every independent check on the chain as the server sent it (leaf first).
#[must_use]
pub fn analyse_chain(
    chain: &[CertificateDer<'_>],
    server_name: &str,
    trusted: &TrustedSubjects,
    now: DateTime<Utc>,
    warn_days: u32,
) -> ChainAnalysis {
    let parsed: Vec<ParsedCert> = chain.iter().map(parse).collect();
    let mut findings = Vec::new();

    for (position, cert) in parsed.iter().enumerate() {
        findings.extend(validity_finding(cert, position, now, warn_days));
    }
    if let Some(leaf) = parsed.first()
        && !name_matches(server_name, &leaf.dns_names, &leaf.ip_addrs)
    {
        findings.push(name_mismatch(server_name, &leaf.summary.sans));
    }
    findings.extend(trust_finding(&chain_end(&parsed, trusted)));

    ChainAnalysis {
        chain: parsed.into_iter().map(|p| p.summary).collect(),
        findings,
    }
}

/// Follows issuers from the leaf through the certificates that were sent.
///
/// Known gap: issuers are matched by name, and self-signed by name and key identifiers, without
/// checking signatures. A chain that names a trusted root but was not signed by it reads as
/// anchored here; the verifier still rejects it, and its error is then reported on its own.
#[must_use]
pub fn chain_end(parsed: &[ParsedCert], trusted: &TrustedSubjects) -> ChainEnd {
    let Some(mut current) = parsed.first() else {
        return ChainEnd::Unreadable;
    };
    if current.subject_raw.is_empty() {
        return ChainEnd::Unreadable;
    }
    // Each step moves to a certificate not visited yet, so the walk ends within `parsed.len()`.
    let mut visited = vec![0usize];
    loop {
        if trusted.contains(&current.issuer_raw) {
            return ChainEnd::Anchored;
        }
        if current.summary.self_signed {
            return if visited.len() == 1 {
                ChainEnd::SelfSignedLeaf
            } else {
                ChainEnd::UnknownRoot {
                    root: current.summary.subject.clone(),
                }
            };
        }
        let next = parsed.iter().enumerate().find(|(i, candidate)| {
            !visited.contains(i) && candidate.subject_raw == current.issuer_raw
        });
        match next {
            Some((i, cert)) => {
                visited.push(i);
                current = cert;
            }
            None => {
                return ChainEnd::MissingIssuer {
                    issuer: current.summary.issuer.clone(),
                };
            }
        }
    }
}

/// Whether the leaf names `server_name`: an IP literal against IP SANs, a host name against DNS
/// SANs with a wildcard standing for exactly one leftmost label. The common name is ignored, as
/// webpki ignores it.
#[must_use]
pub fn name_matches(server_name: &str, dns_names: &[String], ip_addrs: &[IpAddr]) -> bool {
    let bare = server_name.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip_addrs.contains(&ip);
    }
    let wanted = bare.trim_end_matches('.').to_ascii_lowercase();
    dns_names.iter().any(|presented| {
        let presented = presented.trim_end_matches('.').to_ascii_lowercase();
        match presented.strip_prefix("*.") {
            Some(suffix) => wanted
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
            None => presented == wanted,
        }
    })
}

fn validity_finding(
    cert: &ParsedCert,
    position: usize,
    now: DateTime<Utc>,
    warn_days: u32,
) -> Option<Finding> {
    let who = describe(cert, position);
    let summary = &cert.summary;
    if let Some(not_after) = summary.not_after.filter(|t| *t < now) {
        return Some(Finding::new(
            FindingCode::TlsCertExpired,
            format!(
                "{who} expired {} ago (not after {})",
                span(now - not_after),
                not_after.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    if let Some(not_before) = summary.not_before.filter(|t| *t > now) {
        return Some(Finding::new(
            FindingCode::TlsCertNotYetValid,
            format!(
                "{who} is not valid for another {} (not before {})",
                span(not_before - now),
                not_before.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    let warn_window = TimeDelta::days(i64::from(warn_days));
    if let Some(not_after) = summary.not_after.filter(|t| *t - now <= warn_window) {
        return Some(Finding::new(
            FindingCode::TlsCertExpiring,
            format!(
                "{who} expires in {} (not after {}), within the {warn_days}-day warning window",
                span(not_after - now),
                not_after.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    None
}

fn name_mismatch(server_name: &str, presented: &[String]) -> Finding {
    let presented = if presented.is_empty() {
        "no names at all (no subjectAltName)".to_owned()
    } else {
        presented.join(", ")
    };
    Finding::new(
        FindingCode::TlsNameMismatch,
        format!(
            "expected {}, the certificate is for {presented}",
            inert(server_name)
        ),
    )
}

fn trust_finding(end: &ChainEnd) -> Option<Finding> {
    match end {
        ChainEnd::Anchored | ChainEnd::Unreadable => None,
        ChainEnd::SelfSignedLeaf => Some(Finding::new(
            FindingCode::TlsSelfSigned,
            "the certificate is self-signed and is not a trusted root",
        )),
        ChainEnd::MissingIssuer { issuer } => Some(Finding::new(
            FindingCode::TlsIncompleteChain,
            format!(
                "the issuer {issuer} was not sent and is not a trusted root \
                 (missing intermediate certificate?)"
            ),
        )),
        ChainEnd::UnknownRoot { root } => Some(Finding::new(
            FindingCode::TlsUntrustedRoot,
            format!("the chain is complete but ends at {root}, which is not a trusted root"),
        )),
    }
}

/// Names a certificate for a sentence: the leaf by its first name, others by subject.
fn describe(cert: &ParsedCert, position: usize) -> String {
    if position == 0 {
        let name = cert.summary.sans.first().unwrap_or(&cert.summary.subject);
        format!("the certificate for {name}")
    } else {
        format!("the chain certificate {}", cert.summary.subject)
    }
}

/// A duration in the largest unit that keeps it readable: `3 days`, `5 hours`, `12 minutes`.
#[must_use]
pub fn span(delta: TimeDelta) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if delta.num_days() >= 2 {
        plural(delta.num_days(), "day")
    } else if delta.num_hours() >= 2 {
        plural(delta.num_hours(), "hour")
    } else {
        plural(delta.num_minutes().max(0), "minute")
    }
}

/// The lowercase hex SHA-256 of the certificate's DER, as `openssl x509 -fingerprint` shows it
/// without colons.
#[must_use]
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Strips the tag and length of a DER SEQUENCE, leaving its contents; webpki's trust anchors
/// keep names in that form, x509-parser keeps the whole element.
fn der_contents(element: &[u8]) -> &[u8] {
    let Some(&first_len) = element.get(1) else {
        return element;
    };
    let header = if first_len < 0x80 {
        2
    } else {
        2 + usize::from(first_len & 0x7f)
    };
    element.get(header..).unwrap_or(element)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::lab::pki::{LabPki, LeafSpec, Validity};
    use crate::probe::model::FindingCode as C;

    fn trusting(pki: &LabPki) -> TrustedSubjects {
        TrustedSubjects::new(vec![parse(&pki.root_der()).subject_raw])
    }

    fn codes(analysis: &ChainAnalysis) -> Vec<FindingCode> {
        analysis.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn chain_checks_find_every_fault_at_once() {
        let pki = LabPki::new().expect("lab pki");
        let spec =
            |names: &[&str], validity| LeafSpec::new(names.iter().copied()).validity(validity);
        let valid = pki
            .issue(&spec(&["localhost"], Validity::Valid))
            .expect("leaf");
        let expired = pki
            .issue(&spec(&["localhost"], Validity::Expired { days_ago: 3 }))
            .expect("leaf");
        let expired_elsewhere = pki
            .issue(&spec(&["other.example"], Validity::Expired { days_ago: 3 }))
            .expect("leaf");
        let expiring = pki
            .issue(&spec(&["localhost"], Validity::ExpiringIn { days: 3 }))
            .expect("leaf");
        let self_signed = pki
            .self_signed(&spec(&["localhost"], Validity::Valid))
            .expect("leaf");
        let untrusted = pki
            .issue_untrusted(&spec(&["localhost"], Validity::Valid))
            .expect("leaf");
        let mut with_root = valid.full_chain().chain;
        with_root.push(pki.root_der());

        let cases: Vec<(&str, Vec<CertificateDer<'static>>, u32, Vec<FindingCode>)> = vec![
            ("full chain", valid.full_chain().chain, 14, vec![]),
            ("full chain plus the root", with_root, 14, vec![]),
            (
                "leaf only",
                valid.leaf_only().chain,
                14,
                vec![C::TlsIncompleteChain],
            ),
            (
                "self-signed",
                self_signed.full_chain().chain,
                14,
                vec![C::TlsSelfSigned],
            ),
            (
                "unknown root",
                untrusted.full_chain().chain,
                14,
                vec![C::TlsUntrustedRoot],
            ),
            (
                "expired",
                expired.full_chain().chain,
                14,
                vec![C::TlsCertExpired],
            ),
            (
                "expired, wrong name, no intermediate",
                expired_elsewhere.leaf_only().chain,
                14,
                vec![C::TlsCertExpired, C::TlsNameMismatch, C::TlsIncompleteChain],
            ),
            (
                "expiring inside the window",
                expiring.full_chain().chain,
                14,
                vec![C::TlsCertExpiring],
            ),
            (
                "expiring outside the window",
                expiring.full_chain().chain,
                2,
                vec![],
            ),
            ("nothing sent", vec![], 14, vec![]),
        ];
        for (label, chain, warn_days, want) in cases {
            let analysis =
                analyse_chain(&chain, "localhost", &trusting(&pki), Utc::now(), warn_days);
            assert_eq!(codes(&analysis), want, "{label}: {:?}", analysis.findings);
            assert_eq!(analysis.chain.len(), chain.len(), "{label}");
        }
    }

    #[test]
    fn chain_end_follows_issuers_and_names_the_gap() {
        let pki = LabPki::new().expect("lab pki");
        let leaf = pki.issue(&LeafSpec::new(["localhost"])).expect("leaf");
        let parsed: Vec<ParsedCert> = leaf.leaf_only().chain.iter().map(parse).collect();
        let end = chain_end(&parsed, &trusting(&pki));
        assert!(
            matches!(&end, ChainEnd::MissingIssuer { issuer } if issuer.contains("intermediate")),
            "{end:?}"
        );
        let out_of_order = [leaf.leaf.clone(), pki.root_der(), pki.intermediate_der()];
        let parsed: Vec<ParsedCert> = out_of_order.iter().map(parse).collect();
        assert_eq!(chain_end(&parsed, &trusting(&pki)), ChainEnd::Anchored);
        assert_eq!(chain_end(&[], &trusting(&pki)), ChainEnd::Unreadable);
    }

    #[test]
    fn names_match_like_webpki() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let cases: [(&str, &[&str], &[IpAddr], bool); 9] = [
            ("localhost", &["localhost"], &[], true),
            ("LOCALHOST.", &["localhost"], &[], true),
            ("a.example.com", &["*.example.com"], &[], true),
            ("example.com", &["*.example.com"], &[], false),
            ("a.b.example.com", &["*.example.com"], &[], false),
            ("localhost", &["other.example"], &[], false),
            ("127.0.0.1", &[], &[ip("127.0.0.1")], true),
            ("127.0.0.1", &["127.0.0.1"], &[], false),
            ("[::1]", &[], &[ip("::1")], true),
        ];
        for (name, dns, ips, want) in cases {
            let dns: Vec<String> = dns.iter().map(ToString::to_string).collect();
            assert_eq!(
                name_matches(name, &dns, ips),
                want,
                "{name} vs {dns:?} {ips:?}"
            );
        }
    }

    #[test]
    fn spans_read_in_the_largest_sensible_unit() {
        let cases = [
            (TimeDelta::days(3) + TimeDelta::hours(1), "3 days"),
            (TimeDelta::days(1), "24 hours"),
            (TimeDelta::minutes(90), "90 minutes"),
            (TimeDelta::minutes(1), "1 minute"),
            (TimeDelta::seconds(-5), "0 minutes"),
        ];
        for (delta, want) in cases {
            assert_eq!(span(delta), want);
        }
    }

    #[test]
    fn der_contents_skips_short_and_long_headers() {
        assert_eq!(der_contents(&[0x30, 3, 1, 2, 3]), [1, 2, 3]);
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([7u8; 128]);
        assert_eq!(der_contents(&long), [7u8; 128]);
        assert_eq!(der_contents(&[0x30]), [0x30]);
    }

    #[test]
    fn unparsable_certificate_still_has_a_fingerprint() {
        let junk = CertificateDer::from(vec![1u8, 2, 3]);
        let parsed = parse(&junk);
        assert_eq!(parsed.summary.sha256, fingerprint(&[1, 2, 3]));
        assert!(parsed.summary.subject.contains("unparsable"));
    }
}
