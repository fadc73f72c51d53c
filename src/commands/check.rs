//! `warroom check`: one probe round, printed for people or as one JSON document, with the exit
//! code monitoring plugins use (0 ok, 1 warning or degraded, 2 failure, 3 unknown).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::CheckArgs;
use crate::commands::Outcome;
use crate::config;
use crate::duration::format_ms;
use crate::probe::Prober;
use crate::probe::model::{
    AddressReport, DependencyReport, HopReport, Overall, RoundReport, TargetReport,
};

/// The `--json` document.
#[derive(Serialize)]
struct CheckDocument<'a> {
    schema_version: u32,
    generated_at: DateTime<Utc>,
    status: Overall,
    targets: &'a [TargetReport],
    dependencies: &'a [DependencyReport],
}

pub fn run(args: &CheckArgs) -> Outcome {
    let loaded = config::load(args.probe.config.as_deref())?;
    let resolved = config::resolve(&loaded, &args.probe, &args.urls)?;
    if resolved.targets.is_empty() && resolved.dependencies.is_empty() {
        anyhow::bail!(
            "nothing to check: give a URL (warroom check https://api.example.com/health) \
             or add [[target]] entries to the configuration"
        );
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(async {
        let prober = Prober::new(resolved.settings.clone())?;
        anyhow::Ok(
            prober
                .round(&resolved.targets, &resolved.dependencies)
                .await,
        )
    })?;

    let overall = report.overall();
    if args.json {
        let document = CheckDocument {
            schema_version: 1,
            generated_at: report.generated_at,
            status: overall,
            targets: &report.targets,
            dependencies: &report.dependencies,
        };
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(ExitCode::from(overall.exit_code()))
}

/// The report as people read it: a verdict line per target, then one line per hop and address.
#[must_use]
pub fn render_text(report: &RoundReport) -> String {
    let mut out = String::new();
    let overall = report.overall();
    let _ = writeln!(
        out,
        "WARROOM {} - {} target(s), {} dependenc{}",
        match overall {
            Overall::Ok => "OK",
            Overall::Warn => "WARNING",
            Overall::Critical => "CRITICAL",
        },
        report.targets.len(),
        report.dependencies.len(),
        if report.dependencies.len() == 1 {
            "y"
        } else {
            "ies"
        },
    );
    for target in &report.targets {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} {} {}  {}",
            target.status.glyph(),
            target.status.word().to_uppercase(),
            target.name,
            target.url
        );
        let _ = writeln!(out, "  {}", target.summary);
        hop_line(&mut out, "  ", "dns", &target.hops.dns);
        hop_line(&mut out, "  ", "ip", &target.hops.ip);
        for address in &target.addresses {
            address_lines(&mut out, address);
        }
    }
    if !report.dependencies.is_empty() {
        let _ = writeln!(out, "\ndependencies");
        for dep in &report.dependencies {
            let ms = dep.ms.map(|ms| format!("{ms:.1}ms")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {:<8} {:<18} {:>9}  {}",
                dep.status.glyph(),
                dep.status.word(),
                dep.name,
                ms,
                dep.findings
                    .first()
                    .map_or(dep.detail.as_str(), |f| f.message.as_str())
            );
        }
    }
    out
}

fn address_lines(out: &mut String, address: &AddressReport) {
    let _ = writeln!(
        out,
        "  {} {} {}",
        address.status.glyph(),
        address.ip,
        address.status.word()
    );
    hop_line(out, "    ", "tcp", &address.hops.tcp);
    hop_line(out, "    ", "tls", &address.hops.tls);
    hop_line(out, "    ", "http", &address.hops.http);
}

fn hop_line(out: &mut String, indent: &str, id: &str, hop: &HopReport) {
    let ms = hop.ms.map(format_ms).unwrap_or_default();
    let reason = match hop.findings.as_slice() {
        [] => String::new(),
        findings => findings
            .iter()
            .map(|f| format!("{} {}", f.code.as_str(), f.message))
            .collect::<Vec<_>>()
            .join("; "),
    };
    let _ = writeln!(
        out,
        "{indent}{} {:<4} {:<8} {:>8}  {}",
        hop.status.glyph(),
        id,
        hop.status.word(),
        ms,
        reason
    );
}
