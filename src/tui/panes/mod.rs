//! Drawing: the whole screen from the app state, one module per region.
//!
//! Each pane has the same shape of entry point, `render(frame, area, state, theme, focused)`,
//! and draws only from prepared state: no I/O, no statistics, nothing that could make a frame
//! slow.

pub mod checklist;
pub mod help;
pub mod histogram;
pub mod hop_detail;
pub mod input;
pub mod logs;
pub mod path;
pub mod status_bar;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::app::{App, PaneId};
use super::layout::arrange;
use super::overlay::Overlay;
use super::theme::Theme;
use crate::probe::model::{HopStatus, Verdict};

/// The smallest screen the layouts are made for; below it a message says so. A tmux window in
/// an 80×24 terminal leaves 80×23 to the pane, which must work.
pub const MIN_WIDTH: u16 = 72;
pub const MIN_HEIGHT: u16 = 18;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, theme);
        return;
    }
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let arrangement = arrange(main, &app.panes, app.focus);
    if let Some(tabs) = arrangement.tabs {
        draw_tabs(frame, tabs, app, theme);
    }
    let round = app.round();
    for (pane, rect) in arrangement.panes {
        let focused = app.focus == pane;
        match (pane, &app.logs) {
            (PaneId::Path, _) => path::render(frame, rect, &app.path, theme, focused),
            (PaneId::Logs, Some(logs)) => logs::render(frame, rect, logs, theme, focused),
            (PaneId::Histogram, Some(logs)) => histogram::render(frame, rect, logs, theme, focused),
            (PaneId::Logs | PaneId::Histogram, None) => {}
            (PaneId::Checklist, _) => {
                checklist::render(frame, rect, &app.incident, round, theme, focused);
            }
            (PaneId::Timeline, _) => timeline::render(frame, rect, &app.incident, theme, focused),
        }
    }
    status_bar::render(frame, status, app, theme);

    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(frame, area, app.focus, theme),
        Overlay::HopDetail { scroll } => {
            hop_detail::render(frame, area, &app.path, *scroll, app.now, theme);
        }
        Overlay::ConfirmQuit => draw_confirm(frame, area, theme),
        Overlay::Input { purpose, text } => input::render_input(frame, area, *purpose, text, theme),
        Overlay::Pick { purpose, selected } => {
            input::render_pick(frame, area, *purpose, *selected, theme);
        }
    }
}

/// The tab bar of the narrow layout: every pane with a word on its state, so a failure in a
/// pane that is not shown still shows.
fn draw_tabs(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    for pane in &app.panes {
        let (badge, style) = tab_badge(*pane, app, theme);
        let label = format!(" {}{} ", pane.title(), badge);
        let label_style = if *pane == app.focus {
            theme.selection
        } else {
            style
        };
        spans.push(Span::styled(label, label_style));
        spans.push(Span::styled("│", theme.muted));
    }
    spans.push(Span::styled(" Tab switches", theme.muted));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn tab_badge(pane: PaneId, app: &App, theme: &Theme) -> (String, Style) {
    match pane {
        PaneId::Path => {
            let verdict = app.path.overall();
            (format!(" {}", verdict.glyph()), theme.verdict(verdict))
        }
        PaneId::Logs | PaneId::Histogram => {
            let spike = app
                .logs
                .as_ref()
                .and_then(|l| l.view.histogram.as_ref())
                .is_some_and(|h| h.spike_active);
            if spike {
                (" ✖ 5xx".to_owned(), theme.fail)
            } else {
                (String::new(), theme.text)
            }
        }
        PaneId::Checklist => {
            let progress = app.incident.incident.checklist.total_progress();
            (
                format!(" {}/{}", progress.settled, progress.total),
                theme.text,
            )
        }
        PaneId::Timeline => (
            format!(" {}", app.incident.incident.timeline.len()),
            theme.text,
        ),
    }
}

fn draw_too_small(frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let text = vec![
        Line::styled("terminal too small", theme.warn),
        Line::raw(format!(
            "{}×{}, warroom needs at least {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        )),
        Line::styled(
            "enlarge the window or zoom the tmux pane (prefix z); q quits",
            theme.muted,
        ),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

fn draw_confirm(frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let popup = centered(area, 40, 5);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(" Quit warroom? ", theme.title));
    let text = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled(" y ", theme.selection),
            Span::raw(" quit    "),
            Span::styled(" any other key ", theme.selection),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(Paragraph::new(text).block(block), popup);
}

/// A rectangle of at most `width`×`height` centred in `area`.
#[must_use]
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A bordered block titled with the pane's name, highlighted when focused.
#[must_use]
pub fn pane_block<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
    pane_block_with(title, focused, theme)
}

/// [`pane_block`] with a title made at draw time (counts, filters).
#[must_use]
pub fn pane_block_with<'a>(title: &str, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, marker) = if focused {
        (theme.border_focused, "▶ ")
    } else {
        (theme.border, "")
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(vec![Span::styled(
            format!(" {marker}{title} "),
            theme.title,
        )]))
}

/// Cuts `text` to at most `width` columns, marking the cut with an ellipsis; wide characters
/// count as two.
#[must_use]
pub fn truncate_to(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

impl Theme {
    /// The style of a hop status.
    #[must_use]
    pub fn hop(&self, status: HopStatus) -> Style {
        match status {
            HopStatus::Ok => self.ok,
            HopStatus::Warn => self.warn,
            HopStatus::Fail => self.fail,
            HopStatus::Blocked => self.blocked,
            HopStatus::Pending | HopStatus::Skipped => self.unknown,
        }
    }

    /// The style of a verdict.
    #[must_use]
    pub fn verdict(&self, verdict: Verdict) -> Style {
        match verdict {
            Verdict::Ok => self.ok,
            Verdict::Warn | Verdict::Degraded => self.warn,
            Verdict::Fail => self.fail,
            Verdict::Pending => self.unknown,
        }
    }
}
