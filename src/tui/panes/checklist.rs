//! The checklist pane: the runbook's sections with progress, each step's state and owner, the
//! live evidence of bound steps, and the selected step's command and evidence in a detail area.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};

use super::{pane_block_with, truncate_to};
use crate::probe::model::RoundReport;
use crate::runbook::CheckBinding;
use crate::runbook::evidence::EvidenceStatus;
use crate::text::inert;
use crate::timeline::StepState;
use crate::tui::incident_view::IncidentView;
use crate::tui::theme::Theme;

pub fn render(
    frame: &mut Frame<'_>,
    area: Rect,
    view: &IncidentView,
    round: &RoundReport,
    theme: &Theme,
    focused: bool,
) {
    let checklist = &view.incident.checklist;
    let Some(outline) = checklist.outline() else {
        let block = pane_block_with("Checklist", focused, theme);
        frame.render_widget(
            Paragraph::new(Line::styled("no runbook loaded", theme.muted)).block(block),
            area,
        );
        return;
    };
    let total = checklist.total_progress();
    let title = format!(
        "Checklist · {} · {}/{}",
        inert(&outline.title),
        total.settled,
        total.total
    );
    let block = pane_block_with(&title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let detail_height = if view.checklist.details {
        inner.height / 2
    } else {
        0
    };
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_height)]).areas(inner);

    let width = usize::from(list_area.width);
    let mut lines = Vec::new();
    let mut cursor_line = 0;
    let mut index = 0;
    for (section_index, section) in outline.sections.iter().enumerate() {
        let progress = checklist.section_progress(section_index);
        lines.push(Line::styled(
            truncate_to(
                &format!(
                    "{} ({}/{})",
                    inert(&section.title),
                    progress.settled,
                    progress.total
                ),
                width,
            ),
            theme.title,
        ));
        for step in &section.steps {
            let selected = index == view.checklist.cursor;
            if selected {
                cursor_line = lines.len();
            }
            let progress = checklist.progress(&step.id);
            let (glyph, style) = state_mark(progress.state, theme);
            let owner = checklist
                .owner(&step.id)
                .map(|o| format!(" @{}", inert(o)))
                .unwrap_or_default();
            let evidence = step
                .check
                .as_ref()
                .map(|binding| view.evidence(binding, round));
            let evidence_text = evidence
                .as_ref()
                .map(|e| format!(" [{} {}]", evidence_glyph(e.status), e.status.word()))
                .unwrap_or_default();
            let room =
                width.saturating_sub(4 + owner.chars().count() + evidence_text.chars().count());
            let text_style = if selected && focused {
                theme.selection
            } else {
                theme.text
            };
            let mut spans = vec![
                Span::styled(format!(" {glyph} "), style),
                Span::styled(truncate_to(&inert(&step.text), room), text_style),
                Span::styled(owner, theme.muted),
            ];
            if let Some(e) = &evidence {
                spans.push(Span::styled(evidence_text, evidence_style(e.status, theme)));
            }
            lines.push(Line::from(spans));
            index += 1;
        }
    }
    let height = usize::from(list_area.height);
    let scroll = cursor_line.saturating_sub(height.saturating_sub(2));
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), list_area);

    if detail_height > 0 {
        frame.render_widget(
            Paragraph::new(detail_lines(view, round, theme))
                .wrap(Wrap { trim: false })
                .block(
                    ratatui::widgets::Block::default()
                        .borders(Borders::TOP)
                        .border_style(theme.border),
                ),
            detail_area,
        );
    }
}

fn detail_lines<'a>(view: &IncidentView, round: &RoundReport, theme: &Theme) -> Vec<Line<'a>> {
    let checklist = &view.incident.checklist;
    let Some(step) = view.checklist.selected(checklist) else {
        return Vec::new();
    };
    let progress = checklist.progress(&step.id);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", step.id), theme.accent),
        Span::styled(
            progress.state.word().to_owned(),
            state_mark(progress.state, theme).1,
        ),
        Span::styled(
            progress
                .changed_by
                .as_ref()
                .map(|by| format!(" by {}", inert(by)))
                .unwrap_or_default(),
            theme.muted,
        ),
    ])];
    if let Some(reason) = &progress.reason {
        lines.push(Line::styled(
            format!("reason: {}", inert(reason)),
            theme.text,
        ));
    }
    if let Some(binding) = &step.check {
        let evidence = view.evidence(binding, round);
        lines.push(Line::styled(
            format!("live: {}", inert(&evidence.summary)),
            evidence_style(evidence.status, theme),
        ));
    }
    if matches!(step.check, Some(CheckBinding::Reconcile)) {
        lines.extend(reconcile_lines(view, theme));
    }
    if let Some(command) = view.commands.get(&step.id) {
        lines.push(Line::styled(
            "command (copy and run it yourself):",
            theme.muted,
        ));
        for line in command.lines() {
            lines.push(Line::styled(format!("  {}", inert(line)), theme.accent));
        }
    }
    lines
}

/// The latest reconciliation's categories and per-currency totals, or how to run one.
fn reconcile_lines<'a>(view: &IncidentView, theme: &Theme) -> Vec<Line<'a>> {
    let Some(summary) = &view.reconcile else {
        return vec![Line::styled(
            "no reconciliation yet: C runs the configured one",
            theme.muted,
        )];
    };
    let mut lines = Vec::new();
    if let Some(counts) = summary.get("counts").and_then(|c| c.as_object()) {
        let parts: Vec<String> = counts
            .iter()
            .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
            .map(|(category, n)| format!("{category} {n}"))
            .collect();
        lines.push(Line::styled(
            format!("categories: {}", inert(&parts.join(", "))),
            theme.text,
        ));
    }
    if let Some(totals) = summary.get("totals").and_then(|t| t.as_object()) {
        for (currency, figures) in totals {
            let field = |name: &str| {
                figures
                    .get(name)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            };
            lines.push(Line::styled(
                format!(
                    "{}: ours {} ({} minor), gateway {} ({} minor), delta {}",
                    inert(currency),
                    field("ours_count"),
                    field("ours_minor"),
                    field("gateway_count"),
                    field("gateway_minor"),
                    field("delta_minor"),
                ),
                theme.text,
            ));
        }
    }
    lines
}

/// Glyph and style of a step state; the glyph reads without colour.
#[must_use]
pub fn state_mark(state: StepState, theme: &Theme) -> (&'static str, Style) {
    match state {
        StepState::Todo => ("[ ]", theme.text),
        StepState::Doing => ("[~]", theme.accent),
        StepState::Done => ("[✔]", theme.ok),
        StepState::Skipped => ("[-]", theme.muted),
        StepState::Failed => ("[✖]", theme.fail),
    }
}

fn evidence_glyph(status: EvidenceStatus) -> &'static str {
    match status {
        EvidenceStatus::Unknown => "…",
        EvidenceStatus::Ok => "✔",
        EvidenceStatus::Warn => "▲",
        EvidenceStatus::Fail => "✖",
    }
}

fn evidence_style(status: EvidenceStatus, theme: &Theme) -> Style {
    match status {
        EvidenceStatus::Unknown => theme.unknown,
        EvidenceStatus::Ok => theme.ok,
        EvidenceStatus::Warn => theme.warn,
        EvidenceStatus::Fail => theme.fail,
    }
}
