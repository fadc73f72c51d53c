//! `warroom [URL...]`: the dashboard on the configured targets and those given on the line.

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use crate::cli::DashboardArgs;
use crate::commands::Outcome;
use crate::config::{self, LoadedConfig};
use crate::probe::Prober;
use crate::tui::theme::{ColorDepth, Theme};
use crate::tui::{self, DashboardSetup};

/// Frames per second when neither the flag nor the config says: smooth enough to feel live,
/// low enough for a slow SSH link.
pub const DEFAULT_MAX_FPS: u16 = 15;

pub fn run(args: &DashboardArgs) -> Outcome {
    let loaded = config::load(args.probe.config.as_deref())?;
    let mut resolved = config::resolve(&loaded, &args.probe, &args.urls)?;
    if let Some(interval) = args.interval {
        for target in &mut resolved.targets {
            target.interval = interval;
        }
        for dep in &mut resolved.dependencies {
            dep.interval = interval;
        }
    }
    let theme = load_theme(args.theme.as_deref(), &loaded)?;
    let incident_start = match &args.since {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .with_context(|| {
                format!("--since {text:?}: expected an RFC 3339 time like 2026-12-03T02:55:00Z")
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let probe_interval = resolved
        .targets
        .iter()
        .map(|t| t.interval)
        .min()
        .unwrap_or(crate::probe::spec::DEFAULT_INTERVAL);
    let title = args
        .title
        .clone()
        .or_else(|| loaded.file.journal.as_ref().and_then(|j| j.title.clone()))
        .unwrap_or_else(|| "incident".to_owned());

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
            incident_start,
            probe_interval,
        };
        tui::run(setup).await
    })?;
    // Probe tasks may be mid-round; they hold nothing that needs flushing.
    runtime.shutdown_background();
    Ok(ExitCode::SUCCESS)
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
