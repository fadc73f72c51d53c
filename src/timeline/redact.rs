//! Secrets never reach the journal: credentials in URLs, secret-looking query parameters and
//! header values, and every value the configuration marks as secret (`env:` references) are
//! replaced by `[redacted]` in an entry's text, references, evidence and unknown fields before
//! it is written.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

use super::entry::Entry;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Secret values shorter than this are not redacted by value: replacing every `1` or `ab` in a
/// journal would destroy it while protecting nothing worth protecting.
const MIN_SECRET_LEN: usize = 4;

// The patterns are constants checked by the tests below, so building them cannot fail.
static URL_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s@?#]+@").expect("valid pattern")
});

static SECRET_QUERY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([?&](?:access_token|api_key|apikey|auth|key|password|passwd|secret|sig|signature|token)=)[^&\s#]+",
    )
    .expect("valid pattern")
});

static SECRET_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b((?:proxy-)?authorization|x-api-key|api-key|cookie|set-cookie|x-auth-token)(\s*[:=]\s*)[^\r\n"]+"#,
    )
    .expect("valid pattern")
});

/// Redacts known secret values and secret-shaped text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor that also hides each of `secrets` wherever it appears.
    #[must_use]
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut redactor = Redactor::default();
        for secret in secrets {
            redactor.add_secret(secret);
        }
        redactor
    }

    pub fn add_secret(&mut self, secret: String) {
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with secrets replaced.
    #[must_use]
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = strip_url_credentials(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        out
    }

    /// The entry with every string in it redacted.
    #[must_use]
    pub fn entry(&self, mut entry: Entry) -> Entry {
        entry.text = self.text(&entry.text).into_owned();
        for value in [&mut entry.refs.target, &mut entry.refs.hop]
            .into_iter()
            .flatten()
        {
            *value = self.text(value).into_owned();
        }
        if let Some(evidence) = entry.evidence.as_mut() {
            self.value(evidence);
        }
        for value in entry.extra.values_mut() {
            self.value(value);
        }
        entry
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(redacted) = self.text(s) {
                    *s = redacted;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.value(v)),
            _ => {}
        }
    }
}

/// Removes user and password from URLs, secret query parameters and credential headers.
#[must_use]
pub fn strip_url_credentials(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (pattern, replace) in [
        (&*URL_USERINFO, "${1}[redacted]@"),
        (&*SECRET_QUERY, "${1}[redacted]"),
    ] {
        if let Cow::Owned(s) = pattern.replace_all(&out, replace) {
            out = Cow::Owned(s);
        }
    }
    let headers = SECRET_HEADER.replace_all(&out, |c: &Captures<'_>| {
        format!("{}{}{REDACTED}", &c[1], &c[2])
    });
    if let Cow::Owned(s) = headers {
        out = Cow::Owned(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_queries_and_headers_are_removed() {
        let cases = [
            (
                "https://user:pw@hooks.example.com/x",
                "https://[redacted]@hooks.example.com/x",
            ),
            (
                "see https://tok@h.example/ now",
                "see https://[redacted]@h.example/ now",
            ),
            (
                "https://h.example/cb?token=abc&x=1",
                "https://h.example/cb?token=[redacted]&x=1",
            ),
            (
                "GET /hook?a=1&Signature=zz9",
                "GET /hook?a=1&Signature=[redacted]",
            ),
            ("Authorization: Bearer abc.def", "Authorization: [redacted]"),
            ("sent x-api-key=k123", "sent x-api-key=[redacted]"),
            (
                "plain https://hooks.example.com/webhooks",
                "plain https://hooks.example.com/webhooks",
            ),
            ("mail ops@example.com", "mail ops@example.com"),
        ];
        for (input, want) in cases {
            assert_eq!(strip_url_credentials(input), want, "input {input:?}");
        }
    }

    #[test]
    fn configured_secrets_are_removed_everywhere_in_an_entry() {
        use crate::timeline::entry::{Actor, EntryKind};
        let redactor = Redactor::new(["s3cr3t-value".to_owned(), "ab".to_owned()]);
        let entry = Entry::new(
            chrono::Utc::now(),
            Actor::new("a", "h"),
            EntryKind::Note,
            "tok s3cr3t-value ab",
        )
        .with_target("https://u:p@x.example/?key=s3cr3t-value")
        .with_evidence(serde_json::json!({"headers": [["x", "s3cr3t-value"]]}));
        let entry = redactor.entry(entry);
        assert_eq!(entry.text, "tok [redacted] ab");
        assert_eq!(
            entry.refs.target.as_deref(),
            Some("https://[redacted]@x.example/?key=[redacted]")
        );
        assert_eq!(
            entry.evidence,
            Some(serde_json::json!({"headers": [["x", "[redacted]"]]}))
        );
    }
}
