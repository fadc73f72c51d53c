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

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for format in [Format::Combined, Format::Common, Format::Json, Format::Logfmt, Format::Plain] {
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
        let newlines = stream.iter().filter(|b| **b == b'\n').count() as u64;

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
            aggregator.ingest(0, &batch, 1_000 + i as i64);
            rest = &rest[n..];
            i += 1;
        }
        let mut batch = LineBatch::default();
        framer.finish(&mut batch);
        aggregator.ingest(0, &batch, 1_000 + i as i64);

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
