//! The status bar: incident clock and the clocks to detect, mitigate, resolve and restore as
//! milestones arrive, overall verdict, severity and status, the journal path, and problems that
//! need attention (a journal write that failed, a status update overdue).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use crate::duration::format_duration;
use crate::text::inert;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let elapsed = app.incident_elapsed().as_secs();
    let clock = format!(
        "{:02}:{:02}:{:02}",
        elapsed / 3600,
        elapsed % 3600 / 60,
        elapsed % 60
    );
    let verdict = app.path.overall();
    let state = &app.incident.incident.state;
    let clocks = state.clocks(app.now, app.incident.status_reminder);
    let separator = || Span::styled(" │ ", theme.muted);

    let mut spans = vec![
        Span::styled(format!(" ⏱ {clock}"), theme.accent),
        separator(),
        Span::styled(
            format!("{} {}", verdict.glyph(), verdict.word().to_uppercase()),
            theme.verdict(verdict),
        ),
    ];
    if let Some(severity) = state.severity {
        spans.push(separator());
        spans.push(Span::styled(format!("SEV{}", severity.level()), theme.warn));
    }
    if let Some(status) = state.status {
        spans.push(Span::styled(format!(" {}", status.word()), theme.text));
    }
    for (label, value) in [
        ("TTD", clocks.to_detect),
        ("TTM", clocks.to_mitigate),
        ("TTR", clocks.to_resolve),
        ("TTC", clocks.to_restore),
    ] {
        if let Some(value) = value {
            spans.push(separator());
            spans.push(Span::styled(
                format!("{label} {}", format_duration(value)),
                theme.text,
            ));
        }
    }
    if clocks.status_update_due {
        spans.push(separator());
        spans.push(Span::styled("▲ status update due (S)", theme.warn));
    }
    if app.incident.pending_writes > 0 {
        spans.push(separator());
        spans.push(Span::styled(
            format!("saving {}", app.incident.pending_writes),
            theme.muted,
        ));
    }
    if let Some(problem) = &app.incident.problem {
        spans.push(separator());
        spans.push(Span::styled(format!("✖ {}", inert(problem)), theme.fail));
    } else if let Some(path) = &app.incident.exported {
        spans.push(separator());
        spans.push(Span::styled(format!("exported {}", inert(path)), theme.ok));
    }
    spans.push(separator());
    spans.push(Span::styled(
        format!("[{}] ? help", app.focus.title()),
        theme.muted,
    ));
    // The journal path and the title go last, and only when they fit whole.
    for extra in [
        format!("  {}", inert(&app.incident.journal_path)),
        format!("  {}", inert(&app.title)),
    ] {
        let used: usize = spans.iter().map(Span::width).sum();
        if used + extra.width() <= usize::from(area.width) {
            spans.push(Span::styled(extra, theme.muted));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
