//! The demo's books after the outage: our webhook events and the gateway's export, written as
//! CSV in the generic reconcile profile, with the damage such an outage leaves. Deliveries that
//! failed while the ingress was broken are missing on our side (to replay), the provider's
//! retries arrived twice (expected), and one retry was applied twice (a double credit).
//!
//! The files are generated from a seed, so a repeated demo tells the same story.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::reconcile::summary::ReconcileSection;

/// How many webhook events the provider sent during the demo's window.
const EVENTS: usize = 400;

/// What the generator put in, for the demo's own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerDamage {
    pub missing_in_ours: usize,
    pub duplicate_delivery: usize,
    pub duplicate_effect: usize,
}

/// Writes `ours.csv` and `gateway.csv` into `dir` and returns the `[reconcile]` section that
/// compares them, with the clock pinned so no event is still inside the provider's retry horizon.
pub fn write(
    dir: &Path,
    seed: u64,
    now: DateTime<Utc>,
) -> io::Result<(ReconcileSection, LedgerDamage)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ours = String::from("event_id,amount,currency,status,occurred_at,handler_status\n");
    let mut gateway = String::from("event_id,amount,currency,status,occurred_at\n");
    let mut damage = LedgerDamage {
        missing_in_ours: 0,
        duplicate_delivery: 0,
        duplicate_effect: 0,
    };
    let start = now - Duration::days(5);
    for n in 0..EVENTS {
        let id = format!("evt_{seed:x}{n:05}");
        let (currency, minor_digits) = match n % 10 {
            0 => ("JPY", 0),
            1 | 2 => ("EUR", 2),
            _ => ("USD", 2),
        };
        let minor: u64 = rng.random_range(500..250_000);
        let amount = if minor_digits == 0 {
            minor.to_string()
        } else {
            format!("{}.{:02}", minor / 100, minor % 100)
        };
        let at = (start + Duration::seconds(n as i64 * 37))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let _ = writeln!(gateway, "{id},{amount},{currency},succeeded,{at}");
        // The outage window: a run of deliveries that never reached the handler.
        let line = format!("{id},{amount},{currency},succeeded,{at}");
        match n {
            120..150 => damage.missing_in_ours += 1,
            150..160 => {
                let _ = writeln!(ours, "{line},applied");
                let _ = writeln!(ours, "{line},ignored");
                damage.duplicate_delivery += 1;
            }
            160 => {
                let _ = writeln!(ours, "{line},applied");
                let _ = writeln!(ours, "{line},applied");
                damage.duplicate_effect += 1;
            }
            _ => {
                let _ = writeln!(ours, "{line},applied");
            }
        }
    }
    let ours_path = dir.join("ours.csv");
    let gateway_path = dir.join("gateway.csv");
    std::fs::write(&ours_path, ours)?;
    std::fs::write(&gateway_path, gateway)?;
    let section = ReconcileSection {
        ours: ours_path,
        gateway: gateway_path,
        profile: None,
        from: None,
        to: None,
        skew: None,
        retry_horizon: None,
        now: Some(now.to_rfc3339()),
    };
    Ok((section, damage))
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]
mod tests {
    use super::*;
    use crate::reconcile::summary::run_section;

    #[test]
    fn the_reconciliation_finds_exactly_the_damage_written() {
        let dir = tempfile::tempdir().unwrap();
        let (section, damage) = write(dir.path(), 7, Utc::now()).unwrap();
        let summary = run_section(&section, dir.path()).unwrap();
        assert_eq!(
            summary.counts["missing_in_ours"],
            damage.missing_in_ours as u64
        );
        assert_eq!(
            summary.counts["duplicate_delivery"],
            damage.duplicate_delivery as u64
        );
        assert_eq!(
            summary.counts["duplicate_effect"],
            damage.duplicate_effect as u64
        );
        assert_eq!(summary.bad_rows, 0);
    }
}
