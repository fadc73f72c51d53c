//! Durations as people type them: `500ms`, `2s`, `1m`, `1h30m`, `3d`.
//!
//! One parser serves the command line, the config file and the runbook, so a duration means the
//! same everywhere and a typo is reported the same way.

use std::time::Duration;

/// A duration that could not be read, with the text that was given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid duration {text:?}: {reason} (write it like 500ms, 2s, 1m or 1h30m)")]
pub struct DurationError {
    pub text: String,
    pub reason: &'static str,
}

/// Parses a duration made of one or more `<number><unit>` parts, units `ms`, `s`, `m`, `h`, `d`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        text: text.to_owned(),
        reason,
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(fail("it is empty"));
    }
    let mut total = Duration::ZERO;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(fail("expected a number"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| fail("the number is malformed"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_secs = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "" => return Err(fail("a unit is missing")),
            _ => return Err(fail("the unit is not one of ms, s, m, h, d")),
        };
        rest = &rest[unit_len..];
        total += Duration::from_secs_f64(number * unit_secs);
    }
    Ok(total)
}

/// Formats a duration compactly for the screen: `850ms`, `4.2s`, `3m05s`, `2h07m`, `3d04h`.
#[must_use]
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    let secs = d.as_secs();
    match secs {
        _ if ms < 1000 => format!("{ms}ms"),
        0..60 if d.subsec_millis() == 0 => format!("{secs}s"),
        0..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d{:02}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// A measured time in milliseconds in at most five characters, keeping sub-millisecond
/// precision where it matters on loopback: `0.3ms`, `12ms`, `850ms`, `4.2s`, `12s`.
#[must_use]
pub fn format_ms(ms: f64) -> String {
    match ms {
        m if m < 10.0 => format!("{m:.1}ms"),
        m if m < 1000.0 => format!("{m:.0}ms"),
        m if m < 10_000.0 => format!("{:.1}s", m / 1000.0),
        m => format!("{:.0}s", m / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_spellings_people_use() {
        let cases = [
            ("500ms", 500),
            ("2s", 2000),
            ("1m", 60_000),
            ("1h30m", 5_400_000),
            ("1.5s", 1500),
            (" 3d ", 259_200_000),
        ];
        for (text, ms) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_what_is_ambiguous() {
        for text in ["", "5", "s", "5x", "1..2s", "-1s"] {
            assert!(parse_duration(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_millis(4210)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m05s");
        assert_eq!(format_duration(Duration::from_secs(7620)), "2h07m");
    }
}
