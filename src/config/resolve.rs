//! From the parsed file and the command line to the specs the workers run on.
//!
//! Every check here reports the key and line at fault. Flags given on the command line override
//! the file; URLs given on the command line add targets with default expectations.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::schema::{DependencyEntry, StatusEntry, TargetEntry};
use super::{ConfigError, LoadedConfig};
use crate::cli::ProbeArgs;
use crate::duration::parse_duration;
use crate::probe::model::DependencyKind;
use crate::probe::spec::{
    DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DependencySpec, HeaderValue, ProbeSettings, Secret,
    TargetSpec,
};

/// Everything a probing command needs, validated.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    pub targets: Vec<TargetSpec>,
    pub dependencies: Vec<DependencySpec>,
    pub settings: ProbeSettings,
}

/// Reads an environment variable for an `env:NAME` value.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Validates the file and applies the command line on top of it, reading `env:` values from the
/// process environment.
pub fn resolve(
    config: &LoadedConfig,
    args: &ProbeArgs,
    urls: &[String],
) -> Result<ResolvedConfig, ConfigError> {
    resolve_with_env(config, args, urls, &|name| std::env::var(name).ok())
}

/// [`resolve`] with the environment given as a function, so secrets can be tested without
/// touching the process environment.
pub fn resolve_with_env(
    config: &LoadedConfig,
    args: &ProbeArgs,
    urls: &[String],
    env: EnvLookup<'_>,
) -> Result<ResolvedConfig, ConfigError> {
    let file = &config.file;
    let timeout = match args.timeout {
        Some(t) => t,
        None => opt_duration(config, file.defaults.timeout.as_ref(), "defaults.timeout")?
            .unwrap_or(DEFAULT_TIMEOUT),
    };
    let interval = opt_duration(config, file.defaults.interval.as_ref(), "defaults.interval")?
        .unwrap_or(DEFAULT_INTERVAL);

    let mut targets = Vec::new();
    for (i, entry) in file.targets.iter().enumerate() {
        targets.push(target(config, entry, i, (timeout, interval), env)?);
    }
    for url in urls {
        let parsed = parse_target_url(url).map_err(|message| ConfigError {
            path: PathBuf::from("<command line>"),
            position: None,
            key: Some("URL".to_owned()),
            message,
        })?;
        let mut spec = TargetSpec::from_url(parsed);
        spec.timeout = timeout;
        spec.interval = interval;
        targets.push(spec);
    }
    dedupe_names(&mut targets);

    let mut dependencies = Vec::new();
    for (i, entry) in file.dependencies.iter().enumerate() {
        dependencies.push(dependency(config, entry, i, timeout, interval)?);
    }

    Ok(ResolvedConfig {
        targets,
        dependencies,
        settings: settings(config, args)?,
    })
}

fn settings(config: &LoadedConfig, args: &ProbeArgs) -> Result<ProbeSettings, ConfigError> {
    let file = &config.file;
    let mut settings = ProbeSettings::default();

    if args.dns_servers.is_empty() {
        for (i, server) in file.dns.servers.iter().enumerate() {
            let addr = parse_nameserver(server.get_ref()).map_err(|m| {
                config.error_at(Some(server.span()), format!("dns.servers[{i}]"), m)
            })?;
            settings.dns_servers.push(addr);
        }
    } else {
        for server in &args.dns_servers {
            let addr = parse_nameserver(server).map_err(|message| ConfigError {
                path: PathBuf::from("<command line>"),
                position: None,
                key: Some("--dns-server".to_owned()),
                message,
            })?;
            settings.dns_servers.push(addr);
        }
    }
    if let Some(compare) = file.dns.system_resolver {
        settings.compare_system_resolver = compare;
    }
    if let Some(days) = file.tls.warn_days {
        settings.warn_days = days;
    }

    if let Some(path) = &args.ca_file {
        settings.extra_roots = read_roots(path).map_err(|message| ConfigError {
            path: path.clone(),
            position: None,
            key: Some("--ca-file".to_owned()),
            message,
        })?;
    } else if let Some(ca) = &file.tls.ca_file {
        let path = config.base_dir().join(ca.get_ref());
        settings.extra_roots = read_roots(&path).map_err(|m| {
            config.error_at(
                Some(ca.span()),
                "tls.ca_file",
                format!("{}: {m}", path.display()),
            )
        })?;
    }
    Ok(settings)
}

fn target(
    config: &LoadedConfig,
    entry: &TargetEntry,
    index: usize,
    (timeout, interval): (Duration, Duration),
    env: EnvLookup<'_>,
) -> Result<TargetSpec, ConfigError> {
    let key = |field: &str| format!("target[{index}].{field}");
    let url = parse_target_url(entry.url.get_ref())
        .map_err(|m| config.error_at(Some(entry.url.span()), key("url"), m))?;
    let mut spec = TargetSpec::from_url(url);
    if let Some(name) = &entry.name {
        spec.name.clone_from(name);
    }
    if let Some(method) = &entry.method {
        let upper = method.get_ref().to_ascii_uppercase();
        if !matches!(
            upper.as_str(),
            "GET" | "HEAD" | "POST" | "PUT" | "OPTIONS" | "PATCH" | "DELETE"
        ) {
            return Err(config.error_at(Some(method.span()), key("method"), "not an HTTP method"));
        }
        spec.method = upper;
    }
    for (name, value) in &entry.headers {
        let header_key = key(&format!("headers.{name}"));
        if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(config.error_at(Some(value.span()), header_key, "not a valid header name"));
        }
        let value = header_value(value.get_ref(), env)
            .map_err(|m| config.error_at(Some(value.span()), header_key, m))?;
        spec.headers.push((name.clone(), value));
    }
    if let Some(statuses) = &entry.expect_status {
        spec.expect_status = status_ranges(statuses.get_ref())
            .map_err(|m| config.error_at(Some(statuses.span()), key("expect_status"), m))?;
    }
    for ip in &entry.expect_ips {
        let addr = ip.get_ref().parse::<IpAddr>().map_err(|_| {
            config.error_at(
                Some(ip.span()),
                key("expect_ips"),
                format!("{:?} is not an IP address", ip.get_ref()),
            )
        })?;
        spec.expect_ips.push(addr);
    }
    spec.timeout =
        opt_duration(config, entry.timeout.as_ref(), &key("timeout"))?.unwrap_or(timeout);
    spec.interval =
        opt_duration(config, entry.interval.as_ref(), &key("interval"))?.unwrap_or(interval);
    spec.latency_budget = opt_duration(
        config,
        entry.latency_budget.as_ref(),
        &key("latency_budget"),
    )?;
    Ok(spec)
}

fn dependency(
    config: &LoadedConfig,
    entry: &DependencyEntry,
    index: usize,
    timeout: Duration,
    interval: Duration,
) -> Result<DependencySpec, ConfigError> {
    let key = |field: &str| format!("dependency[{index}].{field}");
    let kind = match entry.kind.get_ref().as_str() {
        "tcp" => DependencyKind::Tcp,
        "http" => DependencyKind::Http,
        "statuspage" => DependencyKind::Statuspage,
        other => {
            return Err(config.error_at(
                Some(entry.kind.span()),
                key("kind"),
                format!("unknown kind {other:?}: use tcp, http or statuspage"),
            ));
        }
    };
    let target = entry.target.get_ref().clone();
    let target_ok = match kind {
        DependencyKind::Tcp => target
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok()),
        DependencyKind::Http | DependencyKind::Statuspage => parse_target_url(&target).is_ok(),
    };
    if !target_ok {
        let want = if kind == DependencyKind::Tcp {
            "host:port"
        } else {
            "an http or https URL"
        };
        return Err(config.error_at(
            Some(entry.target.span()),
            key("target"),
            format!("expected {want}"),
        ));
    }
    let expect_status = match &entry.expect_status {
        Some(s) => status_ranges(s.get_ref())
            .map_err(|m| config.error_at(Some(s.span()), key("expect_status"), m))?,
        None => vec![200..=399],
    };
    Ok(DependencySpec {
        name: entry.name.clone(),
        kind,
        target,
        timeout: opt_duration(config, entry.timeout.as_ref(), &key("timeout"))?.unwrap_or(timeout),
        interval: opt_duration(config, entry.interval.as_ref(), &key("interval"))?
            .unwrap_or(interval),
        expect_status,
    })
}

/// Parses a URL given by a person: the scheme defaults to https, and only http(s) is accepted.
pub fn parse_target_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("{text:?} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text:?}: only http and https URLs can be probed"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} has no host"));
    }
    Ok(url)
}

/// `ADDR`, `ADDR:PORT` or `[V6]:PORT`; port 53 by default.
pub fn parse_nameserver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("{text:?} is not a nameserver address (ADDR or ADDR:PORT)"))
}

fn header_value(text: &str, env: EnvLookup<'_>) -> Result<HeaderValue, String> {
    match text.strip_prefix("env:") {
        Some(var) => match env(var) {
            Some(value) => Ok(HeaderValue::Secret(Secret::new(value))),
            None => Err(format!("environment variable {var} is not set")),
        },
        None => Ok(HeaderValue::Plain(text.to_owned())),
    }
}

fn status_ranges(entries: &[StatusEntry]) -> Result<Vec<RangeInclusive<u16>>, String> {
    let valid = |code: u16| (100..=599).contains(&code);
    let mut ranges = Vec::new();
    for entry in entries {
        let range = match entry {
            StatusEntry::Code(code) => *code..=*code,
            StatusEntry::Range(text) => {
                let (low, high) = text
                    .split_once('-')
                    .ok_or_else(|| format!("{text:?}: write a range as \"200-299\""))?;
                let parse = |s: &str| {
                    s.trim()
                        .parse::<u16>()
                        .map_err(|_| format!("{text:?}: not a status range"))
                };
                parse(low)?..=parse(high)?
            }
        };
        if !valid(*range.start()) || !valid(*range.end()) || range.start() > range.end() {
            return Err(format!(
                "{}-{} is not a range of HTTP statuses (100-599)",
                range.start(),
                range.end()
            ));
        }
        ranges.push(range);
    }
    if ranges.is_empty() {
        return Err("at least one status is needed".to_owned());
    }
    Ok(ranges)
}

fn opt_duration(
    config: &LoadedConfig,
    value: Option<&Spanned<String>>,
    key: &str,
) -> Result<Option<Duration>, ConfigError> {
    value
        .map(|v| {
            parse_duration(v.get_ref())
                .map_err(|e| config.error_at(Some(v.span()), key, e.to_string()))
        })
        .transpose()
}

fn read_roots(path: &Path) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("contains no PEM certificate".to_owned());
    }
    Ok(certs)
}

/// Two targets named alike (the same host twice) get a numeric suffix, so names stay unique
/// keys in the timeline and in runbook bindings.
fn dedupe_names(targets: &mut [TargetSpec]) {
    for i in 1..targets.len() {
        let (before, rest) = targets.split_at_mut(i);
        let count = before
            .iter()
            .filter(|t| t.name == rest[0].name || t.name.starts_with(&format!("{}#", rest[0].name)))
            .count();
        if count > 0 {
            rest[0].name = format!("{}#{}", rest[0].name, count + 1);
        }
    }
}
