//! Parsers: one line of bytes in, the few fields the histogram and the log pane need out.
//!
//! Every parser works on the raw bytes of a line and returns borrowed slices into it, so the hot
//! path (frame, parse, count) allocates nothing per line. Only the fields warroom aggregates are
//! extracted: the HTTP status, a log level, the request path, the upstream and the latency. The
//! latency is kept as its raw text and read only when a line is shown.
//!
//! Formats are detected per source from its first lines by [`Detector`], and can be forced.

mod combined;
mod json;
mod logfmt;
mod plain;
mod regex;
mod scan;

pub use self::regex::{CustomRegex, RegexFormatError};

use serde::{Deserialize, Serialize};

/// A log format warroom understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// nginx/Apache combined: common plus quoted referer and user agent, extra fields allowed.
    Combined,
    /// nginx/Apache common log format.
    Common,
    /// One JSON object per line.
    Json,
    /// `key=value` pairs.
    Logfmt,
    /// A custom regular expression with named groups, from the configuration.
    Regex,
    /// Free text: only a level keyword near the start is recognised.
    Plain,
}

impl Format {
    /// The name used on the command line and in JSON output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Combined => "combined",
            Format::Common => "common",
            Format::Json => "json",
            Format::Logfmt => "logfmt",
            Format::Regex => "regex",
            Format::Plain => "plain",
        }
    }
}

/// Severity of an application log line, the histogram's second dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Error, Level::Warn, Level::Info, Level::Debug];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Reads a level word in any case (`ERROR`, `warning`, `crit`, `E`), or a pino/bunyan number.
    #[must_use]
    pub fn from_word(word: &[u8]) -> Option<Level> {
        let mut lower = [0u8; 9];
        if word.is_empty() || word.len() > lower.len() {
            return None;
        }
        for (dst, src) in lower.iter_mut().zip(word) {
            *dst = src.to_ascii_lowercase();
        }
        match &lower[..word.len()] {
            b"error" | b"err" | b"fatal" | b"critical" | b"crit" | b"panic" | b"alert"
            | b"emerg" | b"emergency" | b"e" | b"50" | b"60" => Some(Level::Error),
            b"warn" | b"warning" | b"w" | b"40" => Some(Level::Warn),
            b"info" | b"notice" | b"i" | b"30" => Some(Level::Info),
            b"debug" | b"trace" | b"d" | b"10" | b"20" => Some(Level::Debug),
            _ => None,
        }
    }
}

/// Status classes, 1xx to 5xx, indexable as `status / 100 - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StatusClass {
    #[serde(rename = "1xx")]
    Informational,
    #[serde(rename = "2xx")]
    Success,
    #[serde(rename = "3xx")]
    Redirect,
    #[serde(rename = "4xx")]
    ClientError,
    #[serde(rename = "5xx")]
    ServerError,
}

impl StatusClass {
    pub const ALL: [StatusClass; 5] = [
        StatusClass::Informational,
        StatusClass::Success,
        StatusClass::Redirect,
        StatusClass::ClientError,
        StatusClass::ServerError,
    ];

    /// The class of a status in 100..=599, `None` for anything else.
    #[must_use]
    pub fn of(status: u16) -> Option<StatusClass> {
        match status {
            100..=199 => Some(StatusClass::Informational),
            200..=299 => Some(StatusClass::Success),
            300..=399 => Some(StatusClass::Redirect),
            400..=499 => Some(StatusClass::ClientError),
            500..=599 => Some(StatusClass::ServerError),
            _ => None,
        }
    }

    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        ["1xx", "2xx", "3xx", "4xx", "5xx"][self.index()]
    }
}

/// What a parser found in one line; slices borrow from the line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// HTTP status, only when it is in 100..=599.
    pub status: Option<u16>,
    pub level: Option<Level>,
    pub method: Option<&'a [u8]>,
    /// Request path as written in the line (JSON escapes are not decoded).
    pub path: Option<&'a [u8]>,
    pub upstream: Option<&'a [u8]>,
    /// Latency text as written, for display only.
    pub latency: Option<&'a [u8]>,
}

/// Reads a three-digit HTTP status from the start of `bytes`, requiring that no digit follows.
#[inline]
pub(crate) fn status_at(bytes: &[u8]) -> Option<u16> {
    match bytes {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9', rest @ ..]
            if !rest.first().is_some_and(u8::is_ascii_digit) =>
        {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

/// Drops a query string, so that `/search?q=a` and `/search?q=b` count as one path.
#[must_use]
pub fn path_without_query(path: &[u8]) -> &[u8] {
    match memchr::memchr(b'?', path) {
        Some(at) => &path[..at],
        None => path,
    }
}

/// Parses one line in a known format. `None` means the line is not in that format.
#[must_use]
pub fn parse_line<'a>(
    format: Format,
    line: &'a [u8],
    custom: Option<&CustomRegex>,
) -> Option<Parsed<'a>> {
    match format {
        Format::Combined | Format::Common => combined::parse(line).map(|(parsed, _)| parsed),
        Format::Json => json::parse(line),
        Format::Logfmt => logfmt::parse(line),
        Format::Regex => custom.and_then(|re| re.parse(line)),
        Format::Plain => Some(plain::parse(line)),
    }
}

/// Tries the built-in structured formats in turn (JSON, access log, logfmt).
#[must_use]
pub fn parse_any(line: &[u8]) -> Option<Parsed<'_>> {
    json::parse(line)
        .or_else(|| combined::parse(line).map(|(parsed, _)| parsed))
        .or_else(|| logfmt::parse(line))
}

/// Parses a line that matched no format, looking only for a level word, so that unparsed app
/// logs are still counted by level.
#[must_use]
pub fn level_of_unparsed(line: &[u8]) -> Option<Level> {
    plain::parse(line).level
}

/// How many non-empty lines [`Detector`] looks at before it settles on a format.
pub const DETECTION_LINES: usize = 16;

/// Chooses a source's format from its first lines.
///
/// Until it settles, each line is tried against every format and parsed with the best match, so
/// no early line is held back or parsed twice. It settles after [`DETECTION_LINES`] non-empty
/// lines on the format that parsed most of them, or on plain text when none did.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    seen: usize,
    hits: [usize; 4],
    settled: Option<Format>,
}

const CANDIDATES: [Format; 4] = [
    Format::Json,
    Format::Combined,
    Format::Common,
    Format::Logfmt,
];

impl Detector {
    #[must_use]
    pub fn settled(&self) -> Option<Format> {
        self.settled
    }

    /// The format to report while undecided: the leader so far.
    #[must_use]
    pub fn best_guess(&self) -> Option<Format> {
        self.settled.or_else(|| self.leader())
    }

    fn leader(&self) -> Option<Format> {
        let (at, hits) = self
            .hits
            .iter()
            .enumerate()
            .max_by_key(|(i, hits)| (**hits, usize::MAX - i))?;
        (*hits > 0).then(|| CANDIDATES[at])
    }

    /// Tries every candidate on `line`, records which matched, and returns the best parse.
    pub fn observe<'a>(&mut self, line: &'a [u8]) -> (Option<Format>, Option<Parsed<'a>>) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return (None, None);
        }
        let mut found = None;
        if let Some(parsed) = json::parse(line) {
            self.hits[0] += 1;
            found = Some((Format::Json, parsed));
        } else if let Some((parsed, combined)) = combined::parse(line) {
            let slot = if combined { 1 } else { 2 };
            self.hits[slot] += 1;
            found = Some((CANDIDATES[slot], parsed));
        } else if let Some(parsed) = logfmt::parse(line) {
            self.hits[3] += 1;
            found = Some((Format::Logfmt, parsed));
        }
        self.seen += 1;
        if self.seen >= DETECTION_LINES {
            self.settled = Some(self.leader().unwrap_or(Format::Plain));
        }
        match found {
            Some((format, parsed)) => (Some(format), Some(parsed)),
            None => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_needs_exactly_three_digits_in_range() {
        let cases: [(&[u8], Option<u16>); 7] = [
            (b"200 ", Some(200)),
            (b"599", Some(599)),
            (b"600", None),
            (b"099", None),
            (b"2000", None),
            (b"20", None),
            (b"50x", None),
        ];
        for (input, want) in cases {
            assert_eq!(status_at(input), want, "{input:?}");
        }
    }

    #[test]
    fn level_words_in_any_case() {
        assert_eq!(Level::from_word(b"ERROR"), Some(Level::Error));
        assert_eq!(Level::from_word(b"Warning"), Some(Level::Warn));
        assert_eq!(Level::from_word(b"50"), Some(Level::Error));
        assert_eq!(Level::from_word(b"verbose"), None);
        assert_eq!(Level::from_word(b"much-too-long-word"), None);
    }

    #[test]
    fn detector_settles_on_the_majority_format() {
        let mut detector = Detector::default();
        for _ in 0..DETECTION_LINES {
            detector.observe(br#"{"status":200,"path":"/"}"#);
        }
        assert_eq!(detector.settled(), Some(Format::Json));

        let mut detector = Detector::default();
        for _ in 0..DETECTION_LINES {
            detector.observe(b"starting worker pool");
        }
        assert_eq!(detector.settled(), Some(Format::Plain));
    }

    #[test]
    fn detector_tells_combined_from_common() {
        let mut detector = Detector::default();
        let line = br#"1.2.3.4 - - [01/Jun/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5"#;
        for _ in 0..DETECTION_LINES {
            detector.observe(line);
        }
        assert_eq!(detector.settled(), Some(Format::Common));
    }
}
