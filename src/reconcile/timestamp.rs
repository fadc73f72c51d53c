//! Timestamps as payment exports write them, read into UTC milliseconds since the epoch.
//!
//! Gateways disagree on format: RFC 3339 (`2026-03-02T13:58:00Z`, with fractions or an
//! offset), a plain `2026-03-02 13:58:00` taken as UTC (Stripe's `created_utc`, Adyen's
//! `Creation Date`), and Unix seconds (Stripe's API `created`) or milliseconds. The common
//! RFC 3339 shapes are parsed by hand because a ten-million-row file spends real time here;
//! anything unusual falls back to chrono.

use chrono::{DateTime, SecondsFormat, Utc};
use thiserror::Error;

/// A time that is none of the accepted shapes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("time {0:?} is not RFC 3339 (2026-03-02T13:58:00Z), `YYYY-MM-DD HH:MM:SS` or Unix seconds")]
pub struct TimeError(pub String);

/// Reads `text` as a UTC instant in milliseconds.
pub fn parse_time_ms(text: &[u8]) -> Result<i64, TimeError> {
    let text = text.trim_ascii();
    let fail = || TimeError(String::from_utf8_lossy(text).into_owned());
    if !text.is_empty() && text.iter().all(u8::is_ascii_digit) {
        let value: i64 = std::str::from_utf8(text)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(fail)?;
        // Thirteen digits and more are milliseconds (any date after 2001); fewer are seconds.
        return Ok(if text.len() >= 13 {
            value
        } else {
            value * 1000
        });
    }
    if let Some(ms) = parse_fast(text) {
        return Ok(ms);
    }
    let as_str = std::str::from_utf8(text).map_err(|_| fail())?;
    DateTime::parse_from_rfc3339(as_str)
        .map(|t| t.timestamp_millis())
        .map_err(|_| fail())
}

/// Formats milliseconds as RFC 3339 in UTC, for reports.
#[must_use]
pub fn format_time_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    )
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|±HH:MM]`; no zone means UTC.
fn parse_fast(t: &[u8]) -> Option<i64> {
    if t.len() < 19 || t[4] != b'-' || t[7] != b'-' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    if t[10] != b'T' && t[10] != b't' && t[10] != b' ' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        t[from..to].iter().try_fold(0_i64, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }

    let mut rest = &t[19..];
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (i, &b) in fraction[..digits].iter().take(3).enumerate() {
            millis += i64::from(b - b'0') * [100, 10, 1][i];
        }
        rest = &fraction[digits..];
    }
    let offset_secs = match rest {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
            };
            let secs = two(*h1, *h2)? * 3600 + two(*m1, *m2)? * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_secs;
    Some(secs * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    #[test]
    fn accepted_shapes_agree_with_chrono() {
        let cases = [
            "2026-03-02T13:58:00Z",
            "2026-03-02T13:58:00.250Z",
            "2026-03-02T13:58:00.123456789Z",
            "2026-03-02T15:58:00+02:00",
            "2026-03-02T08:58:00-05:00",
            "2024-02-29T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-01-01t00:00:00z",
        ];
        for text in cases {
            let want = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis();
            assert_eq!(parse_time_ms(text.as_bytes()), Ok(want), "{text}");
        }
    }

    #[test]
    fn plain_datetimes_are_utc_and_digits_are_unix_time() {
        let want = DateTime::parse_from_rfc3339("2026-03-02T13:58:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(parse_time_ms(b"2026-03-02 13:58:00"), Ok(want));
        assert_eq!(parse_time_ms(b"2026-03-02T13:58:00"), Ok(want));
        assert_eq!(parse_time_ms(b"1772459880"), Ok(want));
        assert_eq!(parse_time_ms(b"1772459880000"), Ok(want));
    }

    #[test]
    fn impossible_dates_and_garbage_are_rejected() {
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "",
            "2026-03-02",
        ] {
            assert!(parse_time_ms(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
