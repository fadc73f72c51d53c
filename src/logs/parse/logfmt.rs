//! logfmt: `level=warn msg="upstream slow" status=502 path=/pay duration=1.2s`.
//!
//! A line is logfmt when it starts with `key=value` and holds at least two pairs. Quoted values
//! may contain spaces and `\"`; bare keys without a value are allowed, as Go's logfmt allows.

use memchr::{memchr, memchr2};

use super::{Level, Parsed, status_at};

pub(super) fn parse(line: &[u8]) -> Option<Parsed<'_>> {
    let mut parsed = Parsed::default();
    let mut pairs = 0usize;
    let mut rest = line.trim_ascii();
    let mut first = true;
    while !rest.is_empty() {
        let key_len = rest
            .iter()
            .position(|b| !is_key_byte(*b))
            .unwrap_or(rest.len());
        let key = &rest[..key_len];
        rest = &rest[key_len..];
        match rest.first() {
            Some(b'=') => {
                if key.is_empty() {
                    return None;
                }
                rest = &rest[1..];
                let (value, after, quoted) = value(rest)?;
                rest = after;
                pairs += 1;
                take(&mut parsed, key, value, quoted);
            }
            Some(b' ' | b'\t') | None if !first && !key.is_empty() => {}
            _ => return None,
        }
        first = false;
        rest = rest.trim_ascii_start();
    }
    (pairs >= 2).then_some(parsed)
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@' | b'/')
}

/// Splits a value off the front of `text`: (value, what follows, was quoted).
fn value(text: &[u8]) -> Option<(&[u8], &[u8], bool)> {
    if let Some(body) = text.strip_prefix(b"\"") {
        let mut at = 0;
        loop {
            at += memchr2(b'"', b'\\', &body[at..])?;
            if body[at] == b'"' {
                return Some((&body[..at], &body[at + 1..], true));
            }
            at += 2;
            if at > body.len() {
                return None;
            }
        }
    }
    let end = memchr(b' ', text).unwrap_or(text.len());
    Some((&text[..end], &text[end..], false))
}

fn take<'a>(parsed: &mut Parsed<'a>, key: &[u8], value: &'a [u8], quoted: bool) {
    match key {
        b"status" | b"status_code" | b"statusCode" | b"http_status" | b"http.status_code"
        | b"code"
            if value.len() == 3 =>
        {
            if let Some(status) = status_at(value) {
                parsed.status = Some(status);
            }
        }
        b"level" | b"lvl" | b"severity" | b"log.level" => {
            if let Some(level) = Level::from_word(value) {
                parsed.level = Some(level);
            }
        }
        b"path" | b"uri" | b"url" | b"request_uri" | b"http.path" if !value.is_empty() => {
            parsed.path = Some(value);
        }
        b"method" | b"http.method" if !quoted => parsed.method = Some(value),
        b"upstream" | b"upstream_addr" | b"backend" => parsed.upstream = Some(value),
        b"duration" | b"latency" | b"took" | b"elapsed" | b"request_time" | b"duration_ms" => {
            parsed.latency = Some(value);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Expected = Option<(Option<u16>, Option<Level>)>;

    #[test]
    fn logfmt_lines_table() {
        let cases: [(&[u8], Expected); 8] = [
            (
                b"level=warn msg=\"upstream slow\" status=502 path=/pay",
                Some((Some(502), Some(Level::Warn))),
            ),
            (b"ts=1 lvl=ERROR", Some((None, Some(Level::Error)))),
            (b"a=1 b=\"x \\\" y\" debug", Some((None, None))),
            (b"a=1", None),
            (b"hello world", None),
            (b"=1 b=2", None),
            (b"a=\"unterminated b=2", None),
            (b"status=5000 level=info", Some((None, Some(Level::Info)))),
        ];
        for (line, want) in cases {
            let got = parse(line).map(|p| (p.status, p.level));
            assert_eq!(got, want, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn path_and_upstream_are_borrowed() {
        let parsed =
            parse(b"status=200 path=\"/a b\" upstream=api:8080 duration=12ms").unwrap_or_default();
        assert_eq!(parsed.path, Some(&b"/a b"[..]));
        assert_eq!(parsed.upstream, Some(&b"api:8080"[..]));
        assert_eq!(parsed.latency, Some(&b"12ms"[..]));
    }
}
