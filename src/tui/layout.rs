//! Where each pane goes, from an 80×24 tmux pane to a wall screen.
//!
//! Three shapes, chosen by size alone so that every viewer of a shared window sees the same:
//! - wide (at least 160×40): the path and the logs on the left; the checklist, the histogram
//!   and the timeline on the right;
//! - medium (at least 110×32): the path beside the checklist on top, the logs beside the
//!   histogram and timeline below;
//! - narrow (anything smaller): one pane at a time under a tab bar that carries each pane's
//!   status, so a failure elsewhere is never hidden.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::PaneId;

/// Where the panes and the tab bar go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrangement {
    pub panes: Vec<(PaneId, Rect)>,
    /// The tab bar, in the narrow shape only.
    pub tabs: Option<Rect>,
}

/// Arranges the `present` panes in `area`; in the narrow shape only `focus` is shown.
#[must_use]
pub fn arrange(area: Rect, present: &[PaneId], focus: PaneId) -> Arrangement {
    let has = |pane| present.contains(&pane);
    if present.len() <= 1 {
        return Arrangement {
            panes: present.iter().map(|p| (*p, area)).collect(),
            tabs: None,
        };
    }
    if area.width >= 160 && area.height >= 40 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(area);
        let mut panes = stack(left, &[(PaneId::Path, 45), (PaneId::Logs, 55)], &has);
        panes.extend(stack(
            right,
            &[
                (PaneId::Checklist, 40),
                (PaneId::Histogram, 28),
                (PaneId::Timeline, 32),
            ],
            &has,
        ));
        return Arrangement { panes, tabs: None };
    }
    if area.width >= 110 && area.height >= 32 {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(48), Constraint::Percentage(52)]).areas(area);
        let [top_left, top_right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(top);
        let [bottom_left, bottom_right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(bottom);
        let mut panes = stack(top_left, &[(PaneId::Path, 100)], &has);
        panes.extend(stack(top_right, &[(PaneId::Checklist, 100)], &has));
        panes.extend(stack(bottom_left, &[(PaneId::Logs, 100)], &has));
        panes.extend(stack(
            bottom_right,
            &[(PaneId::Histogram, 50), (PaneId::Timeline, 50)],
            &has,
        ));
        // A pane whose neighbour is absent takes the whole row.
        return Arrangement {
            panes: widen_lonely(&panes, top, bottom),
            tabs: None,
        };
    }
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    Arrangement {
        panes: vec![(focus, body)],
        tabs: Some(tabs),
    }
}

/// Splits `area` vertically among the panes of `slots` that are present, by their shares.
fn stack(area: Rect, slots: &[(PaneId, u16)], has: &dyn Fn(PaneId) -> bool) -> Vec<(PaneId, Rect)> {
    let present: Vec<(PaneId, u16)> = slots.iter().copied().filter(|(p, _)| has(*p)).collect();
    let total: u16 = present.iter().map(|(_, share)| share).sum();
    if present.is_empty() {
        return Vec::new();
    }
    let constraints = present
        .iter()
        .map(|(_, share)| Constraint::Ratio(u32::from(*share), u32::from(total)));
    let areas = Layout::vertical(constraints).split(area);
    present
        .iter()
        .zip(areas.iter())
        .map(|((pane, _), rect)| (*pane, *rect))
        .collect()
}

fn widen_lonely(panes: &[(PaneId, Rect)], top: Rect, bottom: Rect) -> Vec<(PaneId, Rect)> {
    let in_row = |row: Rect| {
        panes
            .iter()
            .filter(|(_, r)| r.y >= row.y && r.y < row.y + row.height)
            .count()
    };
    let (top_count, bottom_count) = (in_row(top), in_row(bottom));
    panes
        .iter()
        .map(|(pane, rect)| {
            let row = if rect.y < bottom.y { top } else { bottom };
            let alone = if rect.y < bottom.y {
                top_count == 1
            } else {
                bottom_count == 1
            };
            (*pane, if alone { row } else { *rect })
        })
        .collect()
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]
mod tests {
    use super::*;

    const ALL: [PaneId; 5] = [
        PaneId::Path,
        PaneId::Logs,
        PaneId::Histogram,
        PaneId::Checklist,
        PaneId::Timeline,
    ];

    fn area(width: u16, height: u16) -> Rect {
        Rect::new(0, 0, width, height)
    }

    #[test]
    fn small_screens_show_one_pane_under_tabs() {
        let arrangement = arrange(area(80, 23), &ALL, PaneId::Checklist);
        assert_eq!(arrangement.panes.len(), 1);
        assert_eq!(arrangement.panes[0].0, PaneId::Checklist);
        assert!(arrangement.tabs.is_some());
    }

    #[test]
    fn large_screens_show_every_pane_without_overlap() {
        for (w, h) in [(120, 40), (200, 60)] {
            let arrangement = arrange(area(w, h), &ALL, PaneId::Path);
            assert_eq!(arrangement.panes.len(), 5, "{w}x{h}");
            for (i, (_, a)) in arrangement.panes.iter().enumerate() {
                for (_, b) in &arrangement.panes[i + 1..] {
                    assert!(!a.intersects(*b), "{a:?} overlaps {b:?} at {w}x{h}");
                }
            }
        }
    }

    #[test]
    fn a_single_pane_takes_the_whole_area() {
        let arrangement = arrange(area(200, 60), &[PaneId::Path], PaneId::Path);
        assert_eq!(arrangement.panes, vec![(PaneId::Path, area(200, 60))]);
    }

    #[test]
    fn without_logs_the_path_pane_takes_the_left_column() {
        let present = [PaneId::Path, PaneId::Checklist, PaneId::Timeline];
        let arrangement = arrange(area(200, 60), &present, PaneId::Path);
        let path = arrangement
            .panes
            .iter()
            .find(|(p, _)| *p == PaneId::Path)
            .unwrap()
            .1;
        assert_eq!(path.height, 60);
    }
}
