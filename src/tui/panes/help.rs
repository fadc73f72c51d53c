//! The help overlay: every key of the focused pane and the global ones, from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::tui::app::PaneId;
use crate::tui::keymap::bindings_for;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, focus: PaneId, theme: &Theme) {
    let mut lines: Vec<Line<'_>> = bindings_for(focus)
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<11}", b.label), theme.accent),
                Span::styled(b.help, theme.text),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled(format!(" {:<11}", "Ctrl-C"), theme.accent),
        Span::styled("quit at once", theme.text),
    ]));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " Statuses: ✔ ok  ▲ warn  ◐ degraded  ✖ fail  ■ blocked  · skipped  … pending",
        theme.muted,
    ));
    let height = lines.len() as u16 + 2;
    let popup = centered(area, 78, height);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Keys: {} pane (Esc closes) ", focus.title()),
            theme.title,
        ));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
