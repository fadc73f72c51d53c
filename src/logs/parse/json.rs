//! JSON lines, read by a key scanner rather than a full JSON parse.
//!
//! The scanner walks the object once, skipping string bodies eight bytes at a time and arrays without
//! looking inside, and hands each scalar to [`Fields::take`] with its key and the key of the
//! object around it. That is enough for `status`, `http.status_code` (nested or dotted),
//! `http.response.status_code` (ECS), `response.status`, `level`, `log.level` and the like.
//! Nesting is tracked with a counter, never recursion, so a 10,000-deep line cannot overflow
//! the stack. Duplicate keys: the last one wins, as with `jq`.

use super::scan::quote_or_backslash;
use super::{Level, Parsed, status_at};

pub(super) fn parse(line: &[u8]) -> Option<Parsed<'_>> {
    let line = line.trim_ascii();
    if line.len() < 2 || line[0] != b'{' || line[line.len() - 1] != b'}' {
        return None;
    }
    let mut scanner = Scanner {
        bytes: line,
        at: 1,
        fields: Fields::default(),
    };
    scanner.object_body()?;
    Some(scanner.fields.parsed)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    fields: Fields<'a>,
}

/// Only the key of the enclosing object matters for matching nested names.
const NO_PARENT: &[u8] = b"";

impl<'a> Scanner<'a> {
    /// Scans the members of the top-level object, `at` being just after its `{`.
    fn object_body(&mut self) -> Option<()> {
        // Parent keys of the objects we are inside; deeper levels are only counted.
        let mut parents: [&'a [u8]; 4] = [NO_PARENT; 4];
        let mut depth = 1usize;
        self.skip_ws();
        if self.peek()? == b'}' {
            return (self.at + 1 == self.bytes.len()).then_some(());
        }
        loop {
            self.skip_ws();
            self.expect(b'"')?;
            let key = self.string_body()?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            match self.peek()? {
                b'{' => {
                    self.at += 1;
                    if depth < parents.len() {
                        parents[depth] = key;
                    }
                    depth += 1;
                    self.skip_ws();
                    if self.peek()? != b'}' {
                        continue;
                    }
                }
                b'[' => self.skip_array()?,
                b'"' => {
                    self.at += 1;
                    let value = self.string_body()?;
                    let parent = parents.get(depth - 1).copied().unwrap_or(NO_PARENT);
                    self.fields.take(parent, key, value, true);
                }
                _ => {
                    let value = self.bare_token()?;
                    let parent = parents.get(depth - 1).copied().unwrap_or(NO_PARENT);
                    self.fields.take(parent, key, value, false);
                }
            }
            // After a value: a comma continues this object; closing braces end objects.
            loop {
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        break;
                    }
                    b'}' => {
                        self.at += 1;
                        depth -= 1;
                        if depth == 0 {
                            return (self.at == self.bytes.len()).then_some(());
                        }
                    }
                    _ => return None,
                }
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Returns the raw body of a string whose opening quote was consumed.
    fn string_body(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        loop {
            self.at = quote_or_backslash(self.bytes, self.at)?;
            if self.bytes[self.at] == b'"' {
                self.at += 1;
                return Some(&self.bytes[start..self.at - 1]);
            }
            self.at += 2;
            if self.at > self.bytes.len() {
                return None;
            }
        }
    }

    /// A number, `true`, `false` or `null`, up to the next delimiter.
    fn bare_token(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        while let Some(b) = self.bytes.get(self.at) {
            if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.at += 1;
        }
        (self.at > start).then(|| &self.bytes[start..self.at])
    }

    /// Skips a whole array (and anything nested in it) without recursion.
    fn skip_array(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                }
                b'"' => {
                    self.at += 1;
                    self.string_body()?;
                    continue;
                }
                _ => {}
            }
            self.at += 1;
        }
    }
}

#[derive(Default)]
struct Fields<'a> {
    parsed: Parsed<'a>,
}

impl<'a> Fields<'a> {
    /// Keeps a scalar if its key (and the key of the object holding it) names a field we want.
    fn take(&mut self, parent: &[u8], key: &[u8], value: &'a [u8], quoted: bool) {
        let nested_http = matches!(
            parent,
            b"http" | b"response" | b"res" | b"resp" | b"request" | b"req"
        );
        let top = parent.is_empty();
        match key {
            b"status"
            | b"status_code"
            | b"statusCode"
            | b"http_status"
            | b"sc_status"
            | b"response_status"
            | b"response_code"
            | b"responseStatus"
            | b"http_status_code"
            | b"http.status_code"
            | b"http.response.status_code"
            | b"response.status"
                if top || nested_http =>
            {
                if let Some(status) = status_at(value).filter(|_| value.len() == 3) {
                    self.parsed.status = Some(status);
                }
            }
            b"level" | b"lvl" | b"severity" | b"loglevel" | b"log_level" | b"levelname"
            | b"log.level" | b"@l"
                if top || parent == b"log" =>
            {
                if let Some(level) = Level::from_word(value) {
                    self.parsed.level = Some(level);
                }
            }
            b"path" | b"uri" | b"url" | b"request_uri" | b"request_path" | b"target"
            | b"url.path" | b"http.target" | b"http.path"
                if quoted && (top || nested_http || parent == b"url") =>
            {
                self.parsed.path = Some(value);
            }
            b"request" if quoted && top && self.parsed.path.is_none() => {
                take_request_line(value, &mut self.parsed);
            }
            b"method" | b"request_method" | b"http.method" | b"http.request.method"
                if quoted && (top || nested_http) =>
            {
                self.parsed.method = Some(value);
            }
            b"upstream" | b"upstream_addr" | b"upstream_name" | b"upstream_host" | b"backend"
            | b"upstream_cluster" | b"upstream.address"
                if top || parent == b"upstream" =>
            {
                self.parsed.upstream = Some(value);
            }
            b"request_time"
            | b"upstream_response_time"
            | b"response_time"
            | b"duration"
            | b"duration_ms"
            | b"latency"
            | b"latency_ms"
            | b"elapsed"
            | b"elapsed_ms"
            | b"took"
            | b"time_taken"
            | b"responseTime"
                if top || nested_http =>
            {
                self.parsed.latency = Some(value);
            }
            _ => {}
        }
    }
}

/// Reads method and path from a request line stored as one string (`"GET /x HTTP/1.1"`).
fn take_request_line<'a>(value: &'a [u8], parsed: &mut Parsed<'a>) {
    let mut parts = value.splitn(3, |b| *b == b' ');
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return;
    };
    if !method.is_empty() && !path.is_empty() {
        parsed.method = Some(method);
        parsed.path = Some(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_under_the_names_people_use() {
        let cases: [(&[u8], Option<u16>); 12] = [
            (br#"{"status":200}"#, Some(200)),
            (br#"{"status_code":"503"}"#, Some(503)),
            (br#"{"http":{"status_code":404}}"#, Some(404)),
            (br#"{"http.status_code":502}"#, Some(502)),
            (br#"{"http":{"response":{"status_code":504}}}"#, Some(504)),
            (br#"{"response":{"status":301}}"#, Some(301)),
            (
                br#"{ "status" : 201 , "x" : [1,{"status":500}] }"#,
                Some(201),
            ),
            (br#"{"status":"ok"}"#, None),
            (br#"{"status":2000}"#, None),
            (br#"{"status":200,"status":500}"#, Some(500)),
            (br#"{"user":{"status":500}}"#, None),
            (br#"{"msg":"\"status\":500","status":204}"#, Some(204)),
        ];
        for (line, want) in cases {
            let parsed = parse(line).unwrap_or_else(|| panic!("{line:?} did not parse"));
            assert_eq!(parsed.status, want, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn level_path_upstream_and_latency() {
        let line = br#"{"time":"t","log":{"level":"WARN"},"request":"GET /pay?x=1 HTTP/1.1","upstream_addr":"10.0.0.2:80","request_time":0.125}"#;
        let parsed = parse(line).unwrap_or_else(|| panic!("did not parse"));
        assert_eq!(parsed.level, Some(Level::Warn));
        assert_eq!(parsed.path, Some(&b"/pay?x=1"[..]));
        assert_eq!(parsed.method, Some(&b"GET"[..]));
        assert_eq!(parsed.upstream, Some(&b"10.0.0.2:80"[..]));
        assert_eq!(parsed.latency, Some(&b"0.125"[..]));
    }

    #[test]
    fn malformed_lines_are_not_json() {
        let cases: [&[u8]; 7] = [
            b"",
            b"{",
            br#"{"a":1"#,
            br#"{"a" 1}"#,
            br#"{"a":"unterminated}"#,
            br#"{"a":1}}"#,
            b"[1,2]",
        ];
        for line in cases {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 10_000;
        let mut line = Vec::new();
        for _ in 0..depth {
            line.extend_from_slice(br#"{"a":"#);
        }
        line.extend_from_slice(b"1");
        line.extend(std::iter::repeat_n(b'}', depth));
        assert!(parse(&line).is_some());
        line.pop();
        assert!(parse(&line).is_none());
    }
}
