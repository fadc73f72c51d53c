//! Drawing: the whole screen from the app state, one module per region.
//!
//! Each pane has the same entry point, `render(frame, area, state, theme)`, and draws only from
//! prepared state: no I/O, no statistics, nothing that could make a frame slow.

pub mod help;
pub mod hop_detail;
pub mod path;
pub mod status_bar;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Overlay, PaneId};
use super::theme::Theme;
use crate::probe::model::{HopStatus, Verdict};

/// The smallest screen the layouts are made for; below it a message says so.
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
    for pane in &app.panes {
        match pane {
            PaneId::Path => path::render(frame, main, &app.path, theme, app.focus == PaneId::Path),
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
