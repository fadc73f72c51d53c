//! The status-code pane: counts and share per class in the chosen window, the top codes, a
//! per-second rate chart per class, and the paths failing most.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{pane_block_with, truncate_to};
use crate::logs::StatusClass;
use crate::logs::histogram::Window;
use crate::logs::snapshot::HistogramSnapshot;
use crate::tui::logs_state::LogsPane;
use crate::tui::theme::Theme;

const CLASSES: [StatusClass; 4] = [
    StatusClass::Success,
    StatusClass::Redirect,
    StatusClass::ClientError,
    StatusClass::ServerError,
];
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn render(frame: &mut Frame<'_>, area: Rect, pane: &LogsPane, theme: &Theme, focused: bool) {
    let window_label = match pane.window {
        Window::OneMinute => "1m",
        Window::FiveMinutes => "5m",
        Window::FifteenMinutes => "15m",
        Window::SinceStart => "since start",
    };
    let spike = pane.view.histogram.as_ref().is_some_and(|h| h.spike_active);
    let title = format!(
        "Status codes · {window_label}{}",
        if spike { " · ✖ 5xx SPIKE" } else { "" }
    );
    let block = pane_block_with(&title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(histogram) = &pane.view.histogram else {
        frame.render_widget(
            Paragraph::new(Line::styled("no log line counted yet", theme.muted)),
            inner,
        );
        return;
    };

    let chart_rows = u16::from(inner.height > 10) * 5;
    let [counts_area, chart_area, top_area] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(chart_rows),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(count_lines(
            histogram,
            pane.window,
            counts_area.width,
            theme,
        )),
        counts_area,
    );
    if chart_rows > 0 {
        frame.render_widget(
            Paragraph::new(rate_chart(histogram, chart_area.width, theme)),
            chart_area,
        );
    }
    frame.render_widget(
        Paragraph::new(top_paths(histogram, pane.window, top_area.width, theme)),
        top_area,
    );
}

fn class_style(class: StatusClass, theme: &Theme) -> Style {
    match class {
        StatusClass::ServerError => theme.class_5xx,
        StatusClass::ClientError => theme.class_4xx,
        StatusClass::Redirect => theme.class_3xx,
        _ => theme.class_2xx,
    }
}

fn count_lines<'a>(
    histogram: &HistogramSnapshot,
    window: Window,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let Some(counts) = histogram.window(window) else {
        return Vec::new();
    };
    let total = counts.requests.max(1);
    let bar_room = usize::from(width).saturating_sub(28).max(4);
    let mut lines: Vec<Line<'a>> = CLASSES
        .iter()
        .map(|class| {
            let n = counts.classes[class.index()];
            let share = n as f64 / total as f64;
            let bar = "█".repeat(((share * bar_room as f64).round() as usize).min(bar_room));
            Line::from(vec![
                Span::styled(format!("{:<4}", class.name()), class_style(*class, theme)),
                Span::styled(format!("{n:>9} {:>6.1}% ", share * 100.0), theme.text),
                Span::styled(bar, class_style(*class, theme)),
            ])
        })
        .collect();
    let codes: Vec<Span<'a>> = counts
        .codes
        .iter()
        .take(6)
        .map(|(code, n)| {
            let style = StatusClass::of(*code).map_or(theme.text, |c| class_style(c, theme));
            Span::styled(format!("{code}×{n}  "), style)
        })
        .collect();
    lines.push(Line::from(codes));
    lines.push(Line::styled(
        format!(
            "{} requests · 5xx share {:.1}%",
            counts.requests,
            counts.server_error_share * 100.0
        ),
        theme.muted,
    ));
    lines
}

/// One row of block characters per class for the last seconds, scaled per class.
fn rate_chart<'a>(histogram: &HistogramSnapshot, width: u16, theme: &Theme) -> Vec<Line<'a>> {
    let columns = usize::from(width).saturating_sub(6);
    let series = &histogram.series[histogram.series.len().saturating_sub(columns)..];
    let mut lines = vec![Line::styled(
        format!("per second, last {}s", series.len()),
        theme.muted,
    )];
    for class in CLASSES {
        let values: Vec<u32> = series.iter().map(|s| s.classes[class.index()]).collect();
        let max = values.iter().copied().max().unwrap_or(0);
        let bars: String = values
            .iter()
            .map(|v| {
                if max == 0 || *v == 0 {
                    ' '
                } else {
                    BARS[((f64::from(*v) / f64::from(max)) * 7.0).round() as usize]
                }
            })
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:<4}  ", class.name()), class_style(class, theme)),
            Span::styled(bars, class_style(class, theme)),
        ]));
    }
    lines
}

fn top_paths<'a>(
    histogram: &HistogramSnapshot,
    window: Window,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let Some(counts) = histogram.window(window) else {
        return Vec::new();
    };
    if counts.top_5xx_paths.is_empty() {
        return vec![Line::styled("no 5xx in this window", theme.muted)];
    }
    let mut lines = vec![Line::styled("most 5xx by path", theme.muted)];
    for (path, n) in counts.top_5xx_paths.iter().take(5) {
        let room = usize::from(width).saturating_sub(10);
        lines.push(Line::from(vec![
            Span::styled(format!("{n:>8}  "), theme.class_5xx),
            Span::styled(truncate_to(&crate::text::inert(path), room), theme.text),
        ]));
    }
    lines
}
