//! Streaming readers: CSV (header, BOM, quotes, quoted newlines, any delimiter) and JSON lines,
//! one record at a time, each turned into a compact row and folded into a [`SideTable`].
//!
//! Nothing of a record outlives its line except what the matcher needs (key, one amount, a
//! status number, a time, counters), so memory grows with the number of distinct keys, not with
//! the size of the file. A row that cannot be read is a [`BadRow`] with the file and the physical
//! line where its record starts; reading goes on with the next one.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use csv::ByteRecord;

use super::matcher::{Handler, Row, SideTable};
use super::money::{self, Currency};
use super::profile::{AmountUnit, Mode, Profile, SideColumns};
use super::timestamp::parse_time_ms;
use super::{BadRow, ReconcileError, Side};

/// The most rows a table is sized for up front; larger files grow it as they go.
const MAX_RESERVED_ROWS: u64 = 50_000_000;

/// Where each needed field sits in a record.
struct Indices {
    key: Vec<usize>,
    kind: Option<usize>,
    amount: Option<usize>,
    credit: Option<usize>,
    debit: Option<usize>,
    currency: Option<usize>,
    status: Option<usize>,
    occurred_at: usize,
    handler_status: Option<usize>,
}

/// Settings that shape how one side's rows are read.
pub struct ReadSettings<'a> {
    pub side: Side,
    pub profile: &'a Profile,
}

impl ReadSettings<'_> {
    fn columns(&self) -> &SideColumns {
        match self.side {
            Side::Ours => &self.profile.ours,
            Side::Gateway => &self.profile.gateway,
        }
    }
}

/// Reads the file at `path` (JSON lines when its name ends in `.jsonl`/`.ndjson` or its first
/// byte is `{`, CSV otherwise) into a new table.
pub fn read_side(path: &Path, settings: &ReadSettings<'_>) -> Result<SideTable, ReconcileError> {
    let open_error = |source| ReconcileError::Open {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(open_error)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let file_len = reader.get_ref().metadata().map_or(0, |m| m.len());
    let (looks_like_json, estimated_rows) = {
        let head = reader.fill_buf().map_err(open_error)?;
        let lines_in_head = memchr::memchr_iter(b'\n', head).count() as u64;
        let estimate = (file_len * lines_in_head)
            .checked_div(head.len() as u64)
            .unwrap_or(0);
        let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        (head.trim_ascii_start().first() == Some(&b'{'), estimate)
    };
    let name = path.to_string_lossy();
    let mut table = SideTable::new(name.clone().into_owned(), settings.profile, settings.side);
    // Sizing the table once from the file length avoids rehashing it several times on the way,
    // which is both slower and briefly needs the old and the new table at once.
    table.reserve(usize::try_from(estimated_rows.min(MAX_RESERVED_ROWS)).unwrap_or(0));
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") || looks_like_json {
        read_json_lines(reader, path, settings, &mut table)?;
    } else {
        read_csv(reader, path, settings, &mut table)?;
    }
    Ok(table)
}

fn read_csv(
    reader: impl Read,
    path: &Path,
    settings: &ReadSettings<'_>,
    table: &mut SideTable,
) -> Result<(), ReconcileError> {
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(settings.profile.delimiter)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(reader);
    let header: Vec<String> = csv
        .byte_headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h)
            } else {
                h
            };
            String::from_utf8_lossy(h).trim().to_owned()
        })
        .collect();
    let indices = resolve(&header, settings, path)?;

    let mut parser = RowParser::new(settings);
    let mut record = ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) if e.is_io_error() => return Err(csv_error(path, &e)),
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                table.bad_row(bad(path, line, e.to_string()));
                continue;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != header.len() {
            let message = format!("expected {} fields, found {}", header.len(), record.len());
            table.bad_row(bad(path, line, message));
            continue;
        }
        match parser.parse(&record, &indices) {
            Ok(row) => table.add(&row, line),
            Err(message) => table.bad_row(bad(path, line, message)),
        }
    }
    Ok(())
}

fn read_json_lines(
    reader: impl BufRead,
    path: &Path,
    settings: &ReadSettings<'_>,
    table: &mut SideTable,
) -> Result<(), ReconcileError> {
    // Each object is flattened into a record whose "header" is the list of configured paths, so
    // that CSV and JSON rows share one parser.
    let paths = configured_columns(settings.columns());
    let indices = resolve(&paths, settings, path)?;
    let mut parser = RowParser::new(settings);
    let mut record = ByteRecord::new();

    for (number, line) in reader.split(b'\n').enumerate() {
        let line_number = number as u64 + 1;
        let line = line.map_err(|source| ReconcileError::Read {
            path: path.to_owned(),
            line: line_number,
            message: source.to_string(),
        })?;
        let line = if number == 0 {
            line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&line)
        } else {
            &line
        };
        if line.trim_ascii().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_slice(line) {
            Ok(value) => value,
            Err(e) => {
                table.bad_row(bad(path, line_number, format!("not a JSON object: {e}")));
                continue;
            }
        };
        record.clear();
        for column in &paths {
            record.push_field(json_text(&value, column).as_bytes());
        }
        match parser.parse(&record, &indices) {
            Ok(row) => table.add(&row, line_number),
            Err(message) => table.bad_row(bad(path, line_number, message)),
        }
    }
    Ok(())
}

// Known gap: a JSON number with a fraction (`12.34` rather than `"12.34"`) goes through f64 in
// serde_json and is written back in its shortest form, which is exact for ordinary amounts but
// not beyond about fifteen significant digits; integer minor units and strings are exact.
/// The value at `path`: a top-level key first (keys may contain dots), then a dotted path.
fn json_text(value: &serde_json::Value, path: &str) -> String {
    let found = value
        .get(path)
        .or_else(|| path.split('.').try_fold(value, |v, part| v.get(part)));
    match found {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn configured_columns(c: &SideColumns) -> Vec<String> {
    let optional = [
        &c.kind,
        &c.amount,
        &c.credit,
        &c.debit,
        &c.currency,
        &c.status,
    ];
    let mut all = c.key.clone();
    all.extend(optional.into_iter().flatten().cloned());
    all.push(c.occurred_at.clone());
    all.extend(c.handler_status.iter().cloned());
    all
}

fn resolve(
    header: &[String],
    settings: &ReadSettings<'_>,
    path: &Path,
) -> Result<Indices, ReconcileError> {
    let find = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need = |name: &String| {
        find(name).ok_or_else(|| ReconcileError::MissingColumn {
            path: path.to_owned(),
            side: settings.side,
            column: name.clone(),
            found: header.join(", "),
        })
    };
    let need_opt = |name: &Option<String>| name.as_ref().map(need).transpose();
    let c = settings.columns();
    Ok(Indices {
        key: c.key.iter().map(need).collect::<Result<_, _>>()?,
        kind: need_opt(&c.kind)?,
        amount: need_opt(&c.amount)?,
        credit: need_opt(&c.credit)?,
        debit: need_opt(&c.debit)?,
        currency: need_opt(&c.currency)?,
        status: need_opt(&c.status)?,
        occurred_at: need(&c.occurred_at)?,
        // Optional in the file: absent means every row was applied.
        handler_status: c.handler_status.as_deref().and_then(find),
    })
}

fn csv_error(path: &Path, e: &csv::Error) -> ReconcileError {
    ReconcileError::Read {
        path: path.to_owned(),
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    }
}

fn bad(path: &Path, line: u64, error: String) -> BadRow {
    BadRow {
        file: path.to_string_lossy().into_owned(),
        line,
        error,
    }
}

/// Turns records into rows, reusing buffers and caching status and kind spellings.
struct RowParser<'a> {
    settings: &'a ReadSettings<'a>,
    key: Vec<u8>,
    kinds: HashMap<Vec<u8>, (String, i64)>,
    /// Currency spellings seen so far; a file rarely has more than a handful.
    currencies: Vec<([u8; 3], Currency)>,
}

impl<'a> RowParser<'a> {
    fn new(settings: &'a ReadSettings<'a>) -> Self {
        Self {
            settings,
            key: Vec::with_capacity(64),
            kinds: HashMap::new(),
            currencies: Vec::new(),
        }
    }

    fn currency(&mut self, raw: &[u8]) -> Result<Currency, String> {
        if let Some((_, c)) = self.currencies.iter().find(|(seen, _)| seen == raw) {
            return Ok(*c);
        }
        let currency = Currency::parse(raw).map_err(|e| e.to_string())?;
        if let (Ok(spelling), true) = (<[u8; 3]>::try_from(raw), self.currencies.len() < 32) {
            self.currencies.push((spelling, currency));
        }
        Ok(currency)
    }

    fn parse<'r>(&'r mut self, record: &'r ByteRecord, ix: &Indices) -> Result<Row<'r>, String> {
        let field = |i: usize| record.get(i).unwrap_or_default().trim_ascii();
        let columns = self.settings.columns();
        let profile = self.settings.profile;

        self.key.clear();
        for (n, &i) in ix.key.iter().enumerate() {
            let part = field(i);
            if part.is_empty() {
                return Err(format!("empty key column `{}`", columns.key[n]));
            }
            if n > 0 {
                self.key.push(0x1f);
            }
            self.key.extend_from_slice(part);
        }

        let mut sign = 1;
        if let (Mode::Transactions, Some(i)) = (profile.mode, ix.kind) {
            let (kind, kind_sign) = kind_of(&mut self.kinds, profile, field(i))?;
            sign = kind_sign;
            self.key.push(0x1f);
            self.key.extend_from_slice(kind.as_bytes());
        }

        let money = match ix.currency {
            Some(ci) => {
                let currency = self.currency(field(ci))?;
                let text = [ix.amount, ix.credit, ix.debit]
                    .into_iter()
                    .flatten()
                    .map(field)
                    .zip([1_i64, 1, -1])
                    .find(|(text, _)| !text.is_empty());
                let Some((text, direction)) = text else {
                    return Err("the amount is empty".into());
                };
                let minor = match columns.amount_unit {
                    AmountUnit::Decimal => {
                        money::parse_decimal(text, currency, profile.decimal_separator)
                    }
                    AmountUnit::Minor => money::parse_minor(text),
                }
                .map_err(|e| e.to_string())?;
                let minor = match profile.mode {
                    // The kind gives the direction; exports disagree on signs.
                    Mode::Transactions => minor.abs() * sign,
                    Mode::Events => minor * direction,
                };
                Some((minor, currency))
            }
            None => None,
        };

        let occurred = field(ix.occurred_at);
        if occurred.is_empty() {
            return Err(format!("empty time column `{}`", columns.occurred_at));
        }
        let occurred_ms = parse_time_ms(occurred).map_err(|e| e.to_string())?;

        let handler = match ix.handler_status.map(field) {
            None | Some(b"") => Handler::Applied,
            Some(text) if text.eq_ignore_ascii_case(b"applied") => Handler::Applied,
            Some(text) if text.eq_ignore_ascii_case(b"ignored") => Handler::Ignored,
            Some(text) if text.eq_ignore_ascii_case(b"failed") => Handler::Failed,
            Some(text) => {
                return Err(format!(
                    "handler_status {:?} is not applied, ignored or failed",
                    String::from_utf8_lossy(text)
                ));
            }
        };

        Ok(Row {
            key: &self.key,
            money,
            status: ix.status.map(field),
            occurred_ms,
            handler,
        })
    }
}

/// The canonical kind of `raw` and the sign its amounts carry, cached per spelling.
fn kind_of<'k>(
    kinds: &'k mut HashMap<Vec<u8>, (String, i64)>,
    profile: &Profile,
    raw: &[u8],
) -> Result<(&'k str, i64), String> {
    if raw.is_empty() {
        return Err("empty kind".into());
    }
    if !kinds.contains_key(raw) {
        let lower = String::from_utf8_lossy(raw).to_lowercase();
        let aliased = profile.kind_aliases.get(&lower).cloned();
        let canonical = aliased.unwrap_or_else(|| canonical_kind(&lower).to_owned());
        let sign = if matches!(canonical.as_str(), "refund" | "chargeback") {
            -1
        } else {
            1
        };
        kinds.insert(raw.to_vec(), (canonical, sign));
    }
    let (kind, sign) = &kinds[raw];
    Ok((kind.as_str(), *sign))
}

/// Common spellings of the three kinds that matter; anything else is kept as written.
fn canonical_kind(lower: &str) -> &str {
    match lower {
        "charge" | "payment" | "capture" | "captured" | "sale" | "settled" => "charge",
        "refund" | "refunded" | "partial_refund" | "partially_refunded" => "refund",
        "chargeback" | "dispute" | "disputed" => "chargeback",
        other => other,
    }
}
