//! The 5xx spike detector: turns the per-second series into "spike began" and "spike ended".
//!
//! Once per closed second it compares the last few seconds (the *recent* window) with the
//! minutes before them (the *baseline*). A spike begins when, over the recent window, there were
//! enough requests to judge, the 5xx share or the 5xx rate reached its absolute threshold, and
//! the share is also a multiple of the baseline share (so a service that always fails 10% of one
//! endpoint does not alarm all day). It ends when share and rate have both fallen below half of
//! their thresholds (hysteresis, so a flapping share produces one spike, not twenty). Each
//! crossing is a [`SpikeEvent`] the incident timeline records.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::histogram::Histogram;

/// Thresholds of the detector; the defaults suit a busy ingress.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpikeThresholds {
    /// 5xx share of requests over the recent window that counts as a spike (0.05 = 5%).
    pub share: f64,
    /// 5xx per second over the recent window that counts as a spike whatever the share.
    pub rate_per_sec: f64,
    /// The recent share must also be this many times the baseline share.
    pub relative_factor: f64,
    /// Fewer requests than this in the recent window decide nothing.
    pub min_requests: u64,
    /// Length of the recent window, seconds.
    pub recent_secs: u32,
    /// Length of the baseline before it, seconds.
    pub baseline_secs: u32,
}

impl Default for SpikeThresholds {
    fn default() -> Self {
        SpikeThresholds {
            share: 0.05,
            rate_per_sec: 20.0,
            relative_factor: 3.0,
            min_requests: 20,
            recent_secs: 5,
            baseline_secs: 300,
        }
    }
}

/// Whether a spike began or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpikeKind {
    Began,
    Ended,
}

/// One threshold crossing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpikeEvent {
    pub kind: SpikeKind,
    /// The second (arrival time) the crossing was seen.
    pub at: DateTime<Utc>,
    /// 5xx share over the recent window at that second.
    pub share: f64,
    /// 5xx per second over the recent window.
    pub rate_per_sec: f64,
    /// 5xx share over the baseline window.
    pub baseline_share: f64,
    /// Highest recent share while the spike lasted (on `Ended`; equals `share` on `Began`).
    pub peak_share: f64,
}

/// The detector's state between seconds.
#[derive(Debug, Clone, Default)]
pub struct SpikeDetector {
    thresholds: SpikeThresholds,
    active: Option<ActiveSpike>,
}

#[derive(Debug, Clone, Copy)]
struct ActiveSpike {
    peak_share: f64,
}

impl SpikeDetector {
    #[must_use]
    pub fn new(thresholds: SpikeThresholds) -> SpikeDetector {
        SpikeDetector {
            thresholds,
            active: None,
        }
    }

    #[must_use]
    pub fn in_spike(&self) -> bool {
        self.active.is_some()
    }

    /// Evaluates the just-closed second `closed` (unix time).
    pub fn evaluate(&mut self, histogram: &Histogram, closed: i64) -> Option<SpikeEvent> {
        let t = &self.thresholds;
        let recent_secs = i64::from(t.recent_secs.max(1));
        let recent_from = closed - recent_secs + 1;
        let recent = histogram.sum_seconds(recent_from, closed);
        let baseline =
            histogram.sum_seconds(recent_from - i64::from(t.baseline_secs), recent_from - 1);

        let share = ratio(recent.server_errors(), recent.requests());
        let rate = recent.server_errors() as f64 / recent_secs as f64;
        let baseline_share = ratio(baseline.server_errors(), baseline.requests());
        let event = |kind, peak_share| SpikeEvent {
            kind,
            at: Utc.timestamp_opt(closed, 0).single().unwrap_or_default(),
            share,
            rate_per_sec: rate,
            baseline_share,
            peak_share,
        };

        match &mut self.active {
            None => {
                let enough = recent.requests() >= t.min_requests;
                let high = share >= t.share || rate >= t.rate_per_sec;
                let above_baseline =
                    baseline.requests() == 0 || share >= baseline_share * t.relative_factor;
                if enough && high && above_baseline {
                    self.active = Some(ActiveSpike { peak_share: share });
                    return Some(event(SpikeKind::Began, share));
                }
                None
            }
            Some(active) => {
                active.peak_share = active.peak_share.max(share);
                if share < t.share / 2.0 && rate < t.rate_per_sec / 2.0 {
                    let peak = active.peak_share;
                    self.active = None;
                    return Some(event(SpikeKind::Ended, peak));
                }
                None
            }
        }
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `seconds` of traffic at `per_second` requests with `failing` of them 5xx, returning
    /// the events seen.
    fn run(
        detector: &mut SpikeDetector,
        histogram: &mut Histogram,
        seconds: i64,
        per_second: u32,
        failing: u32,
    ) -> Vec<SpikeKind> {
        let mut events = Vec::new();
        for _ in 0..seconds {
            for i in 0..per_second {
                let status = if i < failing { 502 } else { 200 };
                histogram.record(Some(status), None, true);
            }
            let closed = histogram.now_second();
            histogram.advance_to(closed + 1);
            events.extend(detector.evaluate(histogram, closed).map(|e| e.kind));
        }
        events
    }

    #[test]
    fn a_spike_begins_and_ends_once() {
        let mut histogram = Histogram::new(10_000);
        let mut detector = SpikeDetector::default();
        assert!(run(&mut detector, &mut histogram, 120, 100, 1).is_empty());
        assert_eq!(
            run(&mut detector, &mut histogram, 30, 100, 40),
            vec![SpikeKind::Began]
        );
        assert_eq!(
            run(&mut detector, &mut histogram, 30, 100, 1),
            vec![SpikeKind::Ended]
        );
    }

    #[test]
    fn a_steady_error_rate_is_not_a_spike() {
        let mut histogram = Histogram::new(0);
        let mut detector = SpikeDetector::default();
        run(&mut detector, &mut histogram, 300, 100, 1);
        let later = run(&mut detector, &mut histogram, 600, 100, 2);
        assert!(later.is_empty(), "{later:?}");
    }

    #[test]
    fn too_little_traffic_decides_nothing() {
        let mut histogram = Histogram::new(0);
        let mut detector = SpikeDetector::default();
        assert!(run(&mut detector, &mut histogram, 60, 2, 2).is_empty());
    }
}
