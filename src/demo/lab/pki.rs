//! The lab's certificate authority, made with rcgen when the lab starts.
//!
//! A root CA and an intermediate issue leaves with the names and validity window a scenario
//! asks for (valid, expired, not yet valid, expiring in a few days). An unrelated "unknown" root
//! issues leaves nobody trusts, and self-signed leaves need no CA at all. Probes trust the lab by
//! adding [`LabPki::root_der`] to `ProbeSettings::extra_roots`; curl does so with
//! [`LabPki::root_pem`] in a `--cacert` file. Nothing here touches the network.

use chrono::Utc;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

const DAY_S: i64 = 86_400;
/// Margin added to validity edges so that "expired 3 days ago" reads as 3 days, not 2.
const EDGE_MARGIN_S: i64 = 3_600;

/// Why the lab PKI could not make a key or certificate.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("generating a lab key or certificate with rcgen: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("the clock is outside the range a certificate can express")]
    Clock,
}

/// When a leaf is valid, relative to the moment it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Valid since yesterday, for 90 days.
    Valid,
    /// Expired this many days ago.
    Expired { days_ago: u32 },
    /// Becomes valid in this many days.
    NotYetValid { days_ahead: u32 },
    /// Valid now, expires in this many days.
    ExpiringIn { days: u32 },
}

impl Validity {
    /// The window as Unix seconds (`not_before`, `not_after`) around `now_s`.
    fn window(self, now_s: i64) -> (i64, i64) {
        let days = |n: u32| i64::from(n) * DAY_S;
        match self {
            Validity::Valid => (now_s - DAY_S, now_s + 90 * DAY_S),
            Validity::Expired { days_ago } => {
                let not_after = now_s - days(days_ago) - EDGE_MARGIN_S;
                (not_after - 90 * DAY_S, not_after)
            }
            Validity::NotYetValid { days_ahead } => {
                let not_before = now_s + days(days_ahead) + EDGE_MARGIN_S;
                (not_before, not_before + 90 * DAY_S)
            }
            Validity::ExpiringIn { days: n } => {
                (now_s - 30 * DAY_S, now_s + days(n) + EDGE_MARGIN_S)
            }
        }
    }
}

/// What a leaf certificate should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafSpec {
    /// The subject's common name (shown to people; browsers and webpki ignore it).
    pub common_name: String,
    /// The subjectAltNames: host names, or IP literals which become IP SANs.
    pub names: Vec<String>,
    pub validity: Validity,
}

impl LeafSpec {
    /// A valid leaf for these names, its common name being the first of them.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        LeafSpec {
            common_name: names.first().cloned().unwrap_or_default(),
            names,
            validity: Validity::Valid,
        }
    }

    /// Sets the validity window (valid by default).
    #[must_use]
    pub fn validity(mut self, validity: Validity) -> Self {
        self.validity = validity;
        self
    }

    /// Sets the subject's common name, which may hold any text (tests use escape sequences).
    #[must_use]
    pub fn common_name(mut self, common_name: impl Into<String>) -> Self {
        self.common_name = common_name.into();
        self
    }
}

/// A certificate chain and its private key: what a TLS server presents.
#[derive(Debug)]
pub struct ServerIdentity {
    /// Leaf first, then whatever else the server sends.
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Clone for ServerIdentity {
    fn clone(&self) -> Self {
        ServerIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// A leaf, its key, and the certificates above it that a well-configured server would send.
#[derive(Debug, Clone)]
pub struct IssuedLeaf {
    /// The leaf alone, for tests that inspect or fingerprint it.
    pub leaf: CertificateDer<'static>,
    key_pkcs8: Vec<u8>,
    above: Vec<CertificateDer<'static>>,
}

impl IssuedLeaf {
    /// The leaf and the rest of its chain (the intermediate, or the unknown root).
    #[must_use]
    pub fn full_chain(&self) -> ServerIdentity {
        let mut chain = vec![self.leaf.clone()];
        chain.extend(self.above.iter().cloned());
        self.identity(chain)
    }

    /// The leaf alone: a server that forgot its intermediate.
    #[must_use]
    pub fn leaf_only(&self) -> ServerIdentity {
        self.identity(vec![self.leaf.clone()])
    }

    fn identity(&self, chain: Vec<CertificateDer<'static>>) -> ServerIdentity {
        ServerIdentity {
            chain,
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone())),
        }
    }
}

/// The lab's CAs: a trusted root with an intermediate, and an unrelated root nobody trusts.
pub struct LabPki {
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
    unknown_root: CertifiedIssuer<'static, KeyPair>,
}

impl LabPki {
    /// Makes fresh keys and CA certificates; takes a few milliseconds.
    pub fn new() -> Result<Self, PkiError> {
        let now_s = Utc::now().timestamp();
        let root = CertifiedIssuer::self_signed(
            ca_params("warroom lab root CA", None, now_s)?,
            KeyPair::generate()?,
        )?;
        let intermediate = CertifiedIssuer::signed_by(
            ca_params("warroom lab intermediate CA", Some(0), now_s)?,
            KeyPair::generate()?,
            &root,
        )?;
        let unknown_root = CertifiedIssuer::self_signed(
            ca_params("unknown CA (not trusted by anyone)", None, now_s)?,
            KeyPair::generate()?,
        )?;
        Ok(LabPki {
            root,
            intermediate,
            unknown_root,
        })
    }

    /// The lab root, to add to `ProbeSettings::extra_roots`.
    #[must_use]
    pub fn root_der(&self) -> CertificateDer<'static> {
        self.root.der().clone()
    }

    /// The lab root in PEM, for `curl --cacert` or `warroom check --ca-file`.
    #[must_use]
    pub fn root_pem(&self) -> String {
        self.root.pem()
    }

    /// The intermediate CA's certificate, for tests that build chains by hand.
    #[must_use]
    pub fn intermediate_der(&self) -> CertificateDer<'static> {
        self.intermediate.der().clone()
    }

    /// A leaf issued by the lab intermediate; its full chain is leaf + intermediate.
    pub fn issue(&self, spec: &LeafSpec) -> Result<IssuedLeaf, PkiError> {
        let key = KeyPair::generate()?;
        let cert = leaf_params(spec)?.signed_by(&key, &self.intermediate)?;
        Ok(IssuedLeaf {
            leaf: cert.der().clone(),
            key_pkcs8: key.serialize_der(),
            above: vec![self.intermediate.der().clone()],
        })
    }

    /// A leaf issued by the unknown root; its full chain is leaf + that root, complete but
    /// anchored nowhere.
    pub fn issue_untrusted(&self, spec: &LeafSpec) -> Result<IssuedLeaf, PkiError> {
        let key = KeyPair::generate()?;
        let cert = leaf_params(spec)?.signed_by(&key, &self.unknown_root)?;
        Ok(IssuedLeaf {
            leaf: cert.der().clone(),
            key_pkcs8: key.serialize_der(),
            above: vec![self.unknown_root.der().clone()],
        })
    }

    /// A leaf that signed itself.
    pub fn self_signed(&self, spec: &LeafSpec) -> Result<IssuedLeaf, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = leaf_params(spec)?;
        params.use_authority_key_identifier_extension = false;
        let cert = params.self_signed(&key)?;
        Ok(IssuedLeaf {
            leaf: cert.der().clone(),
            key_pkcs8: key.serialize_der(),
            above: Vec::new(),
        })
    }
}

fn ca_params(
    common_name: &str,
    path_len: Option<u8>,
    now_s: i64,
) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "warroom lab");
    params.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = path_len.is_some();
    params.not_before = at(now_s - 365 * DAY_S)?;
    params.not_after = at(now_s + 3650 * DAY_S)?;
    Ok(params)
}

fn leaf_params(spec: &LeafSpec) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::new(spec.names.clone())?;
    params
        .distinguished_name
        .push(DnType::CommonName, spec.common_name.as_str());
    params
        .distinguished_name
        .push(DnType::OrganizationName, "warroom lab");
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let (not_before, not_after) = spec.validity.window(Utc::now().timestamp());
    params.not_before = at(not_before)?;
    params.not_after = at(not_after)?;
    Ok(params)
}

fn at(unix_s: i64) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(unix_s).map_err(|_| PkiError::Clock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::cert::parse;

    #[test]
    fn validity_windows_sit_where_the_scenario_says() {
        let now = Utc::now();
        let pki = LabPki::new().expect("lab pki");
        let cases = [
            (Validity::Valid, -1, 90),
            (Validity::Expired { days_ago: 3 }, -93, -3),
            (Validity::NotYetValid { days_ahead: 2 }, 2, 92),
            (Validity::ExpiringIn { days: 5 }, -30, 5),
        ];
        for (validity, before_days, after_days) in cases {
            let leaf = pki
                .issue(&LeafSpec::new(["localhost"]).validity(validity))
                .expect("leaf");
            let summary = parse(&leaf.leaf).summary;
            let days = |t: Option<chrono::DateTime<Utc>>| {
                (t.expect("validity parsed") - now).num_hours() as f64 / 24.0
            };
            let (nb, na) = (days(summary.not_before), days(summary.not_after));
            assert!(
                (nb - f64::from(before_days)).abs() < 0.1,
                "{validity:?}: {nb}"
            );
            assert!(
                (na - f64::from(after_days)).abs() < 0.1,
                "{validity:?}: {na}"
            );
        }
    }

    #[test]
    fn chains_have_the_shape_each_scenario_needs() {
        let pki = LabPki::new().expect("lab pki");
        let spec = LeafSpec::new(["localhost", "127.0.0.1"]);
        let issued = pki.issue(&spec).expect("leaf");
        assert_eq!(issued.full_chain().chain.len(), 2);
        assert_eq!(issued.leaf_only().chain.len(), 1);
        assert_eq!(parse(&issued.leaf).summary.sans, ["localhost", "127.0.0.1"]);

        let untrusted = pki.issue_untrusted(&spec).expect("leaf").full_chain().chain;
        assert!(parse(&untrusted[1]).summary.self_signed);
        assert_ne!(untrusted[1], pki.root_der());

        let self_signed = pki.self_signed(&spec).expect("leaf").full_chain().chain;
        assert_eq!(self_signed.len(), 1);
        assert!(parse(&self_signed[0]).summary.self_signed);
        assert!(pki.root_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn the_lab_can_be_shared_between_tasks() {
        fn shareable<T: Send + Sync>() {}
        shareable::<LabPki>();
        shareable::<IssuedLeaf>();
        shareable::<ServerIdentity>();
    }
}
