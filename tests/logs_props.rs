//! Property tests: parsers never panic on arbitrary bytes, and the counts always add up, however
//! the input is split into chunks.

use proptest::prelude::*;
use warroom::logs::aggregate::{Aggregator, AggregatorOptions};
use warroom::logs::frame::{Framer, LineBatch};
use warroom::logs::histogram::Window;
use warroom::logs::parse::{self, Detector, Format};
use warroom::logs::summary::Summary;
use warroom::logs::{SourcePlan, SourceSpec};

fn line_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[ -~]{0,120}".prop_map(String::into_bytes),
        (100u16..700, "[a-z/]{0,12}").prop_map(|(s, p)| format!(
            "1.2.3.4 - - [01/Jun/2024:00:00:00 +0000] \"GET /{p} HTTP/1.1\" {s} 12 \"-\" \"ua\""
        )
        .into_bytes()),
        (100u16..700, "[a-z\"\\\\{}:,]{0,12}")
            .prop_map(
                |(s, k)| format!("{{\"status\":{s},\"{k}\":{{\"level\":\"error\"}}}}").into_bytes()
            ),
        (100u16..700).prop_map(|s| format!("level=warn status={s} path=/x").into_bytes()),
    ]
}

/// Arrival second of the i-th chunk: time moves, but stays within the 15-minute window.
fn arrival(chunk: usize) -> i64 {
    1_000 + (chunk as i64).min(800)
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let formats =
            [Format::Combined, Format::Common, Format::Json, Format::Logfmt, Format::Plain];
        for format in formats {
            if let Some(p) = parse::parse_line(format, &bytes, None) {
                prop_assert!(p.status.is_none_or(|s| (100..=599).contains(&s)));
            }
        }
        let _ = parse::parse_any(&bytes);
        let _ = Detector::default().observe(&bytes);
    }

    #[test]
    fn counts_add_up_however_the_stream_is_chunked(
        lines in proptest::collection::vec(line_strategy(), 0..60),
        cuts in proptest::collection::vec(1usize..97, 1..20),
    ) {
        let mut stream = Vec::new();
        for line in &lines {
            stream.extend_from_slice(line);
            stream.push(b'\n');
        }
        let newlines = memchr::memchr_iter(b'\n', &stream).count() as u64;

        let plan = SourcePlan {
            name: "p".into(),
            spec: SourceSpec::Stdin,
            format: None,
            custom: None,
        };
        let mut aggregator = Aggregator::new(&[plan], AggregatorOptions::default(), 1_000);
        let mut framer = Framer::default();
        let mut rest = &stream[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = cuts[i % cuts.len()].min(rest.len());
            let mut batch = LineBatch::default();
            framer.push(&rest[..n], &mut batch);
            aggregator.ingest(0, &batch, arrival(i));
            rest = &rest[n..];
            i += 1;
        }
        let mut batch = LineBatch::default();
        framer.finish(&mut batch);
        aggregator.ingest(0, &batch, arrival(i));

        let summary = Summary::from_aggregator(&aggregator);
        prop_assert_eq!(summary.lines, newlines);
        prop_assert_eq!(summary.parsed + summary.unparsed, summary.lines);
        let classes: u64 = summary.classes.values().sum();
        let codes: u64 = summary.status.values().sum();
        prop_assert_eq!(classes, codes);
        prop_assert!(classes <= summary.parsed);
        let window = aggregator.histogram().counts(Window::FifteenMinutes);
        prop_assert_eq!(window.requests(), classes);
    }
}

proptest! {
    /// The running window totals equal a plain recount of the events inside each window.
    #[test]
    fn histogram_windows_match_a_naive_recount(
        events in proptest::collection::vec((0i64..120, 100u16..600, any::<bool>()), 0..200),
    ) {
        use warroom::logs::histogram::Histogram;
        let start = 50_000;
        let mut histogram = Histogram::new(start);
        let mut now = start;
        let mut seen: Vec<(i64, u16, bool)> = Vec::new();
        for (step, status, live) in events {
            now += step;
            histogram.advance_to(now);
            histogram.record(Some(status), None, live);
            seen.push((now, status, live));
        }
        let windows =
            [(Window::OneMinute, 60), (Window::FiveMinutes, 300), (Window::FifteenMinutes, 900)];
        for (window, length) in windows {
            let want =
                seen.iter().filter(|(at, _, live)| *live && *at > now - length).count() as u64;
            prop_assert_eq!(histogram.counts(window).requests(), want, "{:?}", window);
        }
        prop_assert_eq!(histogram.counts(Window::SinceStart).requests(), seen.len() as u64);
        let series_total: u64 =
            histogram.series().iter().map(warroom::logs::histogram::SecondCounts::requests).sum();
        let in_series = seen.iter().filter(|(at, _, live)| *live && *at > now - 900).count() as u64;
        prop_assert_eq!(series_total, in_series);
    }
}
