//! Custom formats from the configuration: a regular expression with named groups.
//!
//! Recognised group names are `status`, `level`, `method`, `path`, `upstream` and `latency`;
//! others are allowed and ignored. This is the slow path (a regex per line) and is meant for
//! formats none of the built-in parsers reads.

use regex::bytes::Regex;

use super::{Level, Parsed, status_at};

/// A compiled custom format.
#[derive(Debug, Clone)]
pub struct CustomRegex {
    regex: Regex,
    status: Option<usize>,
    level: Option<usize>,
    method: Option<usize>,
    path: Option<usize>,
    upstream: Option<usize>,
    latency: Option<usize>,
}

/// A custom format that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RegexFormatError {
    #[error("the regex {pattern:?} does not compile: {source}")]
    Invalid {
        pattern: String,
        #[source]
        source: regex::Error,
    },
    #[error(
        "the regex {pattern:?} has neither a `status` nor a `level` named group, \
         so it would count nothing; name the group like (?P<status>\\d{{3}})"
    )]
    NothingToCount { pattern: String },
}

impl CustomRegex {
    pub fn new(pattern: &str) -> Result<CustomRegex, RegexFormatError> {
        let regex = Regex::new(pattern).map_err(|source| RegexFormatError::Invalid {
            pattern: pattern.to_owned(),
            source,
        })?;
        let group = |name: &str| {
            regex
                .capture_names()
                .position(|candidate| candidate == Some(name))
        };
        let custom = CustomRegex {
            status: group("status"),
            level: group("level"),
            method: group("method"),
            path: group("path"),
            upstream: group("upstream"),
            latency: group("latency"),
            regex: regex.clone(),
        };
        if custom.status.is_none() && custom.level.is_none() {
            return Err(RegexFormatError::NothingToCount {
                pattern: pattern.to_owned(),
            });
        }
        Ok(custom)
    }

    /// Parses a line; `None` when the regex does not match.
    #[must_use]
    pub fn parse<'a>(&self, line: &'a [u8]) -> Option<Parsed<'a>> {
        let captures = self.regex.captures(line)?;
        let group = |index: Option<usize>| {
            index
                .and_then(|i| captures.get(i))
                .map(|m| m.as_bytes())
                .filter(|bytes| !bytes.is_empty())
        };
        Some(Parsed {
            status: group(self.status)
                .filter(|s| s.len() == 3)
                .and_then(status_at),
            level: group(self.level).and_then(Level::from_word),
            method: group(self.method),
            path: group(self.path),
            upstream: group(self.upstream),
            latency: group(self.latency),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_groups_fill_the_fields() {
        let custom = CustomRegex::new(r"^(?P<method>\S+) (?P<path>\S+) -> (?P<status>\d+)$")
            .unwrap_or_else(|e| panic!("{e}"));
        let parsed = custom.parse(b"GET /pay -> 503").unwrap_or_default();
        assert_eq!(parsed.status, Some(503));
        assert_eq!(parsed.path, Some(&b"/pay"[..]));
        assert!(custom.parse(b"nothing").is_none());
    }

    #[test]
    fn a_regex_that_counts_nothing_is_refused() {
        assert!(matches!(
            CustomRegex::new(r"(?P<path>\S+)"),
            Err(RegexFormatError::NothingToCount { .. })
        ));
        assert!(matches!(
            CustomRegex::new(r"(unclosed"),
            Err(RegexFormatError::Invalid { .. })
        ));
    }
}
