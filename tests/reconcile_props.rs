//! Properties of the reconciliation on random event sets, checked through the library: every
//! event id lands in exactly one category, that category is the one a direct reading of the
//! precedence rules gives, and the per-currency totals add up.
//! Also the recovery summary API that the incident timeline embeds.

#![expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use proptest::prelude::*;
use warroom::reconcile::report::Status;
use warroom::reconcile::summary::{RecoverySummary, run_configured};
use warroom::reconcile::{Options, Profile, reconcile};

const CURRENCIES: [(&str, u32); 3] = [("USD", 2), ("JPY", 0), ("KWD", 3)];
const AMOUNTS: [i64; 3] = [100, 250, 999];
const STATUSES: [&str; 2] = ["succeeded", "refunded"];
const HANDLERS: [&str; 4] = ["applied", "ignored", "failed", ""];
/// In the window, out of it, and inside the retry horizon before `now`.
const TIMES: [&str; 3] = [
    "2026-03-02T13:00:00Z",
    "2026-03-01T09:00:00Z",
    "2026-03-02T15:50:00Z",
];

#[derive(Debug, Clone, Copy)]
struct Fields {
    amount: usize,
    currency: usize,
    status: usize,
}

#[derive(Debug, Clone)]
struct Event {
    time: usize,
    gateway: Option<Fields>,
    ours: Vec<(usize, Fields)>,
}

fn fields() -> impl Strategy<Value = Fields> {
    (0..3_usize, 0..3_usize, 0..2_usize).prop_map(|(amount, currency, status)| Fields {
        amount,
        currency,
        status,
    })
}

fn event() -> impl Strategy<Value = Event> {
    (
        0..3_usize,
        proptest::option::of(fields()),
        proptest::collection::vec((0..4_usize, fields()), 0..4),
    )
        .prop_map(|(time, gateway, ours)| Event {
            time,
            gateway,
            ours,
        })
        .prop_filter("an event is on at least one side", |e| {
            e.gateway.is_some() || !e.ours.is_empty()
        })
}

fn money(f: Fields) -> (String, String) {
    let (code, exponent) = CURRENCIES[f.currency];
    let minor = AMOUNTS[f.amount];
    let scale = 10_i64.pow(exponent);
    let text = if exponent == 0 {
        minor.to_string()
    } else {
        format!(
            "{}.{:0w$}",
            minor / scale,
            minor % scale,
            w = exponent as usize
        )
    };
    (text, code.to_owned())
}

/// The precedence rules read straight from the issue.
fn expected_category(e: &Event) -> &'static str {
    if e.time == 1 {
        return "out_of_window";
    }
    let handled: Vec<&(usize, Fields)> = e.ours.iter().filter(|(h, _)| *h != 2).collect();
    let applied: Vec<&(usize, Fields)> =
        e.ours.iter().filter(|(h, _)| *h == 0 || *h == 3).collect();
    let Some(g) = e.gateway else {
        return "missing_in_gateway";
    };
    if handled.is_empty() {
        return if e.time == 2 {
            "pending_retry"
        } else {
            "missing_in_ours"
        };
    }
    if applied.len() > 1 {
        return "duplicate_effect";
    }
    let o = applied.first().map_or(e.ours[0].1, |(_, f)| *f);
    if o.currency != g.currency {
        return "currency_mismatch";
    }
    if o.amount != g.amount {
        return "amount_mismatch";
    }
    if o.status != g.status {
        return "status_mismatch";
    }
    if e.ours.len() > 1 {
        return "duplicate_delivery";
    }
    "matched"
}

fn write_files(events: &[Event], dir: &std::path::Path) {
    let mut ours = String::from("event_id,amount,currency,status,occurred_at,handler_status\n");
    let mut gateway = String::from("event_id,amount,currency,status,occurred_at\n");
    for (i, e) in events.iter().enumerate() {
        let time = TIMES[e.time];
        if let Some(g) = e.gateway {
            let (amount, code) = money(g);
            let _ = writeln!(
                gateway,
                "evt_{i},{amount},{code},{},{time}",
                STATUSES[g.status]
            );
        }
        for (handler, f) in &e.ours {
            let (amount, code) = money(*f);
            let status = STATUSES[f.status];
            let _ = writeln!(
                ours,
                "evt_{i},{amount},{code},{status},{time},{}",
                HANDLERS[*handler]
            );
        }
    }
    std::fs::write(dir.join("ours.csv"), ours).unwrap();
    std::fs::write(dir.join("gateway.csv"), gateway).unwrap();
}

fn options() -> Options {
    let ms = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .unwrap()
            .timestamp_millis()
    };
    Options {
        from_ms: Some(ms("2026-03-02T12:00:00Z")),
        to_ms: Some(ms("2026-03-02T16:00:00Z")),
        retry_horizon_ms: Some(3_600_000),
        max_rows: 1_000,
        ..Options::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_event_lands_in_exactly_one_category_and_totals_add_up(
        events in proptest::collection::vec(event(), 1..30)
    ) {
        let dir = tempfile::tempdir().unwrap();
        write_files(&events, dir.path());
        let profile = Profile::built_in("generic").unwrap();
        let report = reconcile(&dir.path().join("ours.csv"), &dir.path().join("gateway.csv"), &profile, &options()).unwrap();
        prop_assert_eq!(report.bad_row_count, 0);

        // Exactly one category each, and the right one.
        prop_assert_eq!(report.counts.total(), events.len() as u64);
        let mut seen: HashMap<String, String> = HashMap::new();
        for (category, rows) in &report.rows {
            for row in rows {
                let previous = seen.insert(row.key.clone(), category.clone());
                prop_assert!(previous.is_none(), "{} listed twice", row.key);
            }
        }
        for (i, e) in events.iter().enumerate() {
            let want = expected_category(e);
            let got = seen.get(&format!("evt_{i}")).map_or("matched", String::as_str);
            prop_assert_eq!(got, want, "event {} {:?}", i, e);
        }

        // Totals: our first applied row and the gateway row of each scored event, per currency.
        let mut want: BTreeMap<String, (u64, i128, u64, i128)> = BTreeMap::new();
        for e in events.iter().filter(|e| e.time != 1) {
            if let Some((_, f)) = e.ours.iter().find(|(h, _)| *h == 0 || *h == 3) {
                let t = want.entry(CURRENCIES[f.currency].0.to_owned()).or_default();
                t.0 += 1;
                t.1 += i128::from(AMOUNTS[f.amount]);
            }
            if let Some(g) = e.gateway {
                let t = want.entry(CURRENCIES[g.currency].0.to_owned()).or_default();
                t.2 += 1;
                t.3 += i128::from(AMOUNTS[g.amount]);
            }
        }
        let got: BTreeMap<String, (u64, i128, u64, i128)> = report
            .totals
            .iter()
            .map(|(c, t)| {
                assert_eq!(t.delta_minor, t.ours_minor - t.gateway_minor);
                (c.clone(), (t.ours_count, t.ours_minor, t.gateway_count, t.gateway_minor))
            })
            .collect();
        prop_assert_eq!(got, want);

        let distinct: HashSet<usize> = (0..events.len()).collect();
        prop_assert_eq!(report.counts.total() as usize, distinct.len());
    }
}

/// One ledger or gateway row in transactions mode: reference, kind, amount, currency.
type Movement = (usize, usize, usize, usize);

const KINDS: [(&str, i128); 3] = [("charge", 1), ("refund", -1), ("chargeback", -1)];

fn movements() -> impl Strategy<Value = Vec<Movement>> {
    proptest::collection::vec((0..6_usize, 0..3_usize, 0..3_usize, 0..3_usize), 0..20)
}

fn ledger(rows: &[Movement], header: &str, negative_refunds: bool) -> String {
    let mut text = format!("{header}\n");
    for &(reference, kind, amount, currency) in rows {
        let (mut amount, code) = money(Fields {
            amount,
            currency,
            status: 0,
        });
        if negative_refunds && KINDS[kind].1 < 0 {
            amount.insert(0, '-');
        }
        let kind = KINDS[kind].0;
        let _ = writeln!(
            text,
            "ch_{reference},{kind},{amount},{code},succeeded,2026-03-02T13:00:00Z"
        );
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn transactions_land_once_per_reference_and_kind_and_totals_are_signed_sums(
        ours in movements(),
        gateway in movements(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ours_header = "provider_ref,kind,amount,currency,status,created_at";
        let gateway_header = "reference,kind,amount,currency,status,occurred_at";
        std::fs::write(dir.path().join("ours.csv"), ledger(&ours, ours_header, false)).unwrap();
        std::fs::write(dir.path().join("gateway.csv"), ledger(&gateway, gateway_header, true)).unwrap();
        let profile = Profile::built_in("transactions").unwrap();
        let options = Options { max_rows: 1_000, ..Options::default() };
        let report = reconcile(&dir.path().join("ours.csv"), &dir.path().join("gateway.csv"), &profile, &options).unwrap();
        prop_assert_eq!(report.bad_row_count, 0);

        let keys: HashSet<(usize, usize)> =
            ours.iter().chain(&gateway).map(|m| (m.0, m.1)).collect();
        prop_assert_eq!(report.counts.total(), keys.len() as u64);
        let listed: Vec<(String, String)> = report
            .rows
            .values()
            .flatten()
            .map(|r| (r.key.clone(), r.kind.clone().unwrap_or_default()))
            .collect();
        let unique: HashSet<&(String, String)> = listed.iter().collect();
        prop_assert_eq!(unique.len(), listed.len(), "a key listed in two categories");

        // Each side's total is the signed sum of its rows per currency; a key counts once.
        for (side, rows) in [("ours", &ours), ("gateway", &gateway)] {
            let mut sums: BTreeMap<&str, i128> = BTreeMap::new();
            for &(_, kind, amount, currency) in rows {
                let signed = KINDS[kind].1 * i128::from(AMOUNTS[amount]);
                *sums.entry(CURRENCIES[currency].0).or_default() += signed;
            }
            for (code, t) in &report.totals {
                let got = if side == "ours" { t.ours_minor } else { t.gateway_minor };
                // A key whose rows mix currencies is counted under its first row's currency.
                let mixed = rows
                    .iter()
                    .any(|a| rows.iter().any(|b| (a.0, a.1) == (b.0, b.1) && a.3 != b.3));
                if !mixed {
                    prop_assert_eq!(got, sums.get(code.as_str()).copied().unwrap_or(0), "{} {}", side, code);
                }
            }
        }
    }
}

#[test]
fn a_reconcile_section_runs_and_yields_a_summary_for_the_timeline() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reconcile");
    let config = r#"
[dashboard]
ignored = true

[reconcile]
ours = "categories/ours.csv"
gateway = "categories/gateway.csv"
profile = "generic"
from = "2026-03-02T12:00:00Z"
to = "2026-03-02T16:00:00Z"
retry_horizon = "1h"
"#;
    let summary = run_configured(config, std::path::Path::new(fixtures)).unwrap();
    assert_eq!(summary.status, Status::Critical);
    assert_eq!(summary.exit_code(), 2);
    assert_eq!(summary.counts["duplicate_effect"], 1);
    assert_eq!(summary.counts.len(), 10);
    assert_eq!(summary.replay_count, 2);
    assert_eq!(summary.totals["KWD"].delta_minor, -4);
    assert!(
        summary
            .headline
            .starts_with("critical: 1 matched, 1 out_of_window, 2 missing_in_ours"),
        "{}",
        summary.headline
    );

    let markdown = summary.markdown();
    assert!(markdown.contains("| duplicate_effect | 1 |"), "{markdown}");
    assert!(
        markdown.contains("| KWD | 1230 in 1 | 1234 in 1 | -4 |"),
        "{markdown}"
    );
    assert!(!markdown.contains("| matched | 0 |"));

    // It is evidence in a JSON journal, so it must survive a round trip.
    let json = serde_json::to_string(&summary).unwrap();
    let back: RecoverySummary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, summary);
}

#[test]
fn a_bad_reconcile_section_is_an_error_that_names_the_field() {
    let err = run_configured("[reconcile]\nours = \"a.csv\"\n", std::path::Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(err.contains("gateway"), "{err}");
    let err = run_configured(
        "[reconcile]\nours = \"a.csv\"\ngateway = \"b.csv\"\nfrom = \"noon\"\n",
        std::path::Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("[reconcile] from"), "{err}");
}
