//! The log pane: the live stream, coloured by status class or level, with its source, the
//! filters in the title, and a count of lines that are not on screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{pane_block_with, truncate_to};
use crate::logs::snapshot::RecentLine;
use crate::logs::{Level, StatusClass};
use crate::text::inert;
use crate::tui::logs_state::{ClassFilter, LogsPane};
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, pane: &LogsPane, theme: &Theme, focused: bool) {
    let mut title = String::from("Logs");
    if pane.frozen_at.is_some() {
        title.push_str(" · paused");
    }
    if pane.class_filter != ClassFilter::All {
        title.push_str(&format!(" · {}", pane.class_filter.label()));
    }
    if let Some((text, _)) = &pane.text_filter {
        title.push_str(&format!(" · /{}", truncate_to(text, 20)));
    }
    let block = pane_block_with(&title, focused, theme)
        .title_bottom(Line::styled(footer(pane), theme.muted));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let height = usize::from(inner.height);
    let width = usize::from(inner.width);
    let multi_source = pane.view.sources.len() > 1;
    let lines: Vec<Line<'_>> = pane
        .visible(height)
        .into_iter()
        .map(|l| line(l, width, multi_source, theme))
        .collect();
    if lines.is_empty() {
        let message = if pane.view.sources.is_empty() {
            "waiting for log sources"
        } else {
            "no line matches yet"
        };
        frame.render_widget(Paragraph::new(Line::styled(message, theme.muted)), inner);
        return;
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn footer(pane: &LogsPane) -> String {
    let mut parts = Vec::new();
    let waiting = pane.waiting();
    if waiting > 0 {
        parts.push(format!("{waiting} new while paused"));
    }
    if pane.view.lines_not_shown > 0 {
        parts.push(format!(
            "{} lines too fast to show",
            pane.view.lines_not_shown
        ));
    }
    for source in &pane.view.sources {
        if let Some(error) = source.errors.last() {
            parts.push(format!("{}: {}", source.name, error));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(" · "))
    }
}

/// One log line. A parsed request reads as time, status, method, path, upstream and latency,
/// the fields a responder scans for; anything else is shown as written (made inert by the log
/// module). The source is named only when several are tailed.
fn line<'a>(line: &'a RecentLine, width: usize, multi_source: bool, theme: &Theme) -> Line<'a> {
    let style = style_of(line, theme);
    let mut spans = Vec::new();
    let mut used = 0;
    if multi_source {
        let source = format!("{} ", truncate_to(&line.source_name, 12));
        used += source.chars().count();
        spans.push(Span::styled(source, theme.muted));
    }
    let time = chrono::DateTime::from_timestamp(line.arrived, 0)
        .map(|t| t.format("%H:%M:%S ").to_string())
        .unwrap_or_default();
    used += time.len();
    spans.push(Span::styled(time, theme.muted));
    let body = match (line.status, &line.path) {
        (Some(status), Some(path)) => {
            let mut text = format!("{status} {} {path}", line.method.as_deref().unwrap_or("-"));
            if let Some(upstream) = &line.upstream {
                text.push_str(&format!(" → {upstream}"));
            }
            if let Some(latency) = &line.latency {
                text.push_str(&format!(" {latency}s"));
            }
            text
        }
        _ => line.text.clone(),
    };
    spans.push(Span::styled(
        truncate_to(&inert(&body), width.saturating_sub(used)),
        style,
    ));
    Line::from(spans)
}

/// The style of a line: by status class when it has one, else by level.
#[must_use]
pub fn style_of(line: &RecentLine, theme: &Theme) -> Style {
    match (line.class(), line.level) {
        (Some(StatusClass::ServerError), _) => theme.class_5xx,
        (Some(StatusClass::ClientError), _) => theme.class_4xx,
        (Some(StatusClass::Redirect), _) => theme.class_3xx,
        (Some(StatusClass::Success | StatusClass::Informational), _) => theme.class_2xx,
        (None, Some(Level::Error)) => theme.fail,
        (None, Some(Level::Warn)) => theme.warn,
        (None, _) => theme.text,
    }
}
