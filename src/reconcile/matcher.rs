//! The hash join: each side's rows are folded into a table keyed by event id (or reference and
//! kind), then every key is put into exactly one [`Category`] by the precedence the issue fixes.
//!
//! A table entry is 72 bytes: a key of up to 30 bytes stored inline (longer ones on the heap)
//! and an [`Agg`] of counters, one amount, one time, a currency and a status number. Ten million
//! distinct keys a side therefore need roughly 1.5 GB each at the hash map's worst load factor.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

/// A seeded, fast hasher: keys come from files a stranger may have shaped, so the seed is
/// random per run, but the standard hasher's full strength would cost a tenth of the run time.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use super::money::Currency;
use super::profile::{Mode, Profile};
use super::{BadRow, Category, Side};

/// Most bad rows kept with their text; the rest are only counted.
pub const BAD_ROWS_KEPT: usize = 1000;

/// What our handler did with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    Applied,
    Ignored,
    Failed,
}

/// One parsed row, borrowing the reader's buffers.
#[derive(Debug)]
pub struct Row<'a> {
    pub key: &'a [u8],
    pub money: Option<(i64, Currency)>,
    pub status: Option<&'a [u8]>,
    pub occurred_ms: i64,
    pub handler: Handler,
}

/// Everything the matcher keeps about one key on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agg {
    /// Events mode: the amount of the first applied row (else the first row). Transactions
    /// mode: the signed sum of the applied rows.
    pub amount: i64,
    pub occurred_ms: i64,
    /// Physical line of the row the amount and status come from.
    pub line: u32,
    pub rows: u32,
    pub applied: u32,
    /// Rows applied or deliberately ignored, that is, not failed.
    pub handled: u32,
    /// Index into the side's status names; 0 when the side has no status column.
    pub status: u16,
    pub currency: Currency,
    pub has_money: bool,
    chosen_applied: bool,
    /// Rows of this key disagree on currency (transactions mode). The key is then a currency
    /// mismatch, and its sum, which mixes currencies, is counted under the first row's one.
    pub mixed_currency: bool,
}

/// Longest key kept inline; Stripe's ids are 28 bytes, Adyen's references 16.
const INLINE_KEY: usize = 30;

/// A key stored inline when short, which is almost always, to save an allocation per key.
#[derive(Clone, Debug)]
enum CompactKey {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl CompactKey {
    fn new(key: &[u8]) -> Self {
        if key.len() <= INLINE_KEY {
            let mut bytes = [0; INLINE_KEY];
            bytes[..key.len()].copy_from_slice(key);
            Self::Inline {
                len: key.len() as u8,
                bytes,
            }
        } else {
            Self::Heap(key.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(b) => b,
        }
    }
}

impl Borrow<[u8]> for CompactKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

// Hash and equality go through the byte slice, as `Borrow<[u8]>` requires.
impl Hash for CompactKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for CompactKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for CompactKey {}

/// One side of a reconciliation, folded by key.
#[derive(Debug)]
pub struct SideTable {
    pub file: String,
    pub rows_read: u64,
    pub bad_rows: Vec<BadRow>,
    pub bad_row_count: u64,
    map: FastMap<CompactKey, Agg>,
    status_ids: FastMap<Box<[u8]>, u16>,
    status_names: Vec<String>,
    status_aliases: HashMap<String, String>,
    mode: Mode,
    /// A gateway lists each event once, so in events mode a repeated id there is a bad row.
    unique_keys: bool,
}

impl SideTable {
    #[must_use]
    pub fn new(file: String, profile: &Profile, side: Side) -> Self {
        Self {
            file,
            rows_read: 0,
            bad_rows: Vec::new(),
            bad_row_count: 0,
            map: FastMap::default(),
            status_ids: FastMap::default(),
            status_names: vec![String::new()],
            status_aliases: profile.status_aliases.clone(),
            mode: profile.mode,
            unique_keys: side == Side::Gateway && profile.mode == Mode::Events,
        }
    }

    /// Makes room for `keys` more distinct keys.
    pub fn reserve(&mut self, keys: usize) {
        self.map.reserve(keys);
    }

    /// Distinct keys read.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn bad_row(&mut self, row: BadRow) {
        self.bad_row_count += 1;
        if self.bad_rows.len() < BAD_ROWS_KEPT {
            self.bad_rows.push(row);
        }
    }

    /// Folds one row into its key's entry.
    pub fn add(&mut self, row: &Row<'_>, line: u64) {
        let status = row.status.map_or(Some(0), |raw| self.intern_status(raw));
        let Some(status) = status else {
            let error = "more than 65,000 distinct statuses".to_owned();
            let file = self.file.clone();
            self.bad_row(BadRow { file, line, error });
            return;
        };
        let line_u64 = line;
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let applied = row.handler == Handler::Applied;
        let (amount, currency) = row.money.unwrap_or_default();

        // Short keys (nearly all) cost nothing to build, so one hash serves lookup and insert.
        let existing = if row.key.len() <= INLINE_KEY {
            match self.map.entry(CompactKey::new(row.key)) {
                Entry::Occupied(slot) => Some(slot.into_mut()),
                Entry::Vacant(slot) => {
                    slot.insert(Self::first_agg(row, line, status, self.mode));
                    None
                }
            }
        } else {
            self.map.get_mut(row.key)
        };
        let Some(agg) = existing else {
            if row.key.len() > INLINE_KEY {
                self.map.insert(
                    CompactKey::new(row.key),
                    Self::first_agg(row, line, status, self.mode),
                );
            }
            self.rows_read += 1;
            return;
        };
        if self.unique_keys {
            let error = format!(
                "event id repeated in the gateway export (first at line {})",
                agg.line
            );
            let file = self.file.clone();
            self.bad_row(BadRow {
                file,
                line: line_u64,
                error,
            });
            return;
        }
        self.rows_read += 1;
        agg.rows = agg.rows.saturating_add(1);
        agg.applied = agg.applied.saturating_add(u32::from(applied));
        agg.handled = agg
            .handled
            .saturating_add(u32::from(row.handler != Handler::Failed));
        // In events mode only the applied row is compared, so other deliveries may differ.
        agg.mixed_currency |=
            self.mode == Mode::Transactions && row.money.is_some() && currency != agg.currency;
        match self.mode {
            Mode::Events if applied && !agg.chosen_applied => {
                *agg = Agg {
                    amount,
                    currency,
                    has_money: row.money.is_some(),
                    occurred_ms: row.occurred_ms,
                    line,
                    status,
                    chosen_applied: true,
                    ..*agg
                };
            }
            Mode::Events => {}
            Mode::Transactions => {
                if applied {
                    agg.amount = agg.amount.saturating_add(amount);
                }
                // The earliest movement dates the key, whatever order the file has.
                agg.occurred_ms = agg.occurred_ms.min(row.occurred_ms);
            }
        }
    }

    fn first_agg(row: &Row<'_>, line: u32, status: u16, mode: Mode) -> Agg {
        let applied = row.handler == Handler::Applied;
        let (amount, currency) = row.money.unwrap_or_default();
        Agg {
            // Transactions mode sums applied rows only; events mode compares this row until an
            // applied one comes.
            amount: if applied || mode == Mode::Events {
                amount
            } else {
                0
            },
            occurred_ms: row.occurred_ms,
            line,
            rows: 1,
            applied: u32::from(applied),
            handled: u32::from(row.handler != Handler::Failed),
            status,
            currency,
            has_money: row.money.is_some(),
            chosen_applied: applied,
            mixed_currency: false,
        }
    }

    fn intern_status(&mut self, raw: &[u8]) -> Option<u16> {
        if let Some(&id) = self.status_ids.get(raw) {
            return Some(id);
        }
        let lower = String::from_utf8_lossy(raw).to_lowercase();
        let name = self.status_aliases.get(&lower).cloned().unwrap_or(lower);
        let existing = self.status_names.iter().position(|n| *n == name);
        let id = u16::try_from(existing.unwrap_or(self.status_names.len())).ok()?;
        if existing.is_none() {
            self.status_names.push(name);
        }
        self.status_ids.insert(raw.into(), id);
        Some(id)
    }

    #[must_use]
    pub fn status_name(&self, id: u16) -> Option<&str> {
        (id != 0).then(|| self.status_names[usize::from(id)].as_str())
    }
}

/// The rules that place a key into a category.
#[derive(Debug, Clone, Copy)]
pub struct Judge {
    pub mode: Mode,
    /// Window bounds with the skew margin already applied, in milliseconds.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub retry_horizon_ms: i64,
    /// The instant the retry horizon is measured back from (`--now`, else `--to`).
    pub reference_ms: Option<i64>,
}

impl Judge {
    /// The first category that applies, in the order of precedence.
    #[must_use]
    pub fn categorize(
        &self,
        ours: Option<&Agg>,
        gateway: Option<&Agg>,
        same_status: impl Fn(u16, u16) -> bool,
    ) -> Category {
        let occurred = gateway.or(ours).map_or(0, |a| a.occurred_ms);
        let before = self.from_ms.is_some_and(|from| occurred < from);
        let after = self.to_ms.is_some_and(|to| occurred > to);
        if before || after {
            return Category::OutOfWindow;
        }

        let ours_handled = ours.filter(|o| o.handled > 0);
        let (o, g) = match (ours_handled, gateway) {
            (None, Some(g)) => {
                let young = self.reference_ms.is_some_and(|now| {
                    self.retry_horizon_ms > 0 && g.occurred_ms > now - self.retry_horizon_ms
                });
                return if young {
                    Category::PendingRetry
                } else {
                    Category::MissingInOurs
                };
            }
            (_, None) => return Category::MissingInGateway,
            (Some(o), Some(g)) => (o, g),
        };

        let expected_effects = match self.mode {
            Mode::Events => 1,
            Mode::Transactions => g.rows,
        };
        if o.applied > expected_effects {
            return Category::DuplicateEffect;
        }
        if o.has_money && g.has_money {
            if o.currency != g.currency || o.mixed_currency || g.mixed_currency {
                return Category::CurrencyMismatch;
            }
            if o.amount != g.amount {
                return Category::AmountMismatch;
            }
        }
        if o.status != 0 && g.status != 0 && !same_status(o.status, g.status) {
            return Category::StatusMismatch;
        }
        let expected_rows = match self.mode {
            Mode::Events => 1,
            Mode::Transactions => g.rows,
        };
        if o.rows > expected_rows {
            return Category::DuplicateDelivery;
        }
        Category::Matched
    }
}

/// One key's verdict, with what each side holds.
pub struct Finding<'a> {
    pub category: Category,
    pub key: &'a [u8],
    pub ours: Option<&'a Agg>,
    pub gateway: Option<&'a Agg>,
    pub ours_status: Option<&'a str>,
    pub gateway_status: Option<&'a str>,
}

/// Joins the two tables and hands every key, exactly once, to `visit`.
pub fn match_tables(
    mut ours: SideTable,
    gateway: &SideTable,
    judge: &Judge,
    mut visit: impl FnMut(Finding<'_>),
) {
    // Status numbers are per side; map ours onto the gateway's by name once.
    let ours_to_gateway: Vec<u16> = ours
        .status_names
        .iter()
        .map(|name| {
            let id = gateway.status_names.iter().skip(1).position(|n| n == name);
            id.map_or(u16::MAX, |i| i as u16 + 1)
        })
        .collect();
    let same_status = |o: u16, g: u16| ours_to_gateway[usize::from(o)] == g;

    for (key, g) in &gateway.map {
        let o = ours.map.remove(key.as_bytes());
        let category = judge.categorize(o.as_ref(), Some(g), same_status);
        visit(Finding {
            category,
            key: key.as_bytes(),
            ours: o.as_ref(),
            gateway: Some(g),
            ours_status: o.and_then(|o| ours.status_name(o.status)),
            gateway_status: gateway.status_name(g.status),
        });
    }
    for (key, o) in &ours.map {
        let category = judge.categorize(Some(o), None, same_status);
        visit(Finding {
            category,
            key: key.as_bytes(),
            ours: Some(o),
            gateway: None,
            ours_status: ours.status_name(o.status),
            gateway_status: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(rows: u32, applied: u32, amount: i64) -> Agg {
        Agg {
            amount,
            occurred_ms: 1_000,
            line: 2,
            rows,
            applied,
            handled: applied,
            status: 1,
            currency: Currency::default(),
            has_money: true,
            chosen_applied: applied > 0,
            mixed_currency: false,
        }
    }

    fn judge(mode: Mode) -> Judge {
        Judge {
            mode,
            from_ms: Some(0),
            to_ms: Some(10_000),
            retry_horizon_ms: 5_000,
            reference_ms: Some(10_000),
        }
    }

    #[test]
    fn transactions_compare_counts_and_sums_per_reference_and_kind() {
        let same = |_: u16, _: u16| true;
        let j = judge(Mode::Transactions);
        let cases = [
            // Two partial refunds on each side: the same key, matched by count and sum.
            (agg(2, 2, -2500), agg(2, 2, -2500), Category::Matched),
            // A refund posted twice on our side only.
            (
                agg(2, 2, -4000),
                agg(1, 1, -2000),
                Category::DuplicateEffect,
            ),
            (agg(1, 1, -500), agg(1, 1, -600), Category::AmountMismatch),
            // A failed attempt then the posting: one effect, an extra row.
            (
                Agg {
                    handled: 1,
                    ..agg(2, 1, 700)
                },
                agg(1, 1, 700),
                Category::DuplicateDelivery,
            ),
        ];
        for (ours, gateway, want) in cases {
            assert_eq!(
                j.categorize(Some(&ours), Some(&gateway), same),
                want,
                "{ours:?}"
            );
        }
    }

    #[test]
    fn missing_events_wait_out_the_retry_horizon() {
        let same = |_: u16, _: u16| true;
        let j = judge(Mode::Events);
        let young = Agg {
            occurred_ms: 9_000,
            ..agg(1, 1, 1)
        };
        let old = Agg {
            occurred_ms: 2_000,
            ..agg(1, 1, 1)
        };
        assert_eq!(
            j.categorize(None, Some(&young), same),
            Category::PendingRetry
        );
        assert_eq!(
            j.categorize(None, Some(&old), same),
            Category::MissingInOurs
        );
        let failed = Agg {
            applied: 0,
            handled: 0,
            ..agg(1, 0, 1)
        };
        assert_eq!(
            j.categorize(Some(&failed), Some(&old), same),
            Category::MissingInOurs
        );
        let late = Agg {
            occurred_ms: 20_000,
            ..old
        };
        assert_eq!(j.categorize(None, Some(&late), same), Category::OutOfWindow);
    }

    #[test]
    fn long_and_short_keys_hash_and_compare_as_their_bytes() {
        let short = CompactKey::new(b"evt_1");
        let long = CompactKey::new(&[b'x'; 64]);
        assert_eq!(short.as_bytes(), b"evt_1");
        assert_eq!(long.as_bytes(), &[b'x'; 64][..]);
        assert!(matches!(short, CompactKey::Inline { .. }));
        assert!(matches!(long, CompactKey::Heap(_)));
        assert_eq!(std::mem::size_of::<CompactKey>(), 32);
        assert_eq!(std::mem::size_of::<Agg>(), 40);
    }
}
