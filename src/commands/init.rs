//! `warroom init`: writes a commented configuration that passes validation, and the built-in
//! runbook beside it for editing.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::InitArgs;
use crate::commands::Outcome;
use crate::config::sample::SAMPLE_CONFIG;
use crate::runbook;

pub fn run(args: &InitArgs) -> Outcome {
    if args.path.exists() && !args.force {
        anyhow::bail!(
            "{} exists; use --force to overwrite it",
            args.path.display()
        );
    }
    std::fs::write(&args.path, SAMPLE_CONFIG)
        .with_context(|| format!("writing {}", args.path.display()))?;
    eprintln!("wrote {}", args.path.display());
    let runbook = runbook::write_builtin_beside(&args.path, "webhook-outage", args.force)
        .context("writing the built-in runbook beside the configuration")?;
    eprintln!("wrote {}", runbook.display());
    Ok(ExitCode::SUCCESS)
}
