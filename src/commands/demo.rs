//! `warroom demo`: the dashboard on a webhook outage simulated on loopback, with the built-in
//! runbook, an access log that the demo's ingress writes, and a journal in a temporary folder.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{Mutex, mpsc};

use crate::cli::DemoArgs;
use crate::commands::dashboard::{DEFAULT_MAX_FPS, DEFAULT_STATUS_REMINDER, load_theme};
use crate::commands::{Outcome, incident};
use crate::config::LoadedConfig;
use crate::demo::access_log::AccessLog;
use crate::demo::ledger;
use crate::demo::script::{self, Mitigation, ScriptEvent};
use crate::demo::traffic;
use crate::demo::world::{World, ingress_ips};
use crate::logs::SourcePlan;
use crate::logs::source::StartAt;
use crate::logs::worker::LogWorkerConfig;
use crate::probe::Prober;
use crate::timeline::{Actor, Change, Entry, StepState};
use crate::tui::{self, DashboardSetup};

/// The demo probes more often than a real dashboard would, so that the story moves along.
const DEMO_INTERVAL: Duration = Duration::from_secs(2);
const DEMO_TIMEOUT: Duration = Duration::from_secs(2);
const TITLE: &str = "demo: payment webhooks failing";

pub fn run(args: &DemoArgs) -> Outcome {
    if !(args.speed > 0.0 && args.speed <= 100.0) {
        anyhow::bail!("--speed {}: give a factor between 0.01 and 100", args.speed);
    }
    let theme = load_theme(args.theme.as_deref(), &LoadedConfig::empty())?;
    let scratch = ScratchDir::create().context("creating the demo's temporary folder")?;
    let access_log_path = scratch.path.join("access.log");
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| scratch.path.join("incident.jsonl"));
    eprintln!("warroom demo: journal {}", journal_path.display());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let access_log =
            Arc::new(AccessLog::create(&access_log_path).context("creating the demo access log")?);
        let world = World::start(Some(access_log)).await?;
        let interval = DEMO_INTERVAL.div_f64(args.speed.max(1.0));
        let target = world.target(interval, DEMO_TIMEOUT)?;
        let dependencies = world.dependencies(interval, DEMO_TIMEOUT);
        let prober = Prober::new(world.probe_settings())?;
        let seed = args.seed.unwrap_or_else(rand::random);
        tokio::spawn(traffic::run(
            world.pki.root_der(),
            ingress_ips(),
            world.ingress_port,
            args.speed,
            seed,
        ));
        let world = Arc::new(Mutex::new(world));

        let (mitigate, mitigations) = mpsc::channel(16);
        let (script_events, mut script_log) = mpsc::channel::<ScriptEvent>(16);
        tokio::spawn(script::run(
            world.clone(),
            args.speed,
            mitigations,
            script_events,
        ));
        tokio::spawn(async move { while script_log.recv().await.is_some() {} });
        let (entry_tap, entries) = mpsc::channel(64);
        tokio::spawn(mitigate_on_ticks(entries, mitigate));

        let reconcile = ledger::write(&scratch.path, seed, chrono::Utc::now())
            .context("writing the demo's reconciliation files")?
            .0;
        let opened = incident::open(
            Some(&journal_path),
            TITLE,
            Some("webhook-outage"),
            Vec::new(),
        )?;
        let plans = SourcePlan::from_specs(&[access_log_path.display().to_string()], None)?;
        let mut logs = LogWorkerConfig::new(plans);
        logs.sources.start = StartAt::Beginning;
        let setup = DashboardSetup {
            title: TITLE.to_owned(),
            targets: vec![target],
            dependencies,
            prober,
            theme,
            max_fps: args.max_fps.unwrap_or(DEFAULT_MAX_FPS),
            mouse: args.mouse,
            probe_interval: interval,
            journal: opened.journal,
            replayed: opened.replayed,
            runbook: opened.runbook,
            actor: Actor::from_environment(args.actor.as_deref()),
            status_reminder: DEFAULT_STATUS_REMINDER,
            impact_since: None,
            logs: Some(logs),
            reconcile: Some((reconcile, scratch.path.clone())),
            entry_tap: Some(entry_tap),
            notify: None,
        };
        tui::run(setup).await
    })?;
    runtime.shutdown_background();
    if args.journal.is_none() {
        eprintln!(
            "warroom demo: the temporary journal was removed; pass --journal FILE to keep one"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Carries out the mitigation of each runbook step ticked done, by anyone sharing the journal.
async fn mitigate_on_ticks(mut entries: mpsc::Receiver<Entry>, mitigate: mpsc::Sender<Mitigation>) {
    while let Some(entry) = entries.recv().await {
        let done = matches!(
            entry.change,
            Some(Change::Step {
                state: StepState::Done,
                ..
            })
        );
        if let (true, Some(step)) = (done, entry.refs.step.as_deref())
            && let Some(mitigation) = Mitigation::from_step_id(step)
            && mitigate.send(mitigation).await.is_err()
        {
            return;
        }
    }
}

/// A private temporary folder, removed with everything in it when dropped.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn create() -> std::io::Result<ScratchDir> {
        use std::os::unix::fs::DirBuilderExt as _;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("warroom-demo-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(ScratchDir { path })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
