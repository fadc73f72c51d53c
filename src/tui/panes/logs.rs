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
    let lines: Vec<Line<'_>> = pane
        .visible(height)
        .into_iter()
        .map(|l| line(l, width, theme))
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

fn line<'a>(line: &'a RecentLine, width: usize, theme: &Theme) -> Line<'a> {
    let style = style_of(line, theme);
    let source = format!("{} ", truncate_to(&line.source_name, 12));
    let room = width.saturating_sub(source.chars().count());
    Line::from(vec![
        Span::styled(source, theme.muted),
        Span::styled(truncate_to(&line.text, room), style),
    ])
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
