//! The path pane's state: the latest report per target, latency history per hop for the
//! sparklines, and the selected row and hop.
//!
//! Rows are the addresses of each target (one row for a target not resolved yet); the selected
//! hop is a column of the chain. Reports replace the previous ones whole, so the pane always
//! shows one consistent round per target.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use crate::probe::model::{DependencyReport, HopId, HopReport, TargetReport, Verdict};
use crate::probe::spec::TargetSpec;

/// How many samples a sparkline keeps.
pub const HISTORY_LEN: usize = 60;

/// One target as the pane knows it.
#[derive(Debug, Clone)]
pub struct TargetView {
    pub name: String,
    pub url: String,
    pub report: Option<TargetReport>,
    /// Milliseconds per (address, hop), oldest first; `None` entries are rounds without a time.
    pub history: HashMap<(Option<IpAddr>, HopId), VecDeque<Option<f64>>>,
}

impl TargetView {
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        self.report.as_ref().map_or(Verdict::Pending, |r| r.status)
    }

    /// The addresses shown as rows; empty until the first report.
    #[must_use]
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.report
            .as_ref()
            .map(|r| r.addresses.iter().map(|a| a.ip).collect())
            .unwrap_or_default()
    }

    /// The hop report for a row (address) and hop, if the round produced one.
    #[must_use]
    pub fn hop(&self, ip: Option<IpAddr>, hop: HopId) -> Option<&HopReport> {
        let report = self.report.as_ref()?;
        match hop {
            HopId::Dns => Some(&report.hops.dns),
            HopId::Ip => Some(&report.hops.ip),
            HopId::Tcp | HopId::Tls | HopId::Http => {
                let address = report.addresses.iter().find(|a| Some(a.ip) == ip)?;
                Some(match hop {
                    HopId::Tcp => &address.hops.tcp,
                    HopId::Tls => &address.hops.tls,
                    _ => &address.hops.http,
                })
            }
        }
    }

    fn record(&mut self, report: TargetReport) {
        let mut push = |key, ms| {
            let series = self.history.entry(key).or_default();
            if series.len() == HISTORY_LEN {
                series.pop_front();
            }
            series.push_back(ms);
        };
        push((None, HopId::Dns), report.hops.dns.ms);
        push((None, HopId::Ip), report.hops.ip.ms);
        for address in &report.addresses {
            push((Some(address.ip), HopId::Tcp), address.hops.tcp.ms);
            push((Some(address.ip), HopId::Tls), address.hops.tls.ms);
            push((Some(address.ip), HopId::Http), address.hops.http.ms);
        }
        self.report = Some(report);
    }
}

/// A selectable row: a target and one of its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef {
    pub target: usize,
    pub ip: Option<IpAddr>,
}

#[derive(Debug, Clone, Default)]
pub struct PathState {
    pub targets: Vec<TargetView>,
    pub dependencies: Vec<DependencyReport>,
    pub selected_row: usize,
    pub selected_hop: usize,
}

impl PathState {
    #[must_use]
    pub fn new(specs: &[TargetSpec]) -> Self {
        let targets = specs
            .iter()
            .map(|spec| TargetView {
                name: spec.name.clone(),
                url: spec.display_url(),
                report: None,
                history: HashMap::new(),
            })
            .collect();
        PathState {
            targets,
            ..PathState::default()
        }
    }

    /// Adds a target at run time (the commander typed a URL); returns false if it exists.
    pub fn add_target(&mut self, spec: &TargetSpec) -> bool {
        if self.targets.iter().any(|t| t.name == spec.name) {
            return false;
        }
        self.targets.push(TargetView {
            name: spec.name.clone(),
            url: spec.display_url(),
            report: None,
            history: HashMap::new(),
        });
        true
    }

    /// Takes a new report for a target; returns the previous verdict, for change detection.
    pub fn apply_report(&mut self, report: TargetReport) -> Option<Verdict> {
        let selected = self.selected();
        let view = self.targets.iter_mut().find(|t| t.name == report.name)?;
        let before = view.verdict();
        view.record(report);
        // Keep the cursor on the same address when the address set changes under it.
        if let Some(selected) = selected
            && let Some(i) = self.rows().iter().position(|r| *r == selected)
        {
            self.selected_row = i;
        }
        self.clamp();
        Some(before)
    }

    pub fn apply_dependency(&mut self, report: DependencyReport) {
        match self.dependencies.iter_mut().find(|d| d.name == report.name) {
            Some(existing) => *existing = report,
            None => self.dependencies.push(report),
        }
    }

    /// Every row in display order.
    #[must_use]
    pub fn rows(&self) -> Vec<RowRef> {
        let mut rows = Vec::new();
        for (i, target) in self.targets.iter().enumerate() {
            let addresses = target.addresses();
            if addresses.is_empty() {
                rows.push(RowRef {
                    target: i,
                    ip: None,
                });
            } else {
                rows.extend(addresses.into_iter().map(|ip| RowRef {
                    target: i,
                    ip: Some(ip),
                }));
            }
        }
        rows
    }

    #[must_use]
    pub fn selected(&self) -> Option<RowRef> {
        self.rows().get(self.selected_row).copied()
    }

    #[must_use]
    pub fn selected_hop_id(&self) -> HopId {
        HopId::ALL[self.selected_hop.min(HopId::ALL.len() - 1)]
    }

    pub fn move_row(&mut self, delta: isize) {
        let count = self.rows().len();
        if count > 0 {
            self.selected_row = self
                .selected_row
                .saturating_add_signed(delta)
                .min(count - 1);
        }
    }

    pub fn move_hop(&mut self, delta: isize) {
        self.selected_hop = self
            .selected_hop
            .saturating_add_signed(delta)
            .min(HopId::ALL.len() - 1);
    }

    pub fn select_first(&mut self) {
        self.selected_row = 0;
    }

    pub fn select_last(&mut self) {
        self.selected_row = self.rows().len().saturating_sub(1);
    }

    fn clamp(&mut self) {
        self.selected_row = self.selected_row.min(self.rows().len().saturating_sub(1));
    }

    /// The worst verdict over targets and dependencies, for the status bar.
    #[must_use]
    pub fn overall(&self) -> Verdict {
        self.targets
            .iter()
            .map(TargetView::verdict)
            .chain(self.dependencies.iter().map(|d| d.status))
            .filter(|v| *v != Verdict::Pending)
            .max()
            .unwrap_or(Verdict::Pending)
    }
}
