//! The result of a reconciliation: counts, totals per currency, example rows per category, bad
//! rows and the replay list, as JSON (`--json`), readable text and a replay CSV.
//!
//! Example rows are bounded (`max_rows` per category, the ones earliest in the gateway file,
//! then in ours) and `rows_omitted` says how many more there were; counts and totals always
//! cover every key. Bad rows keep their text for the first thousand and are all counted.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::matcher::{self, Agg, Finding, Judge, SideTable};
use super::money::{Currency, format_minor};
use super::profile::{Mode, Profile};
use super::timestamp::format_time_ms;
use super::{BadRow, Category, Severity};
use crate::text::inert;

/// Overall verdict, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Consistent,
    Warning,
    Critical,
}

/// Keys per category, serialised in the order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [u64; 10]);

impl Counts {
    #[must_use]
    pub fn get(&self, category: Category) -> u64 {
        self.0[category.index()]
    }

    #[must_use]
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

const COUNT_ORDER: [Category; 10] = [
    Category::Matched,
    Category::MissingInOurs,
    Category::MissingInGateway,
    Category::DuplicateDelivery,
    Category::DuplicateEffect,
    Category::AmountMismatch,
    Category::CurrencyMismatch,
    Category::StatusMismatch,
    Category::PendingRetry,
    Category::OutOfWindow,
];

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(COUNT_ORDER.len()))?;
        for c in COUNT_ORDER {
            map.serialize_entry(c.as_str(), &self.get(c))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<Category, u64>::deserialize(d)?;
        let mut counts = Counts::default();
        for (category, n) in map {
            counts.0[category.index()] = n;
        }
        Ok(counts)
    }
}

/// Counts and sums of one currency on each side, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotals {
    pub ours_count: u64,
    pub ours_minor: i128,
    pub gateway_count: u64,
    pub gateway_minor: i128,
    /// `ours_minor - gateway_minor`.
    pub delta_minor: i128,
}

/// One side of a reported key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideView {
    pub line: u64,
    pub rows: u32,
    pub applied: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub occurred_at: String,
}

/// A key that did not match, with both sides as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// The event id, or the gateway reference in transactions mode (key columns joined by `,`).
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub ours: Option<SideView>,
    pub gateway: Option<SideView>,
}

/// One input file's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputStats {
    pub file: String,
    pub rows: u64,
    pub keys: u64,
    pub bad_rows: u64,
}

/// The window and horizon the verdicts used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowReport {
    pub from: Option<String>,
    pub to: Option<String>,
    pub skew_ms: i64,
    pub retry_horizon_ms: i64,
    pub reference_time: Option<String>,
}

/// The whole result, which `--json` prints as one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub status: Status,
    pub profile: String,
    pub mode: String,
    pub counts: Counts,
    pub totals: BTreeMap<String, CurrencyTotals>,
    pub rows: BTreeMap<String, Vec<RowReport>>,
    pub rows_omitted: BTreeMap<String, u64>,
    pub bad_rows: Vec<BadRow>,
    pub bad_row_count: u64,
    pub inputs: BTreeMap<String, InputStats>,
    pub window: WindowReport,
    pub replay_count: u64,
    /// Every key to replay (missing on our side and past the retry horizon), in gateway file
    /// order; only filled when asked for, and never part of the JSON document.
    #[serde(skip)]
    pub replay: Vec<RowReport>,
}

impl Report {
    /// 0 consistent, 1 warnings only, 2 critical, 3 when any row could not be read.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        if self.bad_row_count > 0 {
            return 3;
        }
        match self.status {
            Status::Consistent => 0,
            Status::Warning => 1,
            Status::Critical => 2,
        }
    }
}

/// What is known before matching starts.
pub struct Header {
    profile: String,
    mode: Mode,
    inputs: BTreeMap<String, InputStats>,
    bad_rows: Vec<BadRow>,
    bad_row_count: u64,
    window: WindowReport,
}

impl Header {
    #[must_use]
    pub fn new(
        profile: &Profile,
        ours: &mut SideTable,
        gateway: &mut SideTable,
        judge: &Judge,
        skew_ms: i64,
    ) -> Self {
        let mut inputs = BTreeMap::new();
        let mut bad_rows = Vec::new();
        for (label, table) in [("ours", ours), ("gateway", gateway)] {
            inputs.insert(
                label.to_owned(),
                InputStats {
                    file: table.file.clone(),
                    rows: table.rows_read,
                    keys: table.len() as u64,
                    bad_rows: table.bad_row_count,
                },
            );
            bad_rows.append(&mut table.bad_rows);
        }
        bad_rows.truncate(matcher::BAD_ROWS_KEPT);
        let bad_row_count = inputs.values().map(|i| i.bad_rows).sum();
        Self {
            profile: profile.name.clone(),
            mode: profile.mode,
            inputs,
            bad_rows,
            bad_row_count,
            window: WindowReport {
                from: judge.from_ms.map(|t| format_time_ms(t + skew_ms)),
                to: judge.to_ms.map(|t| format_time_ms(t - skew_ms)),
                skew_ms,
                retry_horizon_ms: judge.retry_horizon_ms,
                reference_time: judge.reference_ms.map(format_time_ms),
            },
        }
    }
}

/// A kept example row, ordered by where it sits in the files.
struct Kept {
    order: (u8, u32),
    row: RowReport,
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.order == other.order
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order.cmp(&other.order)
    }
}

/// Accumulates findings into a [`Report`].
pub struct Collector {
    mode: Mode,
    counts: Counts,
    totals: BTreeMap<Currency, CurrencyTotals>,
    kept: Vec<BinaryHeap<Kept>>,
    omitted: [u64; 10],
    max_rows: usize,
    replay: Option<Vec<(u32, RowReport)>>,
}

impl Collector {
    #[must_use]
    pub fn new(mode: Mode, max_rows: usize, collect_replay: bool) -> Self {
        Self {
            mode,
            counts: Counts::default(),
            totals: BTreeMap::new(),
            kept: (0..10).map(|_| BinaryHeap::new()).collect(),
            omitted: [0; 10],
            max_rows,
            replay: collect_replay.then(Vec::new),
        }
    }

    pub fn record(&mut self, f: &Finding<'_>) {
        let index = f.category.index();
        self.counts.0[index] += 1;
        if f.category != Category::OutOfWindow {
            self.add_totals(f);
        }
        if f.category == Category::MissingInOurs
            && let (Some(replay), Some(g)) = (self.replay.as_mut(), f.gateway)
        {
            replay.push((g.line, row_report(self.mode, f)));
        }
        if f.category == Category::Matched {
            return;
        }

        let order = match (f.gateway, f.ours) {
            (Some(g), _) => (0, g.line),
            (None, Some(o)) => (1, o.line),
            (None, None) => (2, 0),
        };
        let heap = &mut self.kept[index];
        if heap.len() < self.max_rows {
            heap.push(Kept {
                order,
                row: row_report(self.mode, f),
            });
        } else if heap.peek().is_some_and(|top| order < top.order) {
            heap.pop();
            heap.push(Kept {
                order,
                row: row_report(self.mode, f),
            });
            self.omitted[index] += 1;
        } else {
            self.omitted[index] += 1;
        }
    }

    fn add_totals(&mut self, f: &Finding<'_>) {
        if let Some(o) = f.ours.filter(|o| o.has_money && o.applied > 0) {
            let t = self.totals.entry(o.currency).or_default();
            t.ours_count += 1;
            t.ours_minor += i128::from(o.amount);
        }
        if let Some(g) = f.gateway.filter(|g| g.has_money) {
            let t = self.totals.entry(g.currency).or_default();
            t.gateway_count += 1;
            t.gateway_minor += i128::from(g.amount);
        }
    }

    #[must_use]
    pub fn finish(self, header: Header) -> Report {
        let worst = Category::ALL
            .iter()
            .filter(|c| self.counts.get(**c) > 0)
            .map(|c| c.severity())
            .max();
        let status = match worst {
            Some(Severity::Critical) => Status::Critical,
            Some(Severity::Warning) => Status::Warning,
            _ => Status::Consistent,
        };
        let mut rows = BTreeMap::new();
        let mut rows_omitted = BTreeMap::new();
        for (category, heap) in Category::ALL.iter().zip(self.kept) {
            if !heap.is_empty() {
                let sorted = heap.into_sorted_vec().into_iter().map(|k| k.row).collect();
                rows.insert(category.as_str().to_owned(), sorted);
            }
            let omitted = self.omitted[category.index()];
            if omitted > 0 {
                rows_omitted.insert(category.as_str().to_owned(), omitted);
            }
        }
        let mut replay = self.replay.unwrap_or_default();
        replay.sort_by_key(|(line, _)| *line);
        let totals = self
            .totals
            .into_iter()
            .map(|(currency, mut t)| {
                t.delta_minor = t.ours_minor - t.gateway_minor;
                (currency.to_string(), t)
            })
            .collect();
        Report {
            schema_version: 1,
            status,
            profile: header.profile,
            mode: match header.mode {
                Mode::Events => "events".into(),
                Mode::Transactions => "transactions".into(),
            },
            counts: self.counts,
            totals,
            rows,
            rows_omitted,
            bad_rows: header.bad_rows,
            bad_row_count: header.bad_row_count,
            inputs: header.inputs,
            window: header.window,
            replay_count: self.counts.get(Category::MissingInOurs),
            replay: replay.into_iter().map(|(_, row)| row).collect(),
        }
    }
}

fn row_report(mode: Mode, f: &Finding<'_>) -> RowReport {
    let mut parts: Vec<String> = f
        .key
        .split(|&b| b == 0x1f)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let kind = match mode {
        Mode::Transactions if parts.len() > 1 => parts.pop(),
        _ => None,
    };
    RowReport {
        key: parts.join(","),
        kind,
        ours: f.ours.map(|o| side_view(o, f.ours_status)),
        gateway: f.gateway.map(|g| side_view(g, f.gateway_status)),
    }
}

fn side_view(agg: &Agg, status: Option<&str>) -> SideView {
    SideView {
        line: u64::from(agg.line),
        rows: agg.rows,
        applied: agg.applied,
        amount: agg
            .has_money
            .then(|| format_minor(agg.amount, agg.currency)),
        amount_minor: agg.has_money.then_some(agg.amount),
        currency: agg.has_money.then(|| agg.currency.to_string()),
        status: status.map(str::to_owned),
        occurred_at: format_time_ms(agg.occurred_ms),
    }
}

/// The readable report: verdict, categories, totals, then up to `per_category` example rows of
/// each category that needs attention. Text from the files goes through [`inert`].
#[must_use]
pub fn render_text(report: &Report, per_category: usize) -> String {
    let mut out = String::new();
    let verdict = match report.status {
        Status::Consistent => "CONSISTENT",
        Status::Warning => "WARNING",
        Status::Critical => "CRITICAL",
    };
    let _ = writeln!(
        out,
        "reconcile: {verdict}  (profile {}, {} mode)",
        inert(&report.profile),
        report.mode
    );
    for (label, input) in &report.inputs {
        let _ = writeln!(
            out,
            "  {label:<8} {}  {} rows, {} keys, {} bad rows",
            inert(&input.file),
            input.rows,
            input.keys,
            input.bad_rows
        );
    }

    out.push_str("\ncategory              keys  severity\n");
    for category in Category::ALL {
        let severity = match category.severity() {
            Severity::Info => "",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        };
        let n = report.counts.get(category);
        let severity = if n > 0 { severity } else { "" };
        let _ = writeln!(out, "{:<20} {n:>6}  {severity}", category.as_str());
    }

    if !report.totals.is_empty() {
        out.push_str("\ncurrency  ours keys         ours sum  gateway keys      gateway sum            delta\n");
        for (code, t) in &report.totals {
            let money = |minor: i128| match Currency::parse(code.as_bytes()) {
                Ok(c) => {
                    i64::try_from(minor).map_or_else(|_| minor.to_string(), |m| format_minor(m, c))
                }
                Err(_) => minor.to_string(),
            };
            let _ = writeln!(
                out,
                "{code:<8} {:>10} {:>16} {:>13} {:>16} {:>16}",
                t.ours_count,
                money(t.ours_minor),
                t.gateway_count,
                money(t.gateway_minor),
                money(t.delta_minor)
            );
        }
    }

    for category in Category::ALL {
        let Some(rows) = report.rows.get(category.as_str()) else {
            continue;
        };
        let total = report.counts.get(category);
        let _ = writeln!(
            out,
            "\n{} (first {} of {total})",
            category.as_str(),
            rows.len().min(per_category)
        );
        for row in rows.iter().take(per_category) {
            let _ = writeln!(out, "  {}", describe(row));
        }
    }

    if report.bad_row_count > 0 {
        let _ = writeln!(out, "\nbad rows ({}, not matched)", report.bad_row_count);
        for bad in report.bad_rows.iter().take(per_category) {
            let _ = writeln!(
                out,
                "  {}:{}: {}",
                inert(&bad.file),
                bad.line,
                inert(&bad.error)
            );
        }
    }
    out
}

fn describe(row: &RowReport) -> String {
    let side = |label: &str, view: &Option<SideView>| match view {
        None => format!("{label}: none"),
        Some(v) => {
            let mut text = format!("{label} line {}:", v.line);
            if let (Some(amount), Some(currency)) = (&v.amount, &v.currency) {
                let _ = write!(text, " {amount} {currency}");
            }
            if let Some(status) = &v.status {
                let _ = write!(text, " {}", inert(status));
            }
            let _ = write!(
                text,
                " {} ({} rows, {} applied)",
                v.occurred_at, v.rows, v.applied
            );
            text
        }
    };
    let kind = row
        .kind
        .as_deref()
        .map(|k| format!(" {}", inert(k)))
        .unwrap_or_default();
    format!(
        "{}{kind}  {}  {}",
        inert(&row.key),
        side("gateway", &row.gateway),
        side("ours", &row.ours)
    )
}

/// Writes the replay list as CSV: the key, the kind in transactions mode, and what the gateway
/// says the event was.
pub fn write_replay(report: &Report, out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut csv = csv::Writer::from_writer(out);
    let transactions = report.mode == "transactions";
    if transactions {
        csv.write_record(["reference", "kind", "occurred_at", "amount", "currency"])?;
    } else {
        csv.write_record(["event_id", "occurred_at", "amount", "currency"])?;
    }
    for row in &report.replay {
        let g = row.gateway.as_ref();
        let occurred = g.map(|g| g.occurred_at.as_str()).unwrap_or_default();
        let amount = g.and_then(|g| g.amount.as_deref()).unwrap_or_default();
        let currency = g.and_then(|g| g.currency.as_deref()).unwrap_or_default();
        if transactions {
            let kind = row.kind.as_deref().unwrap_or_default();
            csv.write_record([row.key.as_str(), kind, occurred, amount, currency])?;
        } else {
            csv.write_record([row.key.as_str(), occurred, amount, currency])?;
        }
    }
    csv.flush()?;
    Ok(())
}
