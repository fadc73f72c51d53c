//! Free-text application logs: a level word near the start of the line, nothing else.
//!
//! `2024-06-01 12:00:00 ERROR payment failed`, `[WARN] retrying`, `E0601 12:00:00 klog`: the
//! first few words are checked for a level, so that app logs without a status still feed the
//! histogram's level dimension. Words are read only from the first 80 bytes.

use super::{Level, Parsed};

/// How far into the line a level word is looked for.
const LEVEL_SEARCH_BYTES: usize = 80;

pub(super) fn parse(line: &[u8]) -> Parsed<'_> {
    let head = &line[..line.len().min(LEVEL_SEARCH_BYTES)];
    let level = head
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|word| word.len() >= 4)
        .take(6)
        .find_map(Level::from_word)
        .or_else(|| klog_level(line));
    Parsed {
        level,
        ..Parsed::default()
    }
}

/// glog/klog lines start with a severity letter followed by the date: `E0601 12:00:00.000`.
fn klog_level(line: &[u8]) -> Option<Level> {
    match line {
        [
            letter @ (b'E' | b'W' | b'I' | b'F'),
            d1,
            d2,
            d3,
            d4,
            b' ',
            ..,
        ] if [d1, d2, d3, d4].iter().all(|d| d.is_ascii_digit()) => Some(match letter {
            b'E' | b'F' => Level::Error,
            b'W' => Level::Warn,
            _ => Level::Info,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_words_near_the_start() {
        let cases: [(&[u8], Option<Level>); 6] = [
            (
                b"2024-06-01 12:00:00 ERROR payment failed",
                Some(Level::Error),
            ),
            (b"[WARN] retrying", Some(Level::Warn)),
            (b"E0601 12:00:00.000 1 main.go:1] boom", Some(Level::Error)),
            (b"just some words here", None),
            (b"an error in the message body", Some(Level::Error)),
            (b"", None),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line).level, want, "{}", String::from_utf8_lossy(line));
        }
    }
}
