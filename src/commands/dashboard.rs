//! `warroom [URL...]`: the dashboard on the configured targets and those given on the line,
//! with the runbook, the journal and the logs.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use crate::cli::DashboardArgs;
use crate::commands::{Outcome, incident};
use crate::config::{self, LoadedConfig, sections};
use crate::duration::parse_duration;
use crate::logs::SourcePlan;
use crate::logs::worker::LogWorkerConfig;
use crate::probe::Prober;
use crate::timeline::Actor;
use crate::tui::theme::{ColorDepth, Theme};
use crate::tui::{self, DashboardSetup};

/// Frames per second when neither the flag nor the config says: smooth enough to feel live,
/// low enough for a slow SSH link.
pub const DEFAULT_MAX_FPS: u16 = 15;
/// How long without a status update before the status bar reminds the commander.
pub const DEFAULT_STATUS_REMINDER: Duration = Duration::from_secs(30 * 60);

pub fn run(args: &DashboardArgs) -> Outcome {
    let loaded = config::load(args.probe.config.as_deref())?;
    let mut resolved = config::resolve(&loaded, &args.probe, &args.urls)?;
    if let Some(interval) = args.interval {
        resolved
            .targets
            .iter_mut()
            .for_each(|t| t.interval = interval);
        resolved
            .dependencies
            .iter_mut()
            .for_each(|d| d.interval = interval);
    }
    let theme = load_theme(args.theme.as_deref(), &loaded)?;
    let impact_since = args
        .since
        .as_deref()
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .with_context(|| {
                    format!("--since {text:?}: expected an RFC 3339 time like 2026-12-03T02:55:00Z")
                })
        })
        .transpose()?;
    let probe_interval = resolved
        .targets
        .iter()
        .map(|t| t.interval)
        .min()
        .unwrap_or(crate::probe::spec::DEFAULT_INTERVAL);
    let journal_section = loaded.file.journal.as_ref();
    let title = args
        .title
        .clone()
        .or_else(|| journal_section.and_then(|j| j.title.clone()))
        .unwrap_or_else(|| "incident".to_owned());
    let status_reminder = match journal_section.and_then(|j| j.status_reminder.as_ref()) {
        Some(text) => parse_duration(text.get_ref()).map_err(|e| {
            loaded.error_at(Some(text.span()), "journal.status_reminder", e.to_string())
        })?,
        None => DEFAULT_STATUS_REMINDER,
    };
    let journal_path = args.journal.clone().or_else(|| {
        journal_section
            .and_then(|j| j.path.as_ref())
            .map(|p| loaded.base_dir().join(p))
    });
    let runbook_spec = args
        .runbook
        .clone()
        .or_else(|| runbook_from_config(&loaded));
    let logs = log_config(args, &loaded)?;
    let reconcile = sections::reconcile_section(&loaded)?;
    let notify = sections::notify_settings(&loaded)?;
    let mut secrets = incident::secrets_of(&resolved.targets);
    secrets.extend(notify.as_ref().map(|n| n.webhook_url.clone()));
    let opened = incident::open(
        journal_path.as_deref(),
        &title,
        runbook_spec.as_deref(),
        secrets,
    )?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let setup = DashboardSetup {
            title,
            prober: Prober::new(resolved.settings.clone())?,
            targets: resolved.targets,
            dependencies: resolved.dependencies,
            theme,
            max_fps: args
                .max_fps
                .or(loaded.file.ui.max_fps)
                .unwrap_or(DEFAULT_MAX_FPS),
            mouse: args.mouse || loaded.file.ui.mouse.unwrap_or(false),
            probe_interval,
            journal: opened.journal,
            replayed: opened.replayed,
            runbook: opened.runbook,
            actor: Actor::from_environment(args.actor.as_deref()),
            status_reminder,
            impact_since,
            logs,
            reconcile,
            entry_tap: None,
            notify,
        };
        tui::run(setup).await
    })?;
    // Probe tasks may be mid-round; they hold nothing that needs flushing.
    runtime.shutdown_background();
    Ok(ExitCode::SUCCESS)
}

fn runbook_from_config(loaded: &LoadedConfig) -> Option<String> {
    let section = loaded.file.runbook.as_ref()?;
    match (&section.path, &section.name) {
        (Some(path), _) => Some(loaded.base_dir().join(path).display().to_string()),
        (None, Some(name)) => Some(name.clone()),
        (None, None) => None,
    }
}

/// The log sources from `--log` and `[[log]]`; `None` when there are none.
fn log_config(
    args: &DashboardArgs,
    loaded: &LoadedConfig,
) -> anyhow::Result<Option<LogWorkerConfig>> {
    let mut plans =
        SourcePlan::from_specs(&args.logs, None).context("reading the --log sources")?;
    for entry in sections::log_sources(loaded)? {
        plans.extend(
            SourcePlan::from_config(&entry)
                .with_context(|| format!("reading the log source {}", entry.path))?,
        );
    }
    if plans.is_empty() {
        return Ok(None);
    }
    let settings = sections::logs_config(loaded)?;
    let mut config = LogWorkerConfig::new(plans);
    config.aggregator.thresholds = settings.spike;
    config.aggregator.recent_capacity = settings.recent_lines;
    if args.from_start {
        config.sources.start = crate::logs::source::StartAt::Beginning;
    }
    Ok(Some(config))
}

/// The theme from the flag, else the config, else `default`; `monochrome` when the terminal
/// shows no colour and nothing was asked for.
pub fn load_theme(flag: Option<&str>, loaded: &LoadedConfig) -> anyhow::Result<Theme> {
    let depth = ColorDepth::detect();
    let asked = flag
        .map(str::to_owned)
        .or_else(|| loaded.file.ui.theme.clone());
    let name = match (&asked, depth) {
        (Some(name), _) => name.clone(),
        (None, ColorDepth::None) => "monochrome".to_owned(),
        (None, _) => "default".to_owned(),
    };
    Ok(Theme::load(&name, depth)?)
}
