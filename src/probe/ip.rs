//! The public-IP hop: is the address set the one we expect, and the one we saw first?
//!
//! Two independent checks on the answer of the domain hop: against the addresses configured in
//! `expect_ips` (an address outside them fails, since traffic may be going somewhere it must not)
//! and against the first answer seen in this run (a change only warns: it is often a planned
//! failover, but during an incident it is worth a line in the timeline).

use std::net::IpAddr;

use super::dns::same_set;
use super::model::{Finding, FindingCode, HopDetail, HopReport, IpDetail};

/// Judges the address set. `baseline` is the first answer of the run, when there was one before.
pub(crate) fn check(
    addresses: &[IpAddr],
    expected: &[IpAddr],
    baseline: Option<&[IpAddr]>,
) -> HopReport {
    let mut findings = Vec::new();

    if !expected.is_empty() {
        let unexpected: Vec<IpAddr> = addresses
            .iter()
            .copied()
            .filter(|ip| !expected.contains(ip))
            .collect();
        if !unexpected.is_empty() {
            findings.push(Finding::new(
                FindingCode::IpUnexpected,
                format!(
                    "resolved to {} which is not among the expected {}",
                    list(&unexpected),
                    list(expected)
                ),
            ));
        }
    }

    if let Some(baseline) = baseline
        && !same_set(baseline, addresses)
    {
        findings.push(Finding::new(
            FindingCode::IpChanged,
            format!(
                "the address set changed from {} to {}",
                list(baseline),
                list(addresses)
            ),
        ));
    }

    // The check compares sets already in hand: there is no time to report, and a 0 ms would
    // read as a measurement.
    HopReport::finished(
        None,
        findings,
        HopDetail::Ip(IpDetail {
            addresses: addresses.to_vec(),
            expected: expected.to_vec(),
            baseline: baseline.unwrap_or(addresses).to_vec(),
        }),
    )
}

fn list(addresses: &[IpAddr]) -> String {
    if addresses.is_empty() {
        return "nothing".to_owned();
    }
    addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a malformed test case should stop the test loudly"
)]
mod tests {
    use super::*;
    use crate::probe::model::HopStatus;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|ip| ip.parse().unwrap()).collect()
    }

    type Case = (
        Vec<IpAddr>,
        Vec<IpAddr>,
        Option<Vec<IpAddr>>,
        Vec<FindingCode>,
    );

    #[test]
    fn address_checks_name_what_changed_or_was_unexpected() {
        let cases: Vec<Case> = vec![
            (ips(&["127.0.0.1"]), vec![], None, vec![]),
            (ips(&["127.0.0.1"]), ips(&["127.0.0.1"]), None, vec![]),
            (
                ips(&["127.0.0.9"]),
                ips(&["127.0.0.1"]),
                None,
                vec![FindingCode::IpUnexpected],
            ),
            (
                ips(&["127.0.0.2"]),
                vec![],
                Some(ips(&["127.0.0.1"])),
                vec![FindingCode::IpChanged],
            ),
            (
                ips(&["127.0.0.2", "127.0.0.1"]),
                vec![],
                Some(ips(&["127.0.0.1", "127.0.0.2"])),
                vec![],
            ),
            (
                ips(&["127.0.0.3"]),
                ips(&["127.0.0.1"]),
                Some(ips(&["127.0.0.1"])),
                vec![FindingCode::IpUnexpected, FindingCode::IpChanged],
            ),
        ];
        for (addresses, expected, baseline, codes) in cases {
            let hop = check(&addresses, &expected, baseline.as_deref());
            let got: Vec<FindingCode> = hop.findings.iter().map(|f| f.code).collect();
            assert_eq!(got, codes, "{addresses:?} vs {expected:?} / {baseline:?}");
        }
    }

    #[test]
    fn a_change_warns_and_names_old_and_new() {
        let hop = check(&ips(&["127.0.0.2"]), &[], Some(&ips(&["127.0.0.1"])));
        assert_eq!(hop.status, HopStatus::Warn);
        assert!(hop.findings[0].message.contains("127.0.0.1"));
        assert!(hop.findings[0].message.contains("127.0.0.2"));
    }
}
