//! The sections of `warroom.toml` that belong to other modules (`[[log]]`, `[reconcile]`):
//! each is checked by its owner's own schema here, with errors located in the file.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use toml::Spanned;

use super::{ConfigError, LoadedConfig};
use crate::logs::{LogSourceConfig, LogsConfig};
use crate::reconcile::summary::ReconcileSection;
use crate::timeline::notify::NotifySettings;

/// `[notify]`: where milestones and status updates are posted.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifySection {
    /// A Slack-compatible incoming-webhook URL, or `env:NAME` to read it from the environment.
    webhook: String,
}

/// The `[[log]]` sources, in file order.
pub fn log_sources(config: &LoadedConfig) -> Result<Vec<LogSourceConfig>, ConfigError> {
    config
        .file
        .logs
        .iter()
        .enumerate()
        .map(|(i, table)| section(config, table, &format!("log[{i}]")))
        .collect()
}

/// The `[logs]` settings, defaults when the table is absent.
pub fn logs_config(config: &LoadedConfig) -> Result<LogsConfig, ConfigError> {
    match &config.file.log_settings {
        Some(table) => section(config, table, "logs"),
        None => Ok(LogsConfig::default()),
    }
}

/// The `[reconcile]` section, with its file paths made relative to the config file's folder.
pub fn reconcile_section(
    config: &LoadedConfig,
) -> Result<Option<(ReconcileSection, PathBuf)>, ConfigError> {
    let Some(table) = &config.file.reconcile else {
        return Ok(None);
    };
    let section: ReconcileSection = section(config, table, "reconcile")?;
    Ok(Some((section, config.base_dir())))
}

fn section<T: DeserializeOwned>(
    config: &LoadedConfig,
    table: &Spanned<toml::Table>,
    key: &str,
) -> Result<T, ConfigError> {
    table
        .get_ref()
        .clone()
        .try_into()
        .map_err(|err: toml::de::Error| {
            config.error_at(Some(table.span()), key, err.message().trim())
        })
}

/// The chat notifier's settings, with an `env:` webhook resolved; `None` without `[notify]`.
pub fn notify_settings(config: &LoadedConfig) -> Result<Option<NotifySettings>, ConfigError> {
    let Some(table) = &config.file.notify else {
        return Ok(None);
    };
    let section: NotifySection = section(config, table, "notify")?;
    let url = match section.webhook.strip_prefix("env:") {
        Some(var) => std::env::var(var).map_err(|_| {
            config.error_at(
                Some(table.span()),
                "notify.webhook",
                format!("environment variable {var} is not set"),
            )
        })?,
        None => section.webhook,
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(config.error_at(
            Some(table.span()),
            "notify.webhook",
            "expected an http or https URL",
        ));
    }
    Ok(Some(NotifySettings::new(url)))
}
