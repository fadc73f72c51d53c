//! Dependencies beside the request path: a database or broker port, a health endpoint, and a
//! provider's public status page.
//!
//! The runbook's "check the queue and the database" and "check the provider's status" become
//! probes here. TCP checks reuse the firewall hop; HTTP health checks and status pages go through
//! reqwest, which is fine for these because no per-phase timing is needed.
//!
//! Status pages (the `/api/v2/status.json` format of Atlassian Statuspage and others) have no
//! codes of their own in the closed set, so the provider's own indicator is mapped to the nearest
//! ones: `none` is ok; `minor` (usually "degraded performance") is `HTTP_SLOW` and warns;
//! `major` (a partial outage) is `HTTP_APP_5XX` and makes the dependency `degraded`; `critical`
//! is `HTTP_APP_5XX` and fails. A page that cannot be read as that format is
//! `HTTP_UNEXPECTED_STATUS` as a warning, because it says nothing about the provider either way.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use super::ProbeSetupError;
use super::http::{BODY_LIMIT_BYTES, io_source, judge_status};
use super::model::{DependencyKind, DependencyReport, Finding, FindingCode, HopStatus, Verdict};
use super::spec::{DependencySpec, ProbeSettings, redact_url};
use super::tcp;
use crate::text::{inert, inert_bytes};

/// The HTTP client for health checks and status pages: ring-backed rustls with the public roots
/// and the configured ones, no proxy from the environment, redirects not followed.
pub(crate) fn client(settings: &ProbeSettings) -> Result<reqwest::Client, ProbeSetupError> {
    let tls = crate::trust::client_config(&settings.extra_roots)
        .map_err(|err| ProbeSetupError::Tls(format!("an extra root is unusable: {err}")))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("warroom-probe")
        .build()
        .map_err(|err| ProbeSetupError::Tls(err.to_string()))
}

pub(crate) async fn probe(client: &reqwest::Client, spec: &DependencySpec) -> DependencyReport {
    let started = Instant::now();
    let (status, findings, detail) = match spec.kind {
        DependencyKind::Tcp => probe_tcp(&spec.target, spec.timeout).await,
        DependencyKind::Http => probe_http(client, spec).await,
        DependencyKind::Statuspage => probe_statuspage(client, spec).await,
    };
    let target = match url::Url::parse(&spec.target) {
        Ok(url) if spec.kind != DependencyKind::Tcp => redact_url(&url),
        _ => spec.target.clone(),
    };
    DependencyReport {
        name: spec.name.clone(),
        kind: spec.kind,
        target,
        status,
        ms: Some(started.elapsed().as_secs_f64() * 1000.0),
        findings,
        detail,
    }
}

type Outcome = (Verdict, Vec<Finding>, String);

/// Connects to the first address of `target` (`host:port`).
///
/// Known gap: the name goes through the system resolver, not the configured nameservers, and
/// only its first address is tried; a dependency worth per-address detail belongs in the
/// request path as a target.
async fn probe_tcp(target: &str, timeout: Duration) -> Outcome {
    let peer = match tokio::time::timeout(timeout, tokio::net::lookup_host(target)).await {
        Ok(Ok(mut found)) => found.next(),
        _ => None,
    };
    let Some(peer) = peer else {
        return (
            Verdict::Fail,
            vec![Finding::new(
                FindingCode::DnsNxdomain,
                format!("{} did not resolve to an address", inert(target)),
            )],
            String::new(),
        );
    };
    let (hop, _stream) = tcp::connect(peer, timeout).await;
    let verdict = if hop.is_break() {
        Verdict::Fail
    } else {
        Verdict::Ok
    };
    let detail = if hop.is_break() {
        format!("{peer} closed")
    } else {
        format!("{peer} open")
    };
    (verdict, hop.findings, detail)
}

async fn probe_http(client: &reqwest::Client, spec: &DependencySpec) -> Outcome {
    let (status, body) = match fetch(client, &spec.target, spec.timeout).await {
        Ok(fetched) => fetched,
        Err(finding) => return (Verdict::Fail, vec![finding], String::new()),
    };
    let verdict = judge_status(status, &spec.expect_status, &[], &body);
    let dependency_verdict = match verdict.status {
        HopStatus::Fail => Verdict::Fail,
        HopStatus::Warn => Verdict::Warn,
        _ => Verdict::Ok,
    };
    (
        dependency_verdict,
        verdict.findings,
        format!("status {status}"),
    )
}

#[derive(Deserialize)]
struct StatusDocument {
    status: StatusIndicator,
}

#[derive(Deserialize)]
struct StatusIndicator {
    indicator: String,
    #[serde(default)]
    description: String,
}

async fn probe_statuspage(client: &reqwest::Client, spec: &DependencySpec) -> Outcome {
    let url = status_json_url(&spec.target);
    let (status, body) = match fetch(client, &url, spec.timeout).await {
        Ok(fetched) => fetched,
        Err(finding) => return (Verdict::Fail, vec![finding], String::new()),
    };
    let document = serde_json::from_slice::<StatusDocument>(&body).ok();
    let Some(document) = document.filter(|_| (200..=299).contains(&status)) else {
        let finding = Finding::new(
            FindingCode::HttpUnexpectedStatus,
            format!("status {status}: the answer is not a status page document"),
        );
        return (Verdict::Warn, vec![finding], String::new());
    };
    let description = inert(&document.status.description).into_owned();
    let indicator = inert(&document.status.indicator).into_owned();
    let (verdict, code) = indicator_verdict(&indicator);
    let findings = code
        .map(|code| {
            Finding::new(
                code,
                format!("the provider reports {indicator} trouble: {description}"),
            )
        })
        .into_iter()
        .collect();
    (verdict, findings, description)
}

/// The verdict and finding code for a status page indicator.
pub(crate) fn indicator_verdict(indicator: &str) -> (Verdict, Option<FindingCode>) {
    match indicator {
        "none" => (Verdict::Ok, None),
        "minor" => (Verdict::Warn, Some(FindingCode::HttpSlow)),
        "major" => (Verdict::Degraded, Some(FindingCode::HttpApp5xx)),
        "critical" => (Verdict::Fail, Some(FindingCode::HttpApp5xx)),
        _ => (Verdict::Warn, Some(FindingCode::HttpUnexpectedStatus)),
    }
}

/// A base URL gets the standard path; a URL that names a `.json` document is used as it is.
pub(crate) fn status_json_url(target: &str) -> String {
    let is_json = std::path::Path::new(target)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    if is_json {
        target.to_owned()
    } else {
        format!("{}/api/v2/status.json", target.trim_end_matches('/'))
    }
}

/// GETs `url` and reads at most [`BODY_LIMIT_BYTES`] of the body, all within `timeout`.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), Finding> {
    let exchange = async {
        let mut response = client.get(url).send().await?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < BODY_LIMIT_BYTES {
            match response.chunk().await? {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => break,
            }
        }
        body.truncate(BODY_LIMIT_BYTES);
        Ok::<_, reqwest::Error>((status, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(fetched)) => Ok(fetched),
        Ok(Err(err)) => Err(classify_reqwest_error(&err, url)),
        Err(_) => Err(Finding::new(
            FindingCode::HttpTimeout,
            format!("no complete answer within {} ms", timeout.as_millis()),
        )),
    }
}

fn classify_reqwest_error(err: &reqwest::Error, url: &str) -> Finding {
    if err.is_connect()
        && let Some(io_err) = io_source(err)
    {
        let peer = url::Url::parse(url)
            .ok()
            .and_then(|u| u.socket_addrs(|| None).ok())
            .and_then(|addrs| addrs.first().copied())
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        return tcp::classify_connect_error(io_err, peer);
    }
    if err.is_timeout() {
        return Finding::new(FindingCode::HttpTimeout, "the request timed out");
    }
    Finding::new(
        FindingCode::HttpReset,
        format!(
            "the request failed: {}",
            inert_bytes(err.to_string().as_bytes())
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_page_indicators_map_to_verdicts() {
        let cases = [
            ("none", Verdict::Ok, None),
            ("minor", Verdict::Warn, Some(FindingCode::HttpSlow)),
            ("major", Verdict::Degraded, Some(FindingCode::HttpApp5xx)),
            ("critical", Verdict::Fail, Some(FindingCode::HttpApp5xx)),
            (
                "maintenance",
                Verdict::Warn,
                Some(FindingCode::HttpUnexpectedStatus),
            ),
        ];
        for (indicator, verdict, code) in cases {
            assert_eq!(indicator_verdict(indicator), (verdict, code), "{indicator}");
        }
    }

    #[test]
    fn status_page_urls_get_the_standard_path() {
        assert_eq!(
            status_json_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/api/v2/status.json"
        );
        assert_eq!(
            status_json_url("http://127.0.0.1:8080/x/status.json"),
            "http://127.0.0.1:8080/x/status.json"
        );
    }
}
