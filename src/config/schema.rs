//! The file format of `warroom.toml`, deserialised strictly.
//!
//! Every table denies unknown keys, so a typo such as `timout` is an error that names the line
//! rather than a setting silently ignored during an outage. Values that need checking beyond
//! their type (URLs, durations, addresses) are kept as spanned strings and checked in `resolve`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub dns: DnsSection,
    #[serde(default)]
    pub tls: TlsSection,
    #[serde(default, rename = "target")]
    pub targets: Vec<TargetEntry>,
    #[serde(default, rename = "dependency")]
    pub dependencies: Vec<DependencyEntry>,
    /// `[[log]]` sources; their keys are checked by the logs module.
    #[serde(default, rename = "log")]
    pub logs: Vec<Spanned<toml::Table>>,
    /// `[logs]`: the ring size and spike thresholds; checked by the logs module.
    #[serde(default, rename = "logs")]
    pub log_settings: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub runbook: Option<RunbookSection>,
    #[serde(default)]
    pub journal: Option<JournalSection>,
    #[serde(default)]
    pub ui: UiSection,
    /// `[notify]`; its keys are checked by the notifier.
    #[serde(default)]
    pub notify: Option<Spanned<toml::Table>>,
    /// `[reconcile]`; its keys are checked by the reconciler.
    #[serde(default)]
    pub reconcile: Option<Spanned<toml::Table>>,
}

/// Values every target and dependency inherits unless it sets its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub timeout: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSection {
    /// Nameservers as `ADDR` or `ADDR:PORT`; empty means those of /etc/resolv.conf.
    #[serde(default)]
    pub servers: Vec<Spanned<String>>,
    /// Show getaddrinfo's answer beside the direct one.
    pub system_resolver: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM file of extra trusted roots, relative to the config file.
    pub ca_file: Option<Spanned<String>>,
    pub warn_days: Option<u32>,
}

/// An expected status: a code (`200`) or a range written as text (`"200-299"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StatusEntry {
    Code(u16),
    Range(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    pub name: Option<String>,
    pub url: Spanned<String>,
    pub method: Option<Spanned<String>>,
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    pub expect_status: Option<Spanned<Vec<StatusEntry>>>,
    #[serde(default)]
    pub expect_ips: Vec<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub latency_budget: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependencyEntry {
    pub name: String,
    pub kind: Spanned<String>,
    /// `host:port` for tcp, a URL for http and statuspage.
    pub target: Spanned<String>,
    pub timeout: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub expect_status: Option<Spanned<Vec<StatusEntry>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookSection {
    /// A Markdown file (relative to the config) or the name of a built-in runbook.
    pub path: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalSection {
    pub path: Option<String>,
    pub title: Option<String>,
    /// Remind when no status update has been posted for this long.
    pub status_reminder: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSection {
    pub theme: Option<String>,
    pub max_fps: Option<u16>,
    pub mouse: Option<bool>,
}
