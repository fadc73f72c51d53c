//! `warroom reconcile` through the real binary: the JSON shape, exit codes 0/1/2/3, the text
//! report and the replay file, on the fixture pairs in tests/fixtures/reconcile/.

#![expect(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::process::Command;

use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reconcile");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

fn reconcile(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("reconcile")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn pair(name: &str) -> (String, String) {
    (
        format!("{FIXTURES}/{name}/ours.csv"),
        format!("{FIXTURES}/{name}/gateway.csv"),
    )
}

const CATEGORY_ORDER: [&str; 10] = [
    "matched",
    "missing_in_ours",
    "missing_in_gateway",
    "duplicate_delivery",
    "duplicate_effect",
    "amount_mismatch",
    "currency_mismatch",
    "status_mismatch",
    "pending_retry",
    "out_of_window",
];

fn window_args<'a>(ours: &'a str, gateway: &'a str) -> Vec<&'a str> {
    vec![
        "--ours",
        ours,
        "--gateway",
        gateway,
        "--from",
        "2026-03-02T12:00:00Z",
        "--to",
        "2026-03-02T16:00:00Z",
        "--retry-horizon",
        "1h",
        "--json",
    ]
}

#[test]
fn every_category_gets_its_event_and_a_critical_one_exits_2() {
    let (ours, gateway) = pair("categories");
    let run = reconcile(&window_args(&ours, &gateway));
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report = run.json();

    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["status"], "critical");
    let counts_text = &run.stdout[run.stdout.find("\"counts\"").unwrap()..];
    let positions: Vec<usize> = CATEGORY_ORDER
        .iter()
        .map(|c| counts_text.find(&format!("\"{c}\":")).unwrap())
        .collect();
    assert!(
        positions.is_sorted(),
        "counts keep the documented order: {counts_text}"
    );
    let want = [1, 2, 1, 3, 1, 1, 1, 1, 1, 1];
    let values: Vec<u64> = CATEGORY_ORDER
        .iter()
        .map(|c| report["counts"][c].as_u64().unwrap())
        .collect();
    assert_eq!(values, want);
    assert_eq!(report["counts"].as_object().unwrap().len(), 10);

    let rows = report["rows"].as_object().unwrap();
    let ids = |category: &str| -> Vec<&str> {
        rows[category]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap())
            .collect()
    };
    assert_eq!(ids("missing_in_ours"), ["evt_missing", "evt_failed"]);
    assert_eq!(ids("pending_retry"), ["evt_pending"]);
    assert_eq!(ids("missing_in_gateway"), ["evt_ghost"]);
    assert_eq!(ids("duplicate_effect"), ["evt_double"]);
    assert_eq!(ids("currency_mismatch"), ["evt_cur"]);
    assert_eq!(ids("amount_mismatch"), ["evt_amt"]);
    assert_eq!(ids("status_mismatch"), ["evt_status"]);
    assert_eq!(
        ids("duplicate_delivery"),
        ["evt_twice", "evt_replay", "evt_fail_then_ok"]
    );
    assert_eq!(ids("out_of_window"), ["evt_old"]);
    assert!(
        !rows.contains_key("matched"),
        "matched keys are only counted"
    );

    let amount = &rows["amount_mismatch"][0];
    assert_eq!(amount["gateway"]["amount_minor"], 1234);
    assert_eq!(amount["ours"]["amount"], "1.230");
    assert_eq!(amount["gateway"]["line"], 8);
    assert_eq!(report["bad_rows"].as_array().unwrap().len(), 0);
}

#[test]
fn totals_are_per_currency_in_minor_units_and_count_applied_rows_once() {
    let (ours, gateway) = pair("categories");
    let report = reconcile(&window_args(&ours, &gateway)).json();
    let totals = &report["totals"];
    assert_eq!(
        totals["USD"],
        serde_json::json!({"ours_count": 7, "ours_minor": 7634, "gateway_count": 7,
                           "gateway_minor": 7034, "delta_minor": 600})
    );
    assert_eq!(totals["KWD"]["delta_minor"], -4);
    assert_eq!(totals["JPY"]["gateway_minor"], 1500);
    assert_eq!(
        totals["JPY"]["ours_count"], 0,
        "the USD row of evt_cur is counted under USD"
    );
    assert_eq!(totals["EUR"]["ours_count"], 0);
    assert!(
        totals.get("ALL").is_none(),
        "currencies are never summed together"
    );
}

#[test]
fn consistent_files_exit_0_with_zero_and_three_decimal_currencies() {
    let (ours, gateway) = pair("consistent");
    let run = reconcile(&["--ours", &ours, "--gateway", &gateway, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["status"], "consistent");
    assert_eq!(report["counts"]["matched"], 4);
    assert_eq!(report["totals"]["JPY"]["ours_minor"], 1500);
    assert_eq!(report["totals"]["KWD"]["gateway_minor"], 1234);
    assert_eq!(report["totals"]["BHD"]["ours_minor"], 500);
}

#[test]
fn repeated_deliveries_and_pending_retries_only_warn_with_exit_1() {
    let (ours, gateway) = pair("warnings");
    let run = reconcile(&window_args(&ours, &gateway));
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["status"], "warning");
    assert_eq!(report["counts"]["duplicate_delivery"], 2);
    assert_eq!(report["counts"]["pending_retry"], 1);
    assert_eq!(report["counts"]["matched"], 1);
}

#[test]
fn the_retry_horizon_is_measured_back_from_now() {
    let (ours, gateway) = pair("warnings");
    let mut args = window_args(&ours, &gateway);
    args.extend(["--now", "2026-03-02T17:00:00Z"]);
    let report = reconcile(&args).json();
    assert_eq!(report["counts"]["pending_retry"], 0);
    assert_eq!(report["counts"]["missing_in_ours"], 1);
}

#[test]
fn the_skew_margin_widens_the_window() {
    let (ours, gateway) = pair("warnings");
    let args = [
        "--ours",
        &ours,
        "--gateway",
        &gateway,
        "--from",
        "2026-03-02T13:06:00Z",
        "--to",
        "2026-03-02T16:00:00Z",
        "--json",
    ];
    assert_eq!(reconcile(&args).json()["counts"]["out_of_window"], 2);
    let mut with_skew = args.to_vec();
    with_skew.extend(["--skew", "10m"]);
    assert_eq!(reconcile(&with_skew).json()["counts"]["out_of_window"], 0);
}

#[test]
fn malformed_rows_are_listed_with_file_and_line_and_exit_3() {
    let (ours, gateway) = pair("malformed");
    let run = reconcile(&["--ours", &ours, "--gateway", &gateway, "--json"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("7 rows could not be read"),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(report["bad_row_count"], 7);
    let bad: Vec<(String, u64, String)> = report["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let file = b["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_owned();
            (
                name,
                b["line"].as_u64().unwrap(),
                b["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("ours.csv", 3, "handler_status"),
        ("gateway.csv", 4, "unknown currency \"XYZ\""),
        ("gateway.csv", 5, "more decimals than USD has (2)"),
        ("gateway.csv", 6, "expected 5 fields, found 4"),
        ("gateway.csv", 7, "not a decimal number"),
        ("gateway.csv", 8, "empty key column `event_id`"),
        ("gateway.csv", 9, "time \"yesterday\""),
    ];
    assert_eq!(bad.len(), expect.len());
    for ((file, line, error), (want_file, want_line, want_text)) in bad.iter().zip(expect) {
        assert_eq!((file.as_str(), *line), (want_file, want_line), "{error}");
        assert!(
            error.contains(want_text),
            "{error} should mention {want_text}"
        );
    }
    // The good rows are still matched.
    assert_eq!(report["counts"]["matched"], 1);
}

#[test]
fn quoted_newlines_keep_the_line_where_the_record_starts_and_a_bom_is_skipped() {
    let (ours, gateway) = pair("quoted_bom");
    let run = reconcile(&["--ours", &ours, "--gateway", &gateway, "--json"]);
    let report = run.json();
    assert_eq!(
        report["counts"]["matched"], 3,
        "the BOM did not hide the event_id column"
    );
    let bad = &report["bad_rows"][0];
    assert_eq!(
        bad["line"], 8,
        "evt_q4 starts on line 8 after two multi-line records"
    );
    assert!(bad["error"].as_str().unwrap().contains("9.999"));
    assert_eq!(run.code, 3);
}

#[test]
fn decimal_commas_and_semicolons_work_when_the_profile_declares_them() {
    let (ours, gateway) = pair("decimal_comma");
    let profile = format!("{FIXTURES}/decimal_comma/profile.toml");
    let run = reconcile(&[
        "--ours",
        &ours,
        "--gateway",
        &gateway,
        "--profile",
        &profile,
        "--json",
    ]);
    let report = run.json();
    assert_eq!(report["counts"]["matched"], 3, "{}", run.stdout);
    assert_eq!(report["counts"]["amount_mismatch"], 1);
    assert_eq!(report["totals"]["EUR"]["gateway_minor"], 124_506);
    assert_eq!(report["totals"]["KWD"]["ours_minor"], 1234);
    assert_eq!(report["profile"], "eu-psp");

    // The generic profile reads the same files as one column and rejects them.
    let generic = reconcile(&["--ours", &ours, "--gateway", &gateway]);
    assert_eq!(generic.code, 3);
}

#[test]
fn partial_refunds_and_a_refund_before_its_charge_match_by_reference_and_kind() {
    let (ours, gateway) = pair("transactions");
    let run = reconcile(&[
        "--ours",
        &ours,
        "--gateway",
        &gateway,
        "--profile",
        "transactions",
        "--json",
    ]);
    assert_eq!(run.code, 2);
    let report = run.json();
    assert_eq!(report["mode"], "transactions");
    assert_eq!(report["counts"]["matched"], 8, "{}", run.stdout);
    let first = |category: &str| report["rows"][category][0].clone();
    assert_eq!(first("duplicate_effect")["key"], "ch_5");
    assert_eq!(first("duplicate_effect")["kind"], "refund");
    assert_eq!(first("amount_mismatch")["key"], "ch_6");
    assert_eq!(first("missing_in_ours")["kind"], "chargeback");
    assert_eq!(first("status_mismatch")["key"], "ch_7");
    // Refunds count against the charge whatever sign each export writes.
    assert_eq!(report["totals"]["USD"]["ours_minor"], 12_500);
    assert_eq!(report["totals"]["USD"]["delta_minor"], 0);
    assert_eq!(report["totals"]["JPY"]["ours_minor"], 0);
}

#[test]
fn replay_out_lists_the_missing_events_in_gateway_order() {
    let (ours, gateway) = pair("categories");
    let dir = tempfile::tempdir().unwrap();
    let replay = dir.path().join("replay.csv");
    let mut args = window_args(&ours, &gateway);
    args.extend(["--replay-out", replay.to_str().unwrap()]);
    assert_eq!(reconcile(&args).code, 2);
    let text = std::fs::read_to_string(&replay).unwrap();
    assert_eq!(
        text,
        "event_id,occurred_at,amount,currency\n\
         evt_missing,2026-03-02T13:10:00Z,20.00,EUR\n\
         evt_failed,2026-03-02T14:30:00Z,3.00,USD\n"
    );
}

#[test]
fn a_json_lines_gateway_export_is_read_and_a_broken_line_is_a_bad_row() {
    let ours = format!("{FIXTURES}/jsonl/ours.csv");
    let gateway = format!("{FIXTURES}/jsonl/gateway.jsonl");
    let run = reconcile(&["--ours", &ours, "--gateway", &gateway, "--json"]);
    let report = run.json();
    assert_eq!(report["counts"]["matched"], 3);
    assert_eq!(report["bad_rows"][0]["line"], 5, "blank lines still count");
    assert_eq!(run.code, 3);
}

#[test]
fn built_in_stripe_and_adyen_profiles_read_their_exports() {
    let (ours, gateway) = pair("stripe");
    let run = reconcile(&[
        "--ours",
        &ours,
        "--gateway",
        &gateway,
        "--profile",
        "stripe",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["counts"]["matched"], 4);

    let (ours, gateway) = pair("adyen");
    let run = reconcile(&[
        "--ours",
        &ours,
        "--gateway",
        &gateway,
        "--profile",
        "adyen",
        "--json",
    ]);
    let report = run.json();
    assert_eq!(report["counts"]["matched"], 3, "{}", run.stdout);
    assert_eq!(report["rows"]["missing_in_ours"][0]["kind"], "chargeback");
    assert_eq!(report["window"]["retry_horizon_ms"], 30 * 86_400_000_i64);
}

#[test]
fn profile_errors_name_the_file_line_and_key_and_exit_3() {
    let (ours, gateway) = pair("consistent");
    let cases = [
        ("unknown_key.toml", ":5: key `amout`"),
        ("bad_separator.toml", ":3: key `decimal_separator`"),
    ];
    for (file, want) in cases {
        let profile = format!("{FIXTURES}/profile_errors/{file}");
        let run = reconcile(&[
            "--ours",
            &ours,
            "--gateway",
            &gateway,
            "--profile",
            &profile,
        ]);
        assert_eq!(run.code, 3);
        assert!(
            run.stderr.contains(&format!("{file}{want}")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn unreadable_input_exits_3_with_the_reason() {
    let (ours, gateway) = pair("stripe");
    let run = reconcile(&["--ours", &ours, "--gateway", &gateway]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("no column `event_id`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("provider_ref"),
        "lists the columns found: {}",
        run.stderr
    );

    let run = reconcile(&["--ours", "/nonexistent/ours.csv", "--gateway", &gateway]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("/nonexistent/ours.csv"));

    let run = reconcile(&[
        "--ours",
        &ours,
        "--gateway",
        &gateway,
        "--profile",
        "nosuch",
    ]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("generic, transactions, stripe, adyen"));
}

#[test]
fn the_text_report_shows_categories_totals_and_examples() {
    let (ours, gateway) = pair("categories");
    let mut args = window_args(&ours, &gateway);
    args.pop();
    let run = reconcile(&args);
    assert_eq!(run.code, 2);
    let text = &run.stdout;
    assert!(text.starts_with("reconcile: CRITICAL"), "{text}");
    assert!(
        text.contains("duplicate_effect          1  critical"),
        "{text}"
    );
    assert!(
        text.contains(
            "KWD               1            1.230             1            1.234           -0.004"
        ),
        "{text}"
    );
    assert!(text.contains("missing_in_ours (first 2 of 2)"), "{text}");
    assert!(text.contains("evt_ghost  gateway: none"), "{text}");
}

#[test]
fn example_rows_are_bounded_and_the_rest_counted() {
    let (ours, gateway) = pair("categories");
    let mut args = window_args(&ours, &gateway);
    args.extend(["--max-rows", "1"]);
    let report = reconcile(&args).json();
    assert_eq!(
        report["rows"]["duplicate_delivery"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(report["rows"]["duplicate_delivery"][0]["key"], "evt_twice");
    assert_eq!(report["rows_omitted"]["duplicate_delivery"], 2);
}

#[test]
fn control_characters_from_the_files_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.csv");
    let gateway = dir.path().join("gateway.csv");
    std::fs::write(&ours, "event_id,amount,currency,status,occurred_at\n").unwrap();
    std::fs::write(
        &gateway,
        "event_id,amount,currency,status,occurred_at\n\
         \"evt\x1b]0;pwned\x07\",1.00,USD,ok\x1b[2J,2026-03-02T13:00:00Z\n",
    )
    .unwrap();
    let run = reconcile(&[
        "--ours",
        ours.to_str().unwrap(),
        "--gateway",
        gateway.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    assert!(
        run.stdout.contains("evt\\x1b]0;pwned\\x07"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_toml_profile_reads_stripe_event_json_with_dotted_paths_minor_units_and_unix_times() {
    let dir = format!("{FIXTURES}/stripe_events");
    let gateway = format!("{dir}/gateway.jsonl");
    let run = reconcile(&[
        "--ours",
        &format!("{dir}/ours.csv"),
        "--gateway",
        &gateway,
        "--profile",
        &format!("{dir}/profile.toml"),
        "--now",
        "2026-03-10T00:00:00Z",
        "--json",
    ]);
    let report = run.json();
    assert_eq!(report["counts"]["matched"], 1, "{}", run.stdout);
    assert_eq!(
        report["counts"]["duplicate_delivery"], 1,
        "failed then retried: evt_2"
    );
    assert_eq!(
        report["counts"]["missing_in_ours"], 1,
        "evt_3 never arrived"
    );
    assert_eq!(
        report["totals"],
        serde_json::json!({}),
        "no amounts on our webhook log"
    );

    let run = reconcile(&[
        "--ours",
        &format!("{dir}/ours_amounts.csv"),
        "--gateway",
        &gateway,
        "--profile",
        &format!("{dir}/minor_profile.toml"),
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["totals"]["USD"]["gateway_minor"], 1734);
    assert_eq!(report["totals"]["JPY"]["gateway_minor"], 1500);
}

#[test]
fn key_and_delimiter_flags_override_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.csv");
    let gateway = dir.path().join("gateway.csv");
    let header = "event_id|order|amount|currency|status|occurred_at\n";
    std::fs::write(
        &ours,
        format!("{header}e1|o1|1.00|USD|ok|2026-03-02T13:00:00Z\ne2|o2|2.00|USD|ok|2026-03-02T13:00:00Z\n"),
    )
    .unwrap();
    std::fs::write(
        &gateway,
        format!("{header}x1|o1|1.00|USD|ok|2026-03-02T13:00:00Z\nx2|o2|2.00|USD|ok|2026-03-02T13:00:00Z\n"),
    )
    .unwrap();
    let (ours, gateway) = (ours.to_str().unwrap(), gateway.to_str().unwrap());
    let by_order = reconcile(&[
        "--ours",
        ours,
        "--gateway",
        gateway,
        "--delimiter",
        "|",
        "--key",
        "order",
        "--json",
    ]);
    assert_eq!(by_order.code, 0, "{}", by_order.stdout);
    assert_eq!(by_order.json()["counts"]["matched"], 2);
    let by_event = reconcile(&[
        "--ours",
        ours,
        "--gateway",
        gateway,
        "--delimiter",
        "|",
        "--json",
    ]);
    assert_eq!(by_event.json()["counts"]["missing_in_ours"], 2);
}

#[test]
fn an_event_listed_twice_by_the_gateway_is_a_bad_row_not_a_silent_merge() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.csv");
    let gateway = dir.path().join("gateway.csv");
    let header = "event_id,amount,currency,status,occurred_at\n";
    let row = "evt_1,1.00,USD,succeeded,2026-03-02T13:00:00Z\n";
    std::fs::write(&ours, format!("{header}{row}")).unwrap();
    std::fs::write(&gateway, format!("{header}{row}{row}")).unwrap();
    let run = reconcile(&[
        "--ours",
        ours.to_str().unwrap(),
        "--gateway",
        gateway.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(run.code, 3);
    let report = run.json();
    assert_eq!(report["counts"]["matched"], 1);
    assert_eq!(report["bad_rows"][0]["line"], 3);
    assert!(
        report["bad_rows"][0]["error"]
            .as_str()
            .unwrap()
            .contains("first at line 2")
    );
}
