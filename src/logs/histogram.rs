//! Status-code and level counts over sliding windows of arrival time.
//!
//! Time is the second a line was *read*, not the timestamp written in it. Following live, that
//! is what lets a spike show the second it starts: access-log timestamps mark the start of a
//! request (a 30-second timeout is logged 30 seconds in the past), arrive out of order across
//! workers and sources, and come in a dozen formats and zones. Lines read as backfill (history
//! present before following began) count in the since-start totals only, so a backlog never
//! looks like a spike. Known gap: a backlog cannot be charted over its own timestamps.
//!
//! The current second is counted in flat arrays (one increment per line); when time moves on it
//! is closed into a compact bucket in a 15-minute ring and added to the running totals of the
//! 1-, 5- and 15-minute windows, and buckets leaving a window are subtracted. Memory is fixed.

use super::parse::{Level, StatusClass};

/// Length of the per-second series and of the longest window.
pub const SERIES_SECONDS: usize = 900;
/// Codes 100..=599 are counted individually.
const CODES: usize = 500;
const CLASSES: usize = 5;
const LEVELS: usize = 4;

/// A sliding window length the histogram maintains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Window {
    #[serde(rename = "1m")]
    OneMinute,
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "all")]
    SinceStart,
}

impl Window {
    pub const ALL: [Window; 4] = [
        Window::OneMinute,
        Window::FiveMinutes,
        Window::FifteenMinutes,
        Window::SinceStart,
    ];
    const SLIDING: [Window; 3] = [
        Window::OneMinute,
        Window::FiveMinutes,
        Window::FifteenMinutes,
    ];

    /// Length in seconds; `None` since start.
    #[must_use]
    pub fn seconds(self) -> Option<i64> {
        match self {
            Window::OneMinute => Some(60),
            Window::FiveMinutes => Some(300),
            Window::FifteenMinutes => Some(900),
            Window::SinceStart => None,
        }
    }

    #[must_use]
    pub fn minutes(self) -> usize {
        self.seconds().map_or(0, |s| (s / 60) as usize)
    }
}

/// Counts for one window (or since start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub classes: [u64; CLASSES],
    /// Index `code - 100` for codes 100..=599.
    pub codes: Box<[u64; CODES]>,
    pub levels: [u64; LEVELS],
}

impl Default for Counts {
    fn default() -> Self {
        Counts {
            classes: [0; CLASSES],
            codes: Box::new([0; CODES]),
            levels: [0; LEVELS],
        }
    }
}

impl Counts {
    #[must_use]
    pub fn class(&self, class: StatusClass) -> u64 {
        self.classes[class.index()]
    }

    #[must_use]
    pub fn level(&self, level: Level) -> u64 {
        self.levels[level.index()]
    }

    /// Requests with a status.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.classes.iter().sum()
    }

    /// Share of 5xx among requests, 0 when there were none.
    #[must_use]
    pub fn server_error_share(&self) -> f64 {
        let requests = self.requests();
        if requests == 0 {
            0.0
        } else {
            self.class(StatusClass::ServerError) as f64 / requests as f64
        }
    }

    /// (code, count) for every code seen, in code order.
    pub fn codes(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.codes
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (i as u16 + 100, *n))
    }

    fn add_second(&mut self, second: &ClosedSecond, sign: Sign) {
        let apply = |total: &mut u64, n: u32| match sign {
            Sign::Add => *total += u64::from(n),
            Sign::Subtract => *total = total.saturating_sub(u64::from(n)),
        };
        for (total, n) in self.classes.iter_mut().zip(second.counts.classes) {
            apply(total, n);
        }
        for (total, n) in self.levels.iter_mut().zip(second.counts.levels) {
            apply(total, n);
        }
        for &(code, n) in &second.codes {
            apply(&mut self.codes[usize::from(code)], n);
        }
    }
}

#[derive(Clone, Copy)]
enum Sign {
    Add,
    Subtract,
}

/// Class and level counts of one second, the element of the per-second series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SecondCounts {
    pub classes: [u32; CLASSES],
    pub levels: [u32; LEVELS],
}

impl SecondCounts {
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.classes.iter().map(|n| u64::from(*n)).sum()
    }

    #[must_use]
    pub fn server_errors(&self) -> u64 {
        u64::from(self.classes[StatusClass::ServerError.index()])
    }
}

#[derive(Debug, Clone, Default)]
struct ClosedSecond {
    second: i64,
    counts: SecondCounts,
    /// (code index, count), only codes seen in that second.
    codes: Vec<(u16, u32)>,
}

/// The windowed counters.
#[derive(Debug, Clone)]
pub struct Histogram {
    open_second: i64,
    open: SecondCounts,
    open_codes: Box<[u32; CODES]>,
    ring: Vec<ClosedSecond>,
    /// Running totals of closed seconds inside each sliding window.
    windows: [Counts; 3],
    since_start: Counts,
}

impl Histogram {
    /// A histogram whose clock starts at `now_second` (unix time).
    #[must_use]
    pub fn new(now_second: i64) -> Histogram {
        Histogram {
            open_second: now_second,
            open: SecondCounts::default(),
            open_codes: Box::new([0; CODES]),
            ring: vec![
                ClosedSecond {
                    second: i64::MIN,
                    ..ClosedSecond::default()
                };
                SERIES_SECONDS
            ],
            windows: Default::default(),
            since_start: Counts::default(),
        }
    }

    /// The second currently being counted.
    #[must_use]
    pub fn now_second(&self) -> i64 {
        self.open_second
    }

    /// Counts one line. Live lines go into the current second; backfill only into the totals.
    #[inline]
    pub fn record(&mut self, status: Option<u16>, level: Option<Level>, live: bool) {
        if let Some(status) = status
            && let Some(class) = StatusClass::of(status)
        {
            let code = usize::from(status - 100);
            self.since_start.classes[class.index()] += 1;
            self.since_start.codes[code] += 1;
            if live {
                self.open.classes[class.index()] += 1;
                self.open_codes[code] += 1;
            }
        }
        if let Some(level) = level {
            self.since_start.levels[level.index()] += 1;
            if live {
                self.open.levels[level.index()] += 1;
            }
        }
    }

    /// Moves the clock to `now_second`, closing the seconds in between. Returns how many seconds
    /// were closed (0 when the clock did not move; a clock going back is ignored).
    pub fn advance_to(&mut self, now_second: i64) -> i64 {
        let previous = self.open_second;
        if now_second <= previous {
            return 0;
        }
        if now_second - previous >= SERIES_SECONDS as i64 {
            self.windows = Default::default();
            for bucket in &mut self.ring {
                bucket.second = i64::MIN;
            }
        } else {
            self.retire(previous, now_second);
        }
        self.close_open(previous, now_second);
        now_second - previous
    }

    /// Subtracts the buckets that leave each window as the clock goes from `from` to `to`.
    fn retire(&mut self, from: i64, to: i64) {
        for (totals, window) in self.windows.iter_mut().zip(Window::SLIDING) {
            let length = window.seconds().unwrap_or(0);
            for second in (from - length + 1)..=(to - length) {
                let bucket = &self.ring[slot(second)];
                if bucket.second == second {
                    totals.add_second(bucket, Sign::Subtract);
                }
            }
        }
    }

    fn close_open(&mut self, closed_second: i64, now_second: i64) {
        let codes = self
            .open_codes
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (i as u16, *n))
            .collect();
        let bucket = ClosedSecond {
            second: closed_second,
            counts: std::mem::take(&mut self.open),
            codes,
        };
        *self.open_codes = [0; CODES];
        for (totals, window) in self.windows.iter_mut().zip(Window::SLIDING) {
            let length = window.seconds().unwrap_or(0);
            if closed_second > now_second - length {
                totals.add_second(&bucket, Sign::Add);
            }
        }
        let index = slot(closed_second);
        self.ring[index] = bucket;
        self.open_second = now_second;
    }

    /// Counts for a window, including the second in progress.
    #[must_use]
    pub fn counts(&self, window: Window) -> Counts {
        let mut counts = match window {
            Window::SinceStart => return self.since_start.clone(),
            Window::OneMinute => self.windows[0].clone(),
            Window::FiveMinutes => self.windows[1].clone(),
            Window::FifteenMinutes => self.windows[2].clone(),
        };
        for (total, n) in counts.classes.iter_mut().zip(self.open.classes) {
            *total += u64::from(n);
        }
        for (total, n) in counts.levels.iter_mut().zip(self.open.levels) {
            *total += u64::from(n);
        }
        for (total, n) in counts.codes.iter_mut().zip(self.open_codes.iter()) {
            *total += u64::from(*n);
        }
        counts
    }

    /// Counts of one second: a closed one from the ring, the open one, or zero.
    #[must_use]
    pub fn second(&self, second: i64) -> SecondCounts {
        if second == self.open_second {
            return self.open;
        }
        let bucket = &self.ring[slot(second)];
        if bucket.second == second {
            bucket.counts
        } else {
            SecondCounts::default()
        }
    }

    /// Sum of class and level counts over closed seconds `from..=to`.
    #[must_use]
    pub fn sum_seconds(&self, from: i64, to: i64) -> SecondCounts {
        let mut total = SecondCounts::default();
        for second in from.max(self.open_second - SERIES_SECONDS as i64 + 1)..=to {
            let counts = self.second(second);
            for (t, n) in total.classes.iter_mut().zip(counts.classes) {
                *t += n;
            }
            for (t, n) in total.levels.iter_mut().zip(counts.levels) {
                *t += n;
            }
        }
        total
    }

    /// The last [`SERIES_SECONDS`] seconds, oldest first, ending with the second in progress.
    #[must_use]
    pub fn series(&self) -> Vec<SecondCounts> {
        let first = self.open_second - SERIES_SECONDS as i64 + 1;
        (first..=self.open_second).map(|s| self.second(s)).collect()
    }
}

fn slot(second: i64) -> usize {
    second.rem_euclid(SERIES_SECONDS as i64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide_and_since_start_keeps_everything() {
        let mut histogram = Histogram::new(1000);
        histogram.record(Some(200), None, true);
        histogram.advance_to(1030);
        histogram.record(Some(502), Some(Level::Error), true);
        histogram.record(Some(404), None, false);

        let minute = histogram.counts(Window::OneMinute);
        assert_eq!(minute.requests(), 2);
        assert_eq!(minute.level(Level::Error), 1);

        histogram.advance_to(1061);
        let minute = histogram.counts(Window::OneMinute);
        assert_eq!(minute.requests(), 1, "the 200 at 1000 left the minute");
        assert_eq!(minute.codes().collect::<Vec<_>>(), vec![(502, 1)]);
        assert_eq!(histogram.counts(Window::FiveMinutes).requests(), 2);

        histogram.advance_to(1000 + 900 + 31);
        assert_eq!(histogram.counts(Window::FifteenMinutes).requests(), 0);
        let all = histogram.counts(Window::SinceStart);
        assert_eq!(all.requests(), 3);
        assert_eq!(all.class(StatusClass::ClientError), 1);
    }

    #[test]
    fn series_ends_with_the_open_second() {
        let mut histogram = Histogram::new(50);
        histogram.record(Some(500), None, true);
        histogram.advance_to(52);
        histogram.record(Some(200), None, true);
        let series = histogram.series();
        assert_eq!(series.len(), SERIES_SECONDS);
        assert_eq!(series[SERIES_SECONDS - 1].classes[1], 1);
        assert_eq!(series[SERIES_SECONDS - 3].server_errors(), 1);
        assert_eq!(histogram.sum_seconds(40, 52).requests(), 2);
    }
}
