//! `warroom reconcile`: compare our records with the gateway's and exit 0, 1, 2 or 3.
//!
//! Parses the flags into a [`Profile`] and [`Options`], runs [`reconcile::reconcile`], prints the
//! text report or the JSON document, writes the replay CSV, and maps the result to the exit
//! code (0 consistent, 1 warnings only, 2 critical, 3 unreadable input or rows).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::ReconcileArgs;
use crate::commands::Outcome;
use crate::reconcile::report::{render_text, write_replay};
use crate::reconcile::timestamp::parse_time_ms;
use crate::reconcile::{self, Options, Profile};

/// Example rows per category in the text report.
const TEXT_ROWS_PER_CATEGORY: usize = 10;

pub fn run(args: &ReconcileArgs) -> Outcome {
    let profile_name = args.profile.as_deref().unwrap_or("generic");
    // The profile's errors already name the file, line and key.
    let profile = Profile::load(profile_name)?;
    let options = options(args)?;

    let report = reconcile::reconcile(&args.ours, &args.gateway, &profile, &options)
        .context("reconciling")?;

    if let Some(path) = &args.replay_out {
        let file = std::fs::File::create(path)
            .with_context(|| format!("creating replay file {}", path.display()))?;
        write_replay(&report, std::io::BufWriter::new(file))
            .with_context(|| format!("writing replay file {}", path.display()))?;
    }

    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut stdout, &report).context("writing the JSON report")?;
        writeln!(stdout).context("writing the JSON report")?;
    } else {
        stdout
            .write_all(render_text(&report, TEXT_ROWS_PER_CATEGORY).as_bytes())
            .context("writing the report")?;
    }
    if report.bad_row_count > 0 {
        eprintln!(
            "warroom: {} rows could not be read (listed under bad rows); the result is incomplete",
            report.bad_row_count
        );
    }
    Ok(ExitCode::from(report.exit_code()))
}

fn options(args: &ReconcileArgs) -> anyhow::Result<Options> {
    let time = |flag: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_time_ms(t.as_bytes()).with_context(|| format!("reading {flag}")))
            .transpose()
    };
    let millis = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() && c != '"' && c != '\n' => Some(c as u8),
        Some(c) => bail!("--delimiter {c:?} must be one ASCII character other than a quote"),
    };
    let key = args.key.as_ref().map(|k| {
        k.split(',')
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
    });
    if key.as_ref().is_some_and(Vec::is_empty) {
        bail!("--key needs at least one column name");
    }
    let options = Options {
        from_ms: time("--from", &args.from)?,
        to_ms: time("--to", &args.to)?,
        skew_ms: args.skew.map(millis),
        retry_horizon_ms: args.retry_horizon.map(millis),
        now_ms: time("--now", &args.now)?,
        key,
        delimiter,
        max_rows: args.max_rows,
        collect_replay: args.replay_out.is_some(),
    };
    if let (Some(from), Some(to)) = (options.from_ms, options.to_ms)
        && from > to
    {
        bail!("--from is after --to");
    }
    Ok(options)
}
