//! Bounded top-k counting (the Space-Saving algorithm), for the paths and upstreams that fail.
//!
//! A sketch keeps at most `capacity` keys. A new key, when the sketch is full, replaces the key
//! with the smallest count and inherits that count as its possible overestimate, so heavy
//! hitters are always kept however many distinct keys pass by. [`TopKWindows`] keeps one sketch
//! per minute for the last 15 minutes plus one since start, and merges them for a window.

use std::collections::HashMap;

/// One Space-Saving sketch.
#[derive(Debug, Clone)]
pub struct TopK {
    capacity: usize,
    slots: Vec<(Box<[u8]>, u64)>,
    index: HashMap<Box<[u8]>, usize>,
}

impl TopK {
    #[must_use]
    pub fn new(capacity: usize) -> TopK {
        TopK {
            capacity: capacity.max(1),
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }

    pub fn add(&mut self, key: &[u8]) {
        if let Some(&slot) = self.index.get(key) {
            self.slots[slot].1 += 1;
            return;
        }
        if self.slots.len() < self.capacity {
            self.index.insert(key.into(), self.slots.len());
            self.slots.push((key.into(), 1));
            return;
        }
        let Some((slot, _)) = self.slots.iter().enumerate().min_by_key(|(_, (_, n))| *n) else {
            return;
        };
        let evicted = std::mem::replace(&mut self.slots[slot].0, key.into());
        self.index.remove(&evicted);
        self.index.insert(key.into(), slot);
        self.slots[slot].1 += 1;
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.index.clear();
    }

    /// (key, count) pairs, not sorted.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.slots.iter().map(|(k, n)| (&**k, *n))
    }
}

/// How many minute sketches are kept: the longest window is 15 minutes.
const MINUTES: usize = 15;
/// Keys kept per minute sketch and in the since-start sketch.
const MINUTE_CAPACITY: usize = 64;
const TOTAL_CAPACITY: usize = 256;

/// A sketch per minute of arrival time plus one since start.
#[derive(Debug, Clone)]
pub struct TopKWindows {
    minutes: Vec<(i64, TopK)>,
    total: TopK,
}

impl Default for TopKWindows {
    fn default() -> Self {
        TopKWindows {
            minutes: (0..MINUTES)
                .map(|_| (i64::MIN, TopK::new(MINUTE_CAPACITY)))
                .collect(),
            total: TopK::new(TOTAL_CAPACITY),
        }
    }
}

impl TopKWindows {
    /// Counts `key` at `second` (unix time); `live` false counts it in the total only.
    pub fn add(&mut self, key: &[u8], second: i64, live: bool) {
        self.total.add(key);
        if !live {
            return;
        }
        let minute = second.div_euclid(60);
        let slot = &mut self.minutes[minute.rem_euclid(MINUTES as i64) as usize];
        if slot.0 != minute {
            slot.0 = minute;
            slot.1.clear();
        }
        slot.1.add(key);
    }

    /// The `k` largest keys over the last `window_minutes` minutes up to `now_second`
    /// (0 = since start), largest first, ties by key.
    #[must_use]
    pub fn top(&self, now_second: i64, window_minutes: usize, k: usize) -> Vec<(Vec<u8>, u64)> {
        let mut merged: HashMap<&[u8], u64> = HashMap::new();
        if window_minutes == 0 {
            for (key, n) in self.total.entries() {
                *merged.entry(key).or_default() += n;
            }
        } else {
            let now_minute = now_second.div_euclid(60);
            let oldest = now_minute - window_minutes.min(MINUTES) as i64 + 1;
            for (minute, sketch) in &self.minutes {
                if (oldest..=now_minute).contains(minute) {
                    for (key, n) in sketch.entries() {
                        *merged.entry(key).or_default() += n;
                    }
                }
            }
        }
        let mut ranked: Vec<(Vec<u8>, u64)> =
            merged.into_iter().map(|(k, n)| (k.to_vec(), n)).collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavy_hitter_survives_a_flood_of_distinct_keys() {
        let mut sketch = TopK::new(8);
        for i in 0..10_000u32 {
            sketch.add(b"/pay");
            sketch.add(format!("/noise/{i}").as_bytes());
        }
        let best = sketch
            .entries()
            .max_by_key(|(_, n)| *n)
            .map(|(k, _)| k.to_vec());
        assert_eq!(best.as_deref(), Some(&b"/pay"[..]));
        assert!(sketch.entries().count() <= 8);
    }

    #[test]
    fn windows_forget_old_minutes() {
        let mut top = TopKWindows::default();
        top.add(b"/old", 0, true);
        top.add(b"/new", 600, true);
        top.add(b"/new", 601, true);
        assert_eq!(top.top(601, 1, 5), vec![(b"/new".to_vec(), 2)]);
        assert_eq!(top.top(601, 15, 5).len(), 2);
        assert_eq!(top.top(601, 0, 5)[0], (b"/new".to_vec(), 2));
    }
}
