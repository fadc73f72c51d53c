//! nginx/Apache common and combined access logs, with any extra fields appended.
//!
//! `host ident user [time] "request" status size` is common; a quoted referer and user agent
//! after it make it combined. Fields appended by custom `log_format`s (request time, upstream
//! address) are recognised by their shape: the first decimal number is the latency and the first
//! `host:port` token is the upstream. The scan uses memchr and never allocates.

use memchr::{memchr, memchr2};

use super::{Parsed, status_at};

/// Parses one access-log line; the flag says whether the combined fields were present.
pub(super) fn parse(line: &[u8]) -> Option<(Parsed<'_>, bool)> {
    let open = time_open(line)?;
    let close = open + memchr(b']', &line[open..])?;
    let rest = line.get(close + 1..)?;
    let rest = rest.strip_prefix(b" \"")?;
    let request_len = quoted_len(rest)?;
    let request = &rest[..request_len];
    let rest = rest[request_len + 1..].strip_prefix(b" ")?;

    let status = status_at(rest)?;
    let rest = rest[3..].strip_prefix(b" ")?;
    let size_len = rest.iter().position(|b| *b == b' ').unwrap_or(rest.len());
    let size = &rest[..size_len];
    if size.is_empty() || !(size == b"-" || size.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    let rest = &rest[size_len..];

    let mut parsed = Parsed {
        status: Some(status),
        ..Parsed::default()
    };
    split_request(request, &mut parsed);

    let Some(after_referer) = rest.strip_prefix(b" \"").and_then(skip_quoted) else {
        return Some((parsed, false));
    };
    let Some(extras) = after_referer.strip_prefix(b" \"").and_then(skip_quoted) else {
        return Some((parsed, false));
    };
    if !extras.is_empty() {
        read_extras(extras, &mut parsed);
    }
    Some((parsed, true))
}

/// Finds the `[` that opens the time field: the first one preceded by a space.
fn time_open(line: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + memchr(b'[', &line[from..])?;
        if at > 0 && line[at - 1] == b' ' {
            return Some(at);
        }
        from = at + 1;
    }
}

/// Length of a quoted string's body, `text` starting just after the opening quote; `\"` and
/// `\\` inside are skipped.
fn quoted_len(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        at += memchr2(b'"', b'\\', &text[at..])?;
        if text[at] == b'"' {
            return Some(at);
        }
        at += 2;
        if at > text.len() {
            return None;
        }
    }
}

/// Skips a quoted string whose opening quote was consumed, returning what follows it.
fn skip_quoted(text: &[u8]) -> Option<&[u8]> {
    let len = quoted_len(text)?;
    Some(&text[len + 1..])
}

fn split_request<'a>(request: &'a [u8], parsed: &mut Parsed<'a>) {
    let Some(space) = memchr(b' ', request) else {
        return;
    };
    parsed.method = Some(&request[..space]);
    let target = &request[space + 1..];
    let end = memchr(b' ', target).unwrap_or(target.len());
    if end > 0 {
        parsed.path = Some(&target[..end]);
    }
}

fn read_extras<'a>(extras: &'a [u8], parsed: &mut Parsed<'a>) {
    let mut rest = extras;
    while !rest.is_empty() {
        rest = rest.trim_ascii_start();
        if let Some(quoted) = rest.strip_prefix(b"\"") {
            rest = skip_quoted(quoted).unwrap_or_default();
            continue;
        }
        let end = memchr(b' ', rest).unwrap_or(rest.len());
        let token = &rest[..end];
        rest = &rest[end..];
        if parsed.latency.is_none() && is_decimal(token) {
            parsed.latency = Some(token);
        } else if parsed.upstream.is_none() && is_host_port(token) {
            parsed.upstream = Some(token);
        }
    }
}

fn is_decimal(token: &[u8]) -> bool {
    let mut dots = 0;
    for b in token {
        match b {
            b'.' => dots += 1,
            b'0'..=b'9' => {}
            _ => return false,
        }
    }
    dots == 1 && token.len() > 1
}

fn is_host_port(token: &[u8]) -> bool {
    if token.starts_with(b"unix:") {
        return true;
    }
    let Some(colon) = token.iter().rposition(|b| *b == b':') else {
        return false;
    };
    let port = &token[colon + 1..];
    colon > 0 && !port.is_empty() && port.len() <= 5 && port.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        line: &'static [u8],
        status: Option<u16>,
        combined: bool,
        path: Option<&'static [u8]>,
        upstream: Option<&'static [u8]>,
        latency: Option<&'static [u8]>,
    }

    const CASES: &[Case] = &[
        Case {
            line: br#"10.0.0.1 - - [01/Jun/2024:00:00:00 +0000] "GET /api/v1/users?id=3 HTTP/1.1" 200 512 "-" "curl/8.5.0""#,
            status: Some(200),
            combined: true,
            path: Some(b"/api/v1/users?id=3"),
            upstream: None,
            latency: None,
        },
        Case {
            line: br#"2001:db8::1 - bob [01/Jun/2024:00:00:00 +0000] "POST /checkout HTTP/2.0" 502 0"#,
            status: Some(502),
            combined: false,
            path: Some(b"/checkout"),
            upstream: None,
            latency: None,
        },
        Case {
            line: br#"1.2.3.4 - - [01/Jun/2024:00:00:01 +0000] "-" 400 0 "-" "-""#,
            status: Some(400),
            combined: true,
            path: None,
            upstream: None,
            latency: None,
        },
        Case {
            line: br#"1.2.3.4 - - [01/Jun/2024:00:00:01 +0000] "" 408 - "-" "-""#,
            status: Some(408),
            combined: true,
            path: None,
            upstream: None,
            latency: None,
        },
        Case {
            line: br#"1.2.3.4 - - [01/Jun/2024:00:00:01 +0000] "GET /a\"b HTTP/1.1" 404 9 "-" "x\"y""#,
            status: Some(404),
            combined: true,
            path: Some(br#"/a\"b"#),
            upstream: None,
            latency: None,
        },
        Case {
            line: br#"1.2.3.4 - - [01/Jun/2024:00:00:01 +0000] "GET /pay HTTP/1.1" 503 9 "-" "ua" 0.250 10.1.2.3:8080 "x""#,
            status: Some(503),
            combined: true,
            path: Some(b"/pay"),
            upstream: Some(b"10.1.2.3:8080"),
            latency: Some(b"0.250"),
        },
        Case {
            line: b"1.2.3.4 - - [01/Jun/2024:00:00:01 +0000] \"GET / HTTP/1.1\" 20 9",
            status: None,
            combined: false,
            path: None,
            upstream: None,
            latency: None,
        },
        Case {
            line: b"level=info msg=\"[x] started\"",
            status: None,
            combined: false,
            path: None,
            upstream: None,
            latency: None,
        },
        Case {
            line: b"1.2.3.4 - - [01/Jun/2024:00:00:01 +0000] \"GET / HTTP/1.1",
            status: None,
            combined: false,
            path: None,
            upstream: None,
            latency: None,
        },
    ];

    #[test]
    fn access_log_lines_table() {
        for case in CASES {
            let got = parse(case.line);
            let shown = String::from_utf8_lossy(case.line);
            match case.status {
                None => assert!(got.is_none(), "{shown} should not parse: {got:?}"),
                Some(status) => {
                    let (parsed, combined) = got.unwrap_or_else(|| panic!("{shown} did not parse"));
                    assert_eq!(parsed.status, Some(status), "{shown}");
                    assert_eq!(combined, case.combined, "{shown}");
                    assert_eq!(parsed.path, case.path, "{shown}");
                    assert_eq!(parsed.upstream, case.upstream, "{shown}");
                    assert_eq!(parsed.latency, case.latency, "{shown}");
                }
            }
        }
    }
}
