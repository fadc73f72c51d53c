//! The Markdown postmortem skeleton. Headings are fixed so that exports of the same kind of
//! incident diff cleanly; sections a person must write are marked with italic prompts.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Figures, StepRecord};
use crate::duration::format_duration;
use crate::text::inert;
use crate::timeline::change::Milestone;
use crate::timeline::entry::Entry;
use crate::timeline::state::Incident;

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn seconds(secs: Option<u64>) -> String {
    secs.map_or_else(
        || "—".to_owned(),
        |s| format_duration(std::time::Duration::from_secs(s)),
    )
}

/// Text safe inside a table cell: no control characters, pipes escaped, one line.
fn cell(text: &str) -> String {
    inert(&text.replace(['\n', '\r'], " ")).replace('|', "\\|")
}

/// The postmortem for `entries`, in journal order; `journal` names the file in the metadata.
#[must_use]
pub fn markdown(entries: &[Entry], journal: Option<&str>) -> String {
    let incident = Incident::from_entries(None, entries);
    let figures = Figures::of(&incident);
    let mut out = String::new();
    metadata(&mut out, &figures, journal);
    out.push_str(
        "\n## Summary\n\n_What happened, to whom, and how it was resolved, in three sentences._\n\
         \n## Impact\n\n| Measure | Value |\n|---|---|\n| Webhooks failed | _fill_ |\n\
         | Webhooks delivered late or replayed | _fill_ |\n| Duplicates applied | _fill_ |\n\
         | Customers or partners affected | _fill_ |\n| Money at risk (per currency) | _fill_ |\n",
    );
    key_times(&mut out, &incident, &figures);
    let evidence_ids = timeline(&mut out, &incident);
    runbook(&mut out, &figures);
    action_items(&mut out, &figures);
    consistency(&mut out, &figures);
    out.push_str(
        "\n## Root cause and trigger\n\n_What made it possible, and what set it off._\n\
         \n## Lessons\n\n### What went well\n\n_fill_\n\n### What went wrong\n\n_fill_\n\
         \n### Where we got lucky\n\n_fill_\n",
    );
    appendix(&mut out, &incident, &evidence_ids);
    out
}

fn metadata(out: &mut String, figures: &Figures, journal: Option<&str>) {
    let _ = writeln!(out, "# Postmortem: {}\n", cell(&figures.title));
    out.push_str("| Field | Value |\n|---|---|\n");
    let optional = |value: Option<String>| value.unwrap_or_else(|| "—".to_owned());
    let rows = [
        (
            "Date (UTC)",
            optional(figures.started_at.map(|t| t.format("%Y-%m-%d").to_string())),
        ),
        ("Started", optional(figures.started_at.map(time))),
        ("Last entry", optional(figures.last_entry_at.map(time))),
        ("Peak severity", optional(figures.severity_peak.clone())),
        ("Final status", optional(figures.status.clone())),
        (
            "Commander",
            optional(figures.roles.get("commander").cloned()),
        ),
        ("Scribe", optional(figures.roles.get("scribe").cloned())),
        ("Comms", optional(figures.roles.get("comms").cloned())),
        ("Journal", optional(journal.map(str::to_owned))),
        ("Authors", "_fill_".to_owned()),
    ];
    for (field, value) in rows {
        let _ = writeln!(out, "| {field} | {} |", cell(&value));
    }
}

fn key_times(out: &mut String, incident: &Incident, figures: &Figures) {
    out.push_str(
        "\n## Key times\n\n| Milestone | Time (UTC) | Since impact started |\n|---|---|---|\n",
    );
    let d = &figures.durations_s;
    for milestone in Milestone::ALL {
        let since = match milestone {
            Milestone::ImpactStarted => "—".to_owned(),
            Milestone::Detected => format!("{} to detect", seconds(d.to_detect)),
            Milestone::Mitigated => format!("{} to mitigate", seconds(d.to_mitigate)),
            Milestone::Resolved => format!("{} to resolve", seconds(d.to_resolve)),
            Milestone::ConsistencyRestored => {
                format!(
                    "{} to restore consistency",
                    seconds(d.to_restore_consistency)
                )
            }
        };
        let at = incident
            .state
            .milestone(milestone)
            .map_or_else(|| "not reached".to_owned(), time);
        let _ = writeln!(out, "| {} | {at} | {since} |", milestone.label());
    }
}

/// Writes the timeline table; returns the ids of entries with evidence, numbered E1, E2, ...
fn timeline(out: &mut String, incident: &Incident) -> Vec<String> {
    out.push_str("\n## Timeline\n\n| Time (UTC) | Actor | Entry | Evidence |\n|---|---|---|---|\n");
    let mut evidence_ids = Vec::new();
    for entry in incident.timeline.entries() {
        let evidence = match &entry.evidence {
            Some(value) => {
                evidence_ids.push(entry.id.to_string());
                let n = evidence_ids.len();
                match evidence_summary(value) {
                    Some(summary) => format!("{} ([E{n}](#e{n}))", cell(&summary)),
                    None => format!("[E{n}](#e{n})"),
                }
            }
            None => String::new(),
        };
        let actor = format!("{}@{}", entry.actor.name, entry.actor.host);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {evidence} |",
            time(entry.occurred_at),
            cell(&actor),
            cell(&entry.text)
        );
    }
    evidence_ids
}

/// A few words for the table; the appendix has the rest.
fn evidence_summary(value: &Value) -> Option<String> {
    let field = |name: &str| value.get(name);
    if let Some(code) = field("code").and_then(Value::as_str) {
        return Some(code.to_owned());
    }
    if let Some(share) = field("share_5xx").and_then(Value::as_f64) {
        return Some(format!("5xx {:.1}%", share * 100.0));
    }
    if let (Some(status), Some(_)) = (field("status").and_then(Value::as_str), field("counts")) {
        return Some(format!("reconcile: {status}"));
    }
    None
}

fn runbook(out: &mut String, figures: &Figures) {
    out.push_str("\n## Runbook execution\n\n");
    let Some(runbook) = &figures.runbook else {
        out.push_str("No runbook was recorded in the journal.\n");
        return;
    };
    let settled = runbook.done.len() + runbook.skipped.len();
    let total =
        settled + runbook.failed.len() + runbook.in_progress.len() + runbook.not_reached.len();
    let _ = writeln!(
        out,
        "Runbook: {} (`{}`), {settled} of {total} steps done or skipped.",
        cell(&runbook.title),
        runbook.name
    );
    let groups = [
        ("Done", &runbook.done),
        ("Skipped", &runbook.skipped),
        ("Failed", &runbook.failed),
        ("In progress", &runbook.in_progress),
        ("Not reached", &runbook.not_reached),
    ];
    for (heading, steps) in groups {
        let _ = writeln!(out, "\n### {heading}\n");
        if steps.is_empty() {
            out.push_str("None.\n");
        }
        for step in steps {
            out.push_str(&step_line(step));
        }
    }
}

fn step_line(step: &StepRecord) -> String {
    let mut line = format!(
        "- {} (`{}`, {})",
        inert(&step.text),
        step.id,
        inert(&step.section)
    );
    if let Some(reason) = &step.reason {
        let _ = write!(line, ": {}", inert(reason));
    }
    if let (Some(by), Some(at)) = (&step.by, step.at) {
        let _ = write!(line, " by {} at {}", inert(by), time(at));
    }
    line.push('\n');
    line
}

fn action_items(out: &mut String, figures: &Figures) {
    out.push_str("\n## Action items\n\n| Item | Owner | Type | State |\n|---|---|---|---|\n");
    for item in &figures.action_items {
        let owner = item.owner.as_deref().unwrap_or("—");
        let _ = writeln!(
            out,
            "| {} | {} | follow-up | {} |",
            cell(&item.text),
            cell(owner),
            item.state.word()
        );
    }
    out.push_str(
        "| _fill: mitigate, prevent or process item_ | _owner_ | _type_ | _ticket, due date_ |\n",
    );
}

fn consistency(out: &mut String, figures: &Figures) {
    out.push_str("\n## Data consistency\n\n");
    let Some(evidence) = &figures.consistency else {
        out.push_str(
            "No reconciliation was recorded. Run `warroom reconcile` for the outage window and \
             record its result before setting the consistency-restored milestone.\n",
        );
        return;
    };
    let status = evidence
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let _ = writeln!(out, "Reconciliation status: **{}**\n", cell(status));
    if let Some(counts) = evidence.get("counts").and_then(Value::as_object) {
        out.push_str("| Category | Count |\n|---|---|\n");
        for (category, count) in counts {
            let _ = writeln!(out, "| {} | {count} |", cell(category));
        }
    }
    if let Some(totals) = evidence.get("totals").and_then(Value::as_object) {
        out.push_str("\n| Currency | Ours (minor units) | Gateway (minor units) | Difference |\n|---|---|---|---|\n");
        for (currency, total) in totals {
            let number = |name: &str| {
                total
                    .get(name)
                    .map_or_else(|| "—".to_owned(), Value::to_string)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(currency),
                number("ours_minor"),
                number("gateway_minor"),
                number("delta_minor")
            );
        }
    }
}

fn appendix(out: &mut String, incident: &Incident, evidence_ids: &[String]) {
    out.push_str("\n## Evidence\n");
    if evidence_ids.is_empty() {
        out.push_str("\nNo entry carried evidence.\n");
    }
    for (n, id) in evidence_ids.iter().enumerate() {
        let Some(entry) = incident
            .timeline
            .entries()
            .iter()
            .find(|e| e.id.as_str() == id)
        else {
            continue;
        };
        let n = n + 1;
        let pretty = entry
            .evidence
            .as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok())
            .unwrap_or_default();
        let pretty: Vec<_> = pretty.lines().map(inert).collect();
        let pretty = pretty.join("\n");
        let fence = fence_for(&pretty);
        let _ = write!(
            out,
            "\n### E{n}\n\n<a id=\"e{n}\"></a>{} — {} (entry `{id}`)\n\n{fence}json\n{pretty}\n{fence}\n",
            time(entry.occurred_at),
            inert(&entry.text),
        );
    }
}

/// A backtick fence longer than any run of backticks in `text`, so evidence cannot close it.
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}
