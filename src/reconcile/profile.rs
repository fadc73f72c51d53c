//! Profiles: which columns of each file hold the key, amount, currency, status and time, how
//! numbers are written, and the provider's retry horizon.
//!
//! Built-in profiles cover the generic format the tests and benchmark use, a generic ledger of
//! transactions, Stripe's itemized balance report and Adyen's settlement details report. Any
//! other export is described by a TOML file in the same terms (see [`Profile::from_toml`]); its
//! errors name the file, the line and the key at fault.
//!
//! | profile | mode | our columns | gateway columns | retry horizon |
//! |---|---|---|---|---|
//! | `generic` | events | `event_id, amount, currency, status, occurred_at` [+ `handler_status`] | the same without `handler_status` | none |
//! | `transactions` | transactions | ledger: `provider_ref, kind, amount, currency, status, created_at` [+ `handler_status`] | `reference, kind, amount, currency, status, occurred_at` | none |
//! | `stripe` | transactions | ledger | itemized balance report: `source_id, reporting_category, gross, currency, created_utc` (no status; `dispute` is a chargeback) | 3 days |
//! | `adyen` | transactions | ledger | settlement details: `Psp Reference, Type, Gross Credit (GC)` or `Gross Debit (GC), Gross Currency, Creation Date` (no status) | 30 days |
//!
//! Kinds are matched case-insensitively after mapping common spellings: `payment`, `capture`,
//! `sale` and Adyen's `Settled` are charges; `refunded` and `partial_refund` are refunds;
//! `dispute` and `Chargeback` are chargebacks. Column names match case-insensitively; JSON lines
//! take the same names or dotted paths (`data.object.amount`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

/// What one row of the files stands for, which decides the key and the duplicate rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One row per webhook delivery; the key is the event id and an event should be applied
    /// exactly once however often it was delivered.
    Events,
    /// One row per money movement; the key is the gateway reference plus the kind (charge,
    /// refund, chargeback), so several partial refunds of one charge share a key and are
    /// compared as a count and a sum.
    Transactions,
}

/// How a side writes amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AmountUnit {
    /// Decimal text in major units, `12.34`.
    #[default]
    Decimal,
    /// Integer minor units, `1234`, as payment APIs send them.
    Minor,
}

/// Column names (or dotted JSON paths) of one side.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideColumns {
    /// The columns whose values, joined, identify a record: the event id, or the gateway
    /// reference in transactions mode (the kind is added to it).
    #[serde(deserialize_with = "one_or_many")]
    pub key: Vec<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub amount: Option<String>,
    /// A credit column used when the amount is split into credit and debit (Adyen).
    #[serde(default)]
    pub credit: Option<String>,
    #[serde(default)]
    pub debit: Option<String>,
    #[serde(default)]
    pub amount_unit: AmountUnit,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub occurred_at: String,
    /// Our side only: `applied`, `ignored` or `failed`; `applied` when absent or empty.
    #[serde(default)]
    pub handler_status: Option<String>,
}

impl SideColumns {
    fn has_amount(&self) -> bool {
        self.amount.is_some() || self.credit.is_some() || self.debit.is_some()
    }
}

/// A complete description of how to read and compare two exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub mode: Mode,
    pub ours: SideColumns,
    pub gateway: SideColumns,
    /// CSV field separator.
    pub delimiter: u8,
    /// The character between whole and fractional units in decimal amounts.
    pub decimal_separator: u8,
    /// How long the provider keeps retrying a delivery; an event missing on our side and younger
    /// than this is `pending_retry` rather than `missing_in_ours`.
    pub retry_horizon_ms: i64,
    /// Margin added on both sides of the `--from`/`--to` window for clock skew.
    pub skew_ms: i64,
    /// Status spellings mapped to one vocabulary before comparison (lower case on both ends).
    pub status_aliases: HashMap<String, String>,
    /// Kind spellings mapped to `charge`, `refund`, `chargeback` or another kind.
    pub kind_aliases: HashMap<String, String>,
}

/// A profile that could not be found or read.
#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("unknown profile {0:?}: use one of {names} or a TOML file", names = BUILT_IN.join(", "))]
    UnknownBuiltIn(String),
    #[error("reading profile {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: key `{key}`: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

/// Names accepted by `--profile` besides a file.
pub const BUILT_IN: &[&str] = &["generic", "transactions", "stripe", "adyen"];

const DAY_MS: i64 = 86_400_000;

fn columns(key: &[&str], occurred_at: &str) -> SideColumns {
    SideColumns {
        key: key.iter().map(|&k| k.to_owned()).collect(),
        kind: None,
        amount: Some("amount".into()),
        credit: None,
        debit: None,
        amount_unit: AmountUnit::Decimal,
        currency: Some("currency".into()),
        status: Some("status".into()),
        occurred_at: occurred_at.into(),
        handler_status: None,
    }
}

/// Our ledger as the notes describe it: `txn_id, provider_ref, kind, amount, currency, status,
/// created_at`.
fn our_ledger() -> SideColumns {
    SideColumns {
        kind: Some("kind".into()),
        handler_status: Some("handler_status".into()),
        ..columns(&["provider_ref"], "created_at")
    }
}

fn base(name: &str, mode: Mode, ours: SideColumns, gateway: SideColumns) -> Profile {
    Profile {
        name: name.into(),
        mode,
        ours,
        gateway,
        delimiter: b',',
        decimal_separator: b'.',
        retry_horizon_ms: 0,
        skew_ms: 0,
        status_aliases: HashMap::new(),
        kind_aliases: HashMap::new(),
    }
}

impl Profile {
    /// The built-in profile called `name`.
    pub fn built_in(name: &str) -> Result<Self, ProfileError> {
        match name {
            "generic" => {
                let ours = SideColumns {
                    handler_status: Some("handler_status".into()),
                    ..columns(&["event_id"], "occurred_at")
                };
                let gateway = columns(&["event_id"], "occurred_at");
                Ok(base("generic", Mode::Events, ours, gateway))
            }
            "transactions" => {
                let gateway = SideColumns {
                    kind: Some("kind".into()),
                    ..columns(&["reference"], "occurred_at")
                };
                Ok(base(
                    "transactions",
                    Mode::Transactions,
                    our_ledger(),
                    gateway,
                ))
            }
            // Stripe's itemized balance change report: one row per balance transaction, `gross`
            // signed and in major units, `currency` in lower case, `created_utc` without a zone.
            // It lists only settled movements, so it has no status column.
            "stripe" => {
                let gateway = SideColumns {
                    kind: Some("reporting_category".into()),
                    amount: Some("gross".into()),
                    status: None,
                    ..columns(&["source_id"], "created_utc")
                };
                let mut profile = base("stripe", Mode::Transactions, our_ledger(), gateway);
                profile.retry_horizon_ms = 3 * DAY_MS;
                profile
                    .kind_aliases
                    .insert("dispute".into(), "chargeback".into());
                Ok(profile)
            }
            // Adyen's settlement details report: `Psp Reference` of the payment, `Type` such as
            // Settled, Refunded or Chargeback, the gross amount split into credit and debit
            // columns in the gross currency, and `Creation Date` (taken as UTC; the report's
            // `TimeZone` column is not applied).
            "adyen" => {
                let gateway = SideColumns {
                    key: vec!["Psp Reference".into()],
                    kind: Some("Type".into()),
                    amount: None,
                    credit: Some("Gross Credit (GC)".into()),
                    debit: Some("Gross Debit (GC)".into()),
                    amount_unit: AmountUnit::Decimal,
                    currency: Some("Gross Currency".into()),
                    status: None,
                    occurred_at: "Creation Date".into(),
                    handler_status: None,
                };
                let mut profile = base("adyen", Mode::Transactions, our_ledger(), gateway);
                profile.retry_horizon_ms = 30 * DAY_MS;
                Ok(profile)
            }
            other => Err(ProfileError::UnknownBuiltIn(other.to_owned())),
        }
    }

    /// A built-in name, or else a path to a TOML profile.
    pub fn load(name_or_path: &str) -> Result<Self, ProfileError> {
        let path = Path::new(name_or_path);
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if BUILT_IN.contains(&name_or_path) || !path.exists() && !is_toml {
            return Self::built_in(name_or_path);
        }
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Reads a TOML profile. `path` is used in error messages only. The format:
    ///
    /// ```toml
    /// name = "acme-psp"
    /// mode = "events"             # or "transactions"
    /// delimiter = ";"
    /// decimal_separator = ","
    /// retry_horizon = "3d"
    /// skew = "5m"
    /// [ours]
    /// key = "event_id"            # or a list of columns
    /// amount = "amount"           # or credit = / debit = ; amount_unit = "minor"
    /// currency = "currency"
    /// status = "status"
    /// occurred_at = "occurred_at"
    /// handler_status = "handler_status"
    /// [gateway]
    /// key = "id"
    /// occurred_at = "created"
    /// [statuses]                  # optional spellings mapped before comparison
    /// succeeded = "paid"
    /// [kinds]                     # optional, transactions mode
    /// sale = "charge"
    /// ```
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ProfileError> {
        let invalid = |span: Option<std::ops::Range<usize>>, key: &str, message: String| {
            let start = span.map_or(0, |s| s.start);
            ProfileError::Invalid {
                path: path.to_owned(),
                line: text.get(..start).unwrap_or(text).matches('\n').count() + 1,
                key: key.to_owned(),
                message,
            }
        };
        let file: ProfileFile = toml::from_str(text).map_err(|e| {
            let span = e.span();
            let key = span
                .clone()
                .and_then(|s| text.get(s))
                .map(|k| {
                    k.trim()
                        .trim_matches('"')
                        .chars()
                        .take(40)
                        .collect::<String>()
                })
                .unwrap_or_default();
            invalid(span, &key, e.message().trim().to_owned())
        })?;

        let one_byte = |value: &toml::Spanned<String>, key: &str| match value.get_ref().as_bytes() {
            [b] if b.is_ascii() && *b != b'"' && *b != b'\n' => Ok(*b),
            _ => Err(invalid(
                Some(value.span()),
                key,
                "expected a single ASCII character such as \",\" or \";\"".into(),
            )),
        };
        let duration_ms = |value: &toml::Spanned<String>, key: &str| {
            crate::duration::parse_duration(value.get_ref())
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .map_err(|e| invalid(Some(value.span()), key, e.to_string()))
        };

        let mut profile = base(
            file.name.as_deref().unwrap_or("custom"),
            file.mode.unwrap_or(Mode::Events),
            file.ours,
            file.gateway,
        );
        if let Some(d) = &file.delimiter {
            profile.delimiter = one_byte(d, "delimiter")?;
        }
        if let Some(d) = &file.decimal_separator {
            profile.decimal_separator = one_byte(d, "decimal_separator")?;
        }
        if let Some(h) = &file.retry_horizon {
            profile.retry_horizon_ms = duration_ms(h, "retry_horizon")?;
        }
        if let Some(s) = &file.skew {
            profile.skew_ms = duration_ms(s, "skew")?;
        }
        profile.status_aliases = lower_map(file.statuses);
        profile.kind_aliases = lower_map(file.kinds);

        profile
            .validate()
            .map_err(|(key, message)| invalid(key_span(text, &key), &key, message))?;
        Ok(profile)
    }

    /// Checks that both sides can be compared; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (label, side) in [("ours", &self.ours), ("gateway", &self.gateway)] {
            if side.key.is_empty() {
                return Err((format!("{label}.key"), "needs at least one column".into()));
            }
            if side.has_amount() != side.currency.is_some() {
                return Err((
                    format!("{label}.currency"),
                    "an amount column needs a currency column and the other way round".into(),
                ));
            }
            if self.mode == Mode::Transactions && side.kind.is_none() {
                return Err((
                    format!("{label}.kind"),
                    "transactions mode keys on reference and kind, so a kind column is needed"
                        .into(),
                ));
            }
        }
        if self.delimiter == self.decimal_separator {
            return Err((
                "decimal_separator".into(),
                "must differ from the delimiter".into(),
            ));
        }
        Ok(())
    }
}

/// Where `key` (`delimiter` or `ours.kind`) is written, or its table when the key is absent.
fn key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let (table, name) = key.split_once('.').map_or(("", key), |(t, n)| (t, n));
    let mut offset = 0;
    let mut in_table = table.is_empty();
    let mut table_start = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_table = trimmed.trim_end() == format!("[{table}]");
            if in_table {
                table_start = Some(offset..offset);
            }
        } else if in_table
            && trimmed
                .strip_prefix(name)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(offset..offset);
        }
        offset += line.len();
    }
    table_start
}

fn lower_map(map: HashMap<String, String>) -> HashMap<String, String> {
    map.into_iter()
        .map(|(k, v)| (k.to_lowercase(), v.to_lowercase()))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: Option<String>,
    mode: Option<Mode>,
    delimiter: Option<toml::Spanned<String>>,
    decimal_separator: Option<toml::Spanned<String>>,
    retry_horizon: Option<toml::Spanned<String>>,
    skew: Option<toml::Spanned<String>>,
    ours: SideColumns,
    gateway: SideColumns,
    #[serde(default)]
    statuses: HashMap<String, String>,
    #[serde(default)]
    kinds: HashMap<String, String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_is_valid() {
        for name in BUILT_IN {
            let profile = Profile::built_in(name).unwrap();
            assert_eq!(profile.validate(), Ok(()), "{name}");
        }
        assert_eq!(
            Profile::built_in("stripe").unwrap().retry_horizon_ms,
            3 * DAY_MS
        );
        assert_eq!(
            Profile::built_in("adyen").unwrap().retry_horizon_ms,
            30 * DAY_MS
        );
    }

    #[test]
    fn a_toml_profile_sets_separators_and_horizon() {
        let text = r#"
name = "eu"
delimiter = ";"
decimal_separator = ","
retry_horizon = "2d"
[ours]
key = "id"
amount = "betrag"
currency = "waehrung"
occurred_at = "zeit"
[gateway]
key = ["id"]
amount = "amount"
currency = "currency"
occurred_at = "time"
[statuses]
Succeeded = "Paid"
"#;
        let p = Profile::from_toml(text, Path::new("eu.toml")).unwrap();
        assert_eq!((p.delimiter, p.decimal_separator), (b';', b','));
        assert_eq!(p.retry_horizon_ms, 2 * DAY_MS);
        assert_eq!(p.ours.amount.as_deref(), Some("betrag"));
        assert_eq!(
            p.status_aliases.get("succeeded").map(String::as_str),
            Some("paid")
        );
    }

    #[test]
    fn toml_errors_name_the_file_line_and_key() {
        let cases = [
            (
                "delimiter = \";\"\ndecimal_separator = \";\"\n[ours]\nkey=\"a\"\noccurred_at=\"t\"\n[gateway]\nkey=\"a\"\noccurred_at=\"t\"\n",
                2,
                "decimal_separator",
            ),
            (
                "mode = \"transactions\"\n[ours]\nkey=\"a\"\noccurred_at=\"t\"\n[gateway]\nkey=\"a\"\nkind=\"k\"\noccurred_at=\"t\"\n",
                2,
                "ours.kind",
            ),
            (
                "delimiter = \";;\"\n[ours]\nkey=\"a\"\noccurred_at=\"t\"\n[gateway]\nkey=\"a\"\noccurred_at=\"t\"\n",
                1,
                "delimiter",
            ),
            (
                "[ours]\nkey=\"a\"\noccurred_at=\"t\"\ncolour=\"x\"\n[gateway]\nkey=\"a\"\noccurred_at=\"t\"\n",
                4,
                "colour",
            ),
            (
                "skew = \"soon\"\n[ours]\nkey=\"a\"\noccurred_at=\"t\"\n[gateway]\nkey=\"a\"\noccurred_at=\"t\"\n",
                1,
                "skew",
            ),
        ];
        for (text, want_line, want_key) in cases {
            match Profile::from_toml(text, Path::new("p.toml")) {
                Err(ProfileError::Invalid {
                    path, line, key, ..
                }) => {
                    assert_eq!(path, Path::new("p.toml"));
                    assert_eq!((line, key.as_str()), (want_line, want_key), "{text}");
                }
                other => panic!("expected an error for {text:?}, got {other:?}"),
            }
        }
    }
}
