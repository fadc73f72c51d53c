//! `warroom demo`: the dashboard on a webhook outage simulated on loopback.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{Mutex, mpsc};

use crate::cli::DemoArgs;
use crate::commands::Outcome;
use crate::commands::dashboard::{DEFAULT_MAX_FPS, load_theme};
use crate::config::LoadedConfig;
use crate::demo::script::{self, ScriptEvent};
use crate::demo::world::World;
use crate::probe::Prober;
use crate::tui::{self, DashboardSetup};

/// The demo probes more often than a real dashboard would, so that the story moves along.
const DEMO_INTERVAL: Duration = Duration::from_secs(2);
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);

pub fn run(args: &DemoArgs) -> Outcome {
    if !(args.speed > 0.0 && args.speed <= 100.0) {
        anyhow::bail!("--speed {}: give a factor between 0.01 and 100", args.speed);
    }
    let theme = load_theme(args.theme.as_deref(), &LoadedConfig::empty())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let world = World::start().await?;
        let interval = DEMO_INTERVAL.div_f64(args.speed.max(1.0));
        let target = world.target(interval, DEMO_TIMEOUT)?;
        let dependencies = world.dependencies(interval, DEMO_TIMEOUT);
        let prober = Prober::new(world.probe_settings())?;
        let world = Arc::new(Mutex::new(world));

        // Mitigations arrive from the checklist once it is wired; the sender is kept open so
        // the script keeps running the schedule.
        let (_mitigate, mitigations) = mpsc::channel(16);
        let (script_events, mut script_log) = mpsc::channel::<ScriptEvent>(16);
        tokio::spawn(script::run(
            world.clone(),
            args.speed,
            mitigations,
            script_events,
        ));
        tokio::spawn(async move { while script_log.recv().await.is_some() {} });

        let setup = DashboardSetup {
            title: "demo: payment webhooks failing".to_owned(),
            targets: vec![target],
            dependencies,
            prober,
            theme,
            max_fps: args.max_fps.unwrap_or(DEFAULT_MAX_FPS),
            mouse: args.mouse,
            incident_start: chrono::Utc::now(),
            probe_interval: interval,
        };
        tui::run(setup).await
    })?;
    runtime.shutdown_background();
    Ok(ExitCode::SUCCESS)
}
