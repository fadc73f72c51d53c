//! The app hop: one HTTP/1.1 request over the stream the earlier hops already opened and timed.
//!
//! No pool and no redirects: the request goes over this address's own connection (plain TCP or
//! the TLS stream), so the timings belong to this address, and a redirect is reported with its
//! `Location` for the operator to judge. Everything the server sends is bounded: the response
//! head by hyper's buffer limit, the body by [`BODY_LIMIT_BYTES`], and the whole exchange by the
//! hop's timeout, so a server that stalls, trickles or never stops costs at most that.

use std::error::Error as _;
use std::io;
use std::ops::RangeInclusive;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{self, HeaderName};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::attribution::attribute;
use super::first_byte::FirstByteClock;
use super::model::{Finding, FindingCode, HopDetail, HopReport, HopStatus, HttpDetail, Origin};
use super::spec::{HeaderValue, TargetSpec};
use super::tls;
use crate::text::{inert, inert_bytes};

/// The most body read from a response; the rest is never fetched.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// The most of the body kept in the report for people to read.
pub const BODY_PREVIEW_BYTES: usize = 2 * 1024;
/// The largest response head accepted (status line and headers).
const HEAD_LIMIT_BYTES: usize = 64 * 1024;
/// At most this many response headers are kept in the report.
const HEADERS_KEPT: usize = 64;

/// The app hop, and a TLS finding when the failure really belongs to the ingress (an alert that
/// arrives on the first read after the handshake).
pub(crate) struct HttpOutcome {
    pub hop: HopReport,
    pub tls_finding: Option<Finding>,
}

/// Sends the target's request over `stream` and judges the response.
///
/// Known gap: only HTTP/1.1 is spoken, which is why the TLS hop offers only `http/1.1` in ALPN;
/// a server that insists on h2 fails at the ingress with an ALPN alert.
pub(crate) async fn exchange<S>(stream: S, spec: &TargetSpec) -> HttpOutcome
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = Instant::now();
    let deadline = started + spec.timeout;
    let mut detail = HttpDetail {
        method: spec.method.clone(),
        ..HttpDetail::default()
    };
    let elapsed_ms = || started.elapsed().as_secs_f64() * 1000.0;

    let (stream, first_byte) = FirstByteClock::new(stream);
    let ttfb_ms = || {
        first_byte
            .get()
            .map(|at| at.duration_since(started).as_secs_f64() * 1000.0)
    };
    let handshake = hyper::client::conn::http1::Builder::new()
        .max_buf_size(HEAD_LIMIT_BYTES)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(stream));
    let (mut sender, connection) = match tokio::time::timeout_at(deadline, handshake).await {
        Ok(Ok(parts)) => parts,
        Ok(Err(err)) => return broken(elapsed_ms(), &err, detail),
        Err(_) => return timed_out(elapsed_ms(), spec.timeout, detail),
    };
    let driver = AbortOnDrop(tokio::spawn(connection));

    let response = tokio::time::timeout_at(deadline, sender.send_request(request(spec))).await;
    detail.ttfb_ms = ttfb_ms();
    let response = match response {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => return broken(elapsed_ms(), &err, detail),
        Err(_) => return timed_out(elapsed_ms(), spec.timeout, detail),
    };
    // The head is complete, so a byte has arrived; the fallback only guards the invariant.
    let ttfb_ms = ttfb_ms().unwrap_or_else(elapsed_ms);
    detail.ttfb_ms = Some(ttfb_ms);
    record_head(&mut detail, &response);

    let (body, body_end) = read_body(response.into_body(), deadline).await;
    drop(driver);
    detail.body_bytes = body.len();
    detail.body_preview = inert_bytes(&body[..body.len().min(BODY_PREVIEW_BYTES)]);

    let status = detail.status.unwrap_or_default();
    let mut verdict = judge_status(status, &spec.expect_status, &detail.headers, &body);
    detail.origin = verdict.origin;
    if let Some(budget) = spec.latency_budget
        && ttfb_ms > budget.as_secs_f64() * 1000.0
    {
        verdict.add(Finding::new(
            FindingCode::HttpSlow,
            format!(
                "the response took {ttfb_ms:.0} ms, over the budget of {} ms",
                budget.as_millis()
            ),
        ));
    }
    if let Some(finding) = body_finding(body_end, status, ttfb_ms, body.len(), spec.timeout) {
        verdict.add(finding);
    }

    HttpOutcome {
        hop: HopReport {
            status: verdict.status,
            ms: Some(elapsed_ms()),
            findings: verdict.findings,
            detail: HopDetail::Http(detail),
        },
        tls_finding: None,
    }
}

/// Copies status and headers (made inert) into the hop's detail.
fn record_head<B>(detail: &mut HttpDetail, response: &hyper::Response<B>) {
    detail.status = Some(response.status().as_u16());
    detail.headers = response
        .headers()
        .iter()
        .take(HEADERS_KEPT)
        .map(|(name, value)| (name.as_str().to_owned(), inert_bytes(value.as_bytes())))
        .collect();
    let header_text = |name: HeaderName| {
        response
            .headers()
            .get(name)
            .map(|value| inert_bytes(value.as_bytes()))
    };
    detail.server = header_text(header::SERVER);
    detail.via = header_text(header::VIA);
    detail.location = header_text(header::LOCATION);
}

/// A body that did not arrive in full within the timeout, or broke off, is a finding; a body cut
/// at [`BODY_LIMIT_BYTES`] by the probe itself is not.
fn body_finding(
    end: BodyEnd,
    status: u16,
    ttfb_ms: f64,
    body_bytes: usize,
    timeout: Duration,
) -> Option<Finding> {
    match end {
        BodyEnd::Complete | BodyEnd::LimitReached => None,
        BodyEnd::TimedOut => Some(Finding::new(
            FindingCode::HttpTimeout,
            format!(
                "status {status} came after {ttfb_ms:.0} ms but the body was still arriving \
                 after {} ms",
                timeout.as_millis()
            ),
        )),
        BodyEnd::Broken(reason) => Some(Finding::new(
            FindingCode::HttpReset,
            format!("the connection broke after {body_bytes} bytes of the body: {reason}"),
        )),
    }
}

fn request(spec: &TargetSpec) -> Request<Empty<Bytes>> {
    let mut request = Request::new(Empty::new());
    *request.method_mut() = Method::from_bytes(spec.method.as_bytes()).unwrap_or(Method::GET);
    let target = match spec.url.query() {
        Some(query) => format!("{}?{query}", spec.url.path()),
        None => spec.url.path().to_owned(),
    };
    *request.uri_mut() = target
        .parse::<Uri>()
        .unwrap_or_else(|_| Uri::from_static("/"));

    let host = spec.url.host_str().unwrap_or_default();
    let host = match spec.url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let headers = request.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&host) {
        headers.insert(header::HOST, value);
    }
    headers.insert(
        header::USER_AGENT,
        header::HeaderValue::from_static("warroom-probe"),
    );
    headers.insert(header::ACCEPT, header::HeaderValue::from_static("*/*"));
    headers.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    // Known gap: a configured header with an invalid name or value is left out silently here;
    // the config loader is where it gets rejected with the file and line.
    for (name, value) in &spec.headers {
        let (Ok(name), Ok(mut wire)) = (
            HeaderName::from_bytes(name.as_bytes()),
            header::HeaderValue::from_str(value.expose()),
        ) else {
            continue;
        };
        wire.set_sensitive(matches!(value, HeaderValue::Secret(_)));
        headers.insert(name, wire);
    }
    request
}

enum BodyEnd {
    Complete,
    LimitReached,
    TimedOut,
    Broken(String),
}

async fn read_body(mut body: hyper::body::Incoming, deadline: Instant) -> (Vec<u8>, BodyEnd) {
    let mut kept: Vec<u8> = Vec::new();
    loop {
        if kept.len() >= BODY_LIMIT_BYTES {
            return (kept, BodyEnd::LimitReached);
        }
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return (kept, BodyEnd::TimedOut),
            Ok(None) => return (kept, BodyEnd::Complete),
            Ok(Some(Err(err))) => return (kept, BodyEnd::Broken(describe(&err))),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            let room = BODY_LIMIT_BYTES - kept.len();
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
}

/// A hop status with its findings, built up as checks add to it.
pub(crate) struct StatusVerdict {
    pub status: HopStatus,
    pub findings: Vec<Finding>,
    pub origin: Option<Origin>,
}

impl StatusVerdict {
    fn add(&mut self, finding: Finding) {
        self.status = self.status.max(finding.code.severity());
        self.findings.push(finding);
    }
}

/// Judges a status against the expected ones. Expected statuses pass whatever they are; a 5xx
/// fails with the origin told from headers and body; a 4xx only warns (the path works, the
/// request is refused); any other unexpected status (a redirect where none was expected) fails.
pub(crate) fn judge_status(
    status: u16,
    expected: &[RangeInclusive<u16>],
    headers: &[(String, String)],
    body: &[u8],
) -> StatusVerdict {
    let attribution = (500..=599)
        .contains(&status)
        .then(|| attribute(status, headers, body));
    let origin = attribution.as_ref().map(|a| a.origin);
    let is_expected = if expected.is_empty() {
        (200..=399).contains(&status)
    } else {
        expected.iter().any(|range| range.contains(&status))
    };
    let mut verdict = StatusVerdict {
        status: HopStatus::Ok,
        findings: Vec::new(),
        origin,
    };
    if is_expected {
        return verdict;
    }

    let (status_now, finding) = match attribution {
        Some(attribution) if attribution.origin == Origin::Proxy => (
            HopStatus::Fail,
            Finding::new(
                FindingCode::HttpProxy5xx,
                format!(
                    "the proxy answered {status} itself ({})",
                    attribution.evidence
                ),
            ),
        ),
        Some(attribution) => (
            HopStatus::Fail,
            Finding::new(
                FindingCode::HttpApp5xx,
                format!(
                    "the application answered {status} ({})",
                    attribution.evidence
                ),
            ),
        ),
        None if (400..=499).contains(&status) => (
            HopStatus::Warn,
            Finding::new(
                FindingCode::HttpUnexpectedStatus,
                format!("the request was refused with {status}; the path itself works"),
            ),
        ),
        None => (
            HopStatus::Fail,
            Finding::new(
                FindingCode::HttpUnexpectedStatus,
                format!("status {status} is not among the expected ones"),
            ),
        ),
    };
    verdict.status = status_now;
    verdict.findings.push(finding);
    verdict
}

/// The request failed before a usable response head: a reset, an early close, or bytes that are
/// not HTTP. The closed set has no code for a malformed response, and to a client it is the same
/// as a broken connection, so it is `HTTP_RESET` with the reason in the message.
fn broken(ms: f64, err: &hyper::Error, detail: HttpDetail) -> HttpOutcome {
    if let Some(io_err) = io_source(err)
        && let Some(tls_finding) = tls::finding_from_post_handshake_error(io_err)
    {
        return HttpOutcome {
            hop: HopReport::blocked(),
            tls_finding: Some(tls_finding),
        };
    }
    let message = if err.is_parse() {
        format!(
            "the server did not answer with HTTP/1.1 ({})",
            describe(err)
        )
    } else if err.is_incomplete_message() {
        "the server closed the connection before a complete response head".to_owned()
    } else {
        format!(
            "the connection broke before the response head: {}",
            describe(err)
        )
    };
    let finding = Finding::new(FindingCode::HttpReset, message);
    HttpOutcome {
        hop: HopReport::finished(Some(ms), vec![finding], HopDetail::Http(detail)),
        tls_finding: None,
    }
}

fn timed_out(ms: f64, timeout: Duration, detail: HttpDetail) -> HttpOutcome {
    let message = match detail.ttfb_ms {
        Some(ttfb_ms) => format!(
            "the server started answering after {ttfb_ms:.0} ms but the response head was \
             still incomplete after {} ms",
            timeout.as_millis()
        ),
        None => format!("no answer to the request within {} ms", timeout.as_millis()),
    };
    let finding = Finding::new(FindingCode::HttpTimeout, message);
    HttpOutcome {
        hop: HopReport::finished(Some(ms), vec![finding], HopDetail::Http(detail)),
        tls_finding: None,
    }
}

/// The I/O error somewhere in the causes of `err`, which says what the socket saw.
pub(crate) fn io_source<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io_err) = cause.downcast_ref::<io::Error>() {
            return Some(io_err);
        }
        source = cause.source();
    }
    None
}

/// The error and its causes in one line, made inert.
fn describe(err: &hyper::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    inert(&text).into_owned()
}

/// Stops the connection task when the exchange is over, however it ended.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_502: &[u8] = b"<html><head><title>502 Bad Gateway</title></head><body>\
        <center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

    type Case<'a> = (
        u16,
        &'a Vec<RangeInclusive<u16>>,
        &'a [u8],
        HopStatus,
        Option<FindingCode>,
    );

    #[test]
    fn statuses_are_judged_against_expectations() {
        let default: Vec<RangeInclusive<u16>> = Vec::new();
        let only_200 = vec![200..=200];
        let with_503 = vec![200..=299, 503..=503];
        let nginx = vec![("server".to_owned(), "nginx".to_owned())];
        let cases: Vec<Case> = vec![
            (200, &default, b"ok", HopStatus::Ok, None),
            (301, &default, b"", HopStatus::Ok, None),
            (
                301,
                &only_200,
                b"",
                HopStatus::Fail,
                Some(FindingCode::HttpUnexpectedStatus),
            ),
            (
                404,
                &default,
                b"",
                HopStatus::Warn,
                Some(FindingCode::HttpUnexpectedStatus),
            ),
            (
                429,
                &only_200,
                b"",
                HopStatus::Warn,
                Some(FindingCode::HttpUnexpectedStatus),
            ),
            (
                502,
                &default,
                NGINX_502,
                HopStatus::Fail,
                Some(FindingCode::HttpProxy5xx),
            ),
            (
                500,
                &default,
                b"{\"error\":1}",
                HopStatus::Fail,
                Some(FindingCode::HttpApp5xx),
            ),
            (503, &with_503, b"", HopStatus::Ok, None),
            (
                101,
                &default,
                b"",
                HopStatus::Fail,
                Some(FindingCode::HttpUnexpectedStatus),
            ),
        ];
        for (status, expected, body, hop_status, code) in cases {
            let verdict = judge_status(status, expected, &nginx, body);
            assert_eq!(verdict.status, hop_status, "{status} {expected:?}");
            assert_eq!(verdict.findings.first().map(|f| f.code), code, "{status}");
        }
    }

    #[test]
    fn a_5xx_carries_its_origin_even_when_expected() {
        let verdict = judge_status(503, &[503..=503], &[], b"{}");
        assert_eq!(verdict.origin, Some(Origin::App));
        assert_eq!(judge_status(200, &[], &[], b"").origin, None);
    }
}
