//! The path pane: every target's hop chain left to right, one row per resolved address, the
//! break named in one sentence, latency sparklines when there is room, dependencies in a strip.
//!
//! ```text
//!  ✖ FAIL webhooks  https://api.demo.test/webhooks
//!  Breaks at Ingress on 127.0.0.2: certificate expired 3 days ago
//!                 Domain      Public IP   Firewall    Ingress     App
//!  127.0.0.1      ✔ ok 1.2ms  ✔ ok        ✔ ok 0.3ms  ✔ ok 4.1ms  ✔ ok 12ms
//!  127.0.0.2      │           │           ✔ ok 0.2ms  ✖ fail 3ms  ■ blocked
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{pane_block, truncate_to};
use crate::duration::format_ms;
use crate::probe::model::{HopId, HopStatus, Verdict};
use crate::text::inert;
use crate::tui::path_state::{PathState, RowRef, TargetView};
use crate::tui::theme::Theme;

/// The address column fits an IPv4 address and a space; longer IPv6 addresses are cut with an
/// ellipsis here and shown in full in the detail overlay.
const MAX_LABEL_WIDTH: usize = 16;
/// The sentence naming the break gets this many lines at most; it can name two faults.
const SUMMARY_LINES: usize = 2;
/// The row label of a target whose name has not resolved yet.
const RESOLVING: &str = "resolving";
const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &PathState, theme: &Theme, focused: bool) {
    let block = pane_block("Path", focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let width = usize::from(inner.width);
    let rows = state.rows();
    let label_width = rows
        .iter()
        .map(|r| r.ip.map_or(RESOLVING.len(), |ip| ip.to_string().len()) + 1)
        .max()
        .unwrap_or(RESOLVING.len() + 1)
        .min(MAX_LABEL_WIDTH);
    let cell_width = (width.saturating_sub(label_width) / HopId::ALL.len()).max(6);
    let with_sparklines = usize::from(inner.height) >= rows.len() * 2 + state.targets.len() * 3 + 2;
    let layout = RowLayout {
        label_width,
        cell_width,
        with_sparklines,
    };

    let mut lines = Vec::new();
    let mut selected_line = 0;
    let selected = state.selected();
    for (index, target) in state.targets.iter().enumerate() {
        target_header(&mut lines, target, theme, width);
        lines.push(column_header(layout, theme));
        let rows: Vec<RowRef> = state
            .rows()
            .into_iter()
            .filter(|r| r.target == index)
            .collect();
        for (position, row) in rows.iter().enumerate() {
            if Some(*row) == selected {
                selected_line = lines.len();
            }
            let selected_hop = (Some(*row) == selected && focused).then(|| state.selected_hop_id());
            lines.push(address_row(
                target,
                *row,
                position == 0,
                selected_hop,
                layout,
                theme,
            ));
            if layout.with_sparklines {
                lines.push(sparkline_row(target, *row, position == 0, layout, theme));
            }
        }
    }
    if state.targets.is_empty() {
        lines.push(Line::styled(
            "No target yet: start warroom with a URL or add [[target]] to the config.",
            theme.muted,
        ));
    }

    let strip = dependency_strip(state, theme);
    let body_height = inner.height.saturating_sub(u16::from(strip.is_some()));
    let scroll = scroll_to_show(selected_line, usize::from(body_height));
    let body = Rect {
        height: body_height,
        ..inner
    };
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), body);
    if let Some(strip) = strip {
        let strip_area = Rect {
            y: inner.y + body_height,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(strip), strip_area);
    }
}

#[derive(Clone, Copy)]
struct RowLayout {
    label_width: usize,
    cell_width: usize,
    with_sparklines: bool,
}

fn target_header<'a>(
    lines: &mut Vec<Line<'a>>,
    target: &'a TargetView,
    theme: &Theme,
    width: usize,
) {
    let verdict = target.verdict();
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} {} ", verdict.glyph(), verdict.word().to_uppercase()),
            theme.verdict(verdict),
        ),
        Span::styled(inert(&target.name).into_owned(), theme.title),
        Span::styled(format!("  {}", inert(&target.url)), theme.muted),
    ]));
    let summary = match &target.report {
        Some(report) => inert(&report.summary).into_owned(),
        None => "waiting for the first probe round".to_owned(),
    };
    let style = if matches!(verdict, Verdict::Fail | Verdict::Degraded) {
        theme.verdict(verdict)
    } else {
        theme.muted
    };
    for line in wrap(&summary, width, SUMMARY_LINES) {
        lines.push(Line::styled(line, style));
    }
}

fn column_header(layout: RowLayout, theme: &Theme) -> Line<'static> {
    let mut text = " ".repeat(layout.label_width);
    for hop in HopId::ALL {
        text.push_str(&pad(hop.label(), layout.cell_width));
    }
    Line::styled(text, theme.muted)
}

fn address_row(
    target: &TargetView,
    row: RowRef,
    first: bool,
    selected_hop: Option<HopId>,
    layout: RowLayout,
    theme: &Theme,
) -> Line<'static> {
    let label = row
        .ip
        .map_or_else(|| RESOLVING.to_owned(), |ip| ip.to_string());
    let mut spans = vec![Span::styled(pad(&label, layout.label_width), theme.text)];
    for hop in HopId::ALL {
        let target_level = matches!(hop, HopId::Dns | HopId::Ip);
        let (text, style) = if target_level && !first {
            ("│".to_owned(), theme.muted)
        } else {
            match target.hop(row.ip, hop) {
                Some(report) => (
                    cell_text(report.status, report.ms),
                    theme.hop(report.status),
                ),
                None => (cell_text(HopStatus::Pending, None), theme.unknown),
            }
        };
        let style = if selected_hop == Some(hop) {
            style.patch(theme.selection)
        } else {
            style
        };
        spans.push(Span::styled(pad(&text, layout.cell_width), style));
    }
    Line::from(spans)
}

fn sparkline_row(
    target: &TargetView,
    row: RowRef,
    first: bool,
    layout: RowLayout,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::raw(" ".repeat(layout.label_width))];
    for hop in HopId::ALL {
        let key = if matches!(hop, HopId::Dns | HopId::Ip) {
            (None, hop)
        } else {
            (row.ip, hop)
        };
        let text = if matches!(hop, HopId::Dns | HopId::Ip) && !first {
            String::new()
        } else {
            target
                .history
                .get(&key)
                .map(|s| sparkline(s.iter().copied(), layout.cell_width - 2))
                .unwrap_or_default()
        };
        spans.push(Span::styled(pad(&text, layout.cell_width), theme.accent));
    }
    Line::from(spans)
}

/// Latency samples as block characters scaled to the largest one; gaps where no time was taken.
fn sparkline(
    samples: impl DoubleEndedIterator<Item = Option<f64>> + ExactSizeIterator,
    width: usize,
) -> String {
    let skip = samples.len().saturating_sub(width);
    let samples: Vec<Option<f64>> = samples.skip(skip).collect();
    let max = samples.iter().flatten().copied().fold(0.0_f64, f64::max);
    samples
        .iter()
        .map(|s| match s {
            Some(ms) if max > 0.0 => SPARK[((ms / max) * 7.0).round() as usize],
            Some(_) => SPARK[0],
            None => ' ',
        })
        .collect()
}

fn dependency_strip<'a>(state: &'a PathState, theme: &Theme) -> Option<Line<'a>> {
    if state.dependencies.is_empty() {
        return None;
    }
    let mut spans = vec![Span::styled("deps ", theme.muted)];
    for dep in &state.dependencies {
        let reason = dep
            .findings
            .first()
            .map(|f| format!(" {}", f.code.as_str()))
            .unwrap_or_default();
        spans.push(Span::styled(
            format!("{} {}{}", dep.status.glyph(), inert(&dep.name), reason),
            theme.verdict(dep.status),
        ));
        spans.push(Span::raw("  "));
    }
    Some(Line::from(spans))
}

/// `✔ ok 12ms`: glyph, word and time, so the status reads without colour.
#[must_use]
pub fn cell_text(status: HopStatus, ms: Option<f64>) -> String {
    let time = match (status, ms) {
        (HopStatus::Blocked | HopStatus::Skipped | HopStatus::Pending, _) | (_, None) => {
            String::new()
        }
        (_, Some(ms)) => format!(" {}", format_ms(ms)),
    };
    format!("{} {}{}", status.glyph(), status.word(), time)
}

fn scroll_to_show(line: usize, height: usize) -> usize {
    // Keep the selected row and the two lines above it (the target's name and summary) visible.
    (line + 2)
        .saturating_sub(height.max(1))
        .min(line.saturating_sub(3))
}

fn pad(text: &str, width: usize) -> String {
    let text = truncate_to(text, width.saturating_sub(1));
    let used = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// Word-wraps `text` into at most `max_lines` lines of `width` columns, cutting the last one
/// with an ellipsis when the text is longer.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if candidate.width() <= width || current.is_empty() {
            current = candidate;
            continue;
        }
        lines.push(std::mem::replace(&mut current, word.to_owned()));
        if lines.len() == max_lines {
            break;
        }
    }
    if lines.len() < max_lines && !current.is_empty() {
        lines.push(current);
    } else if lines.len() == max_lines {
        // Words were left over: mark the cut on the last line.
        if let Some(last) = lines.last_mut() {
            *last = truncate_to(&format!("{last} …"), width);
        }
    }
    lines.into_iter().map(|l| truncate_to(&l, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_without_colour() {
        assert_eq!(cell_text(HopStatus::Ok, Some(12.4)), "✔ ok 12ms");
        assert_eq!(cell_text(HopStatus::Fail, Some(4200.0)), "✖ fail 4.2s");
        assert_eq!(cell_text(HopStatus::Blocked, Some(1.0)), "■ blocked");
    }

    #[test]
    fn sparkline_scales_to_the_largest_sample() {
        let samples = vec![Some(1.0), Some(8.0), None, Some(4.0)];
        assert_eq!(sparkline(samples.into_iter(), 10), "▂█ ▅");
    }

    #[test]
    fn the_summary_wraps_onto_two_lines_and_marks_a_cut() {
        assert_eq!(
            wrap("breaks at ingress on one", 12, 2),
            vec!["breaks at", "ingress on …"]
        );
        assert_eq!(wrap("short", 12, 2), vec!["short"]);
        assert_eq!(wrap("two words", 5, 2), vec!["two", "words"]);
    }

    #[test]
    fn truncation_respects_wide_characters() {
        assert_eq!(truncate_to("漢字漢字", 5), "漢字…");
        assert_eq!(pad("abc", 5), "abc  ");
    }

    #[test]
    fn selected_line_stays_visible() {
        assert_eq!(scroll_to_show(3, 20), 0);
        assert_eq!(scroll_to_show(40, 20), 22);
    }
}
