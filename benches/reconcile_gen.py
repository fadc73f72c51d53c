#!/usr/bin/env python3
"""Generates a pair of generic-profile CSV files with known anomalies for the reconcile benchmark.

Usage: reconcile_gen.py ROWS OUTDIR [SEED]

Writes OUTDIR/ours.csv, OUTDIR/gateway.csv (ROWS data rows each) and OUTDIR/expected.json with
the category counts that `warroom reconcile --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z
--retry-horizon 1h` must report. Anomalies scale with ROWS (per million rows: 4,000 missing on
our side, 400 pending retries, 200 missing at the gateway, 4,000 duplicate deliveries, 200
double-applied, 300 amount, 200 status and 100 currency mismatches, 160 out of the window).
Currencies USD, EUR, GBP, JPY (0 decimals) and KWD (3 decimals); ids look like Stripe's.
"""
import json
import os
import random
import sys

CURRENCIES = [("USD", 2), ("EUR", 2), ("GBP", 2), ("JPY", 0), ("KWD", 3)]
PER_MILLION = {
    "missing_in_ours": 4000,
    "pending_retry": 400,
    "missing_in_gateway": 200,
    "duplicate_delivery": 4000,
    "duplicate_effect": 200,
    "amount_mismatch": 300,
    "status_mismatch": 200,
    "currency_mismatch": 100,
    "out_of_window": 160,
}


def money(minor, exponent):
    if exponent == 0:
        return str(minor)
    scale = 10 ** exponent
    return f"{minor // scale}.{minor % scale:0{exponent}d}"


def stamp(day, secs):
    return f"2026-{day}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"


def main():
    rows = int(sys.argv[1])
    outdir = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    os.makedirs(outdir, exist_ok=True)
    n = {k: v * rows // 1_000_000 for k, v in PER_MILLION.items()}
    # Keep both files at exactly `rows` rows: every extra row on our side (duplicates, events
    # the gateway lacks) is balanced by an event only the gateway has.
    extra_ours = n["missing_in_gateway"] + n["duplicate_delivery"] + n["duplicate_effect"]
    n["missing_in_ours"] = extra_ours - n["pending_retry"]
    gateway_only = n["missing_in_ours"] + n["pending_retry"]
    shared_kinds = ["duplicate_delivery", "duplicate_effect", "amount_mismatch",
                    "status_mismatch", "currency_mismatch", "out_of_window"]
    n["matched"] = rows - gateway_only - sum(n[k] for k in shared_kinds)

    plan = []
    for kind in ["matched", "missing_in_ours", "pending_retry", "missing_in_gateway"] + shared_kinds:
        plan.extend([kind] * n[kind])
    rng.shuffle(plan)

    ours = open(os.path.join(outdir, "ours.csv"), "w", buffering=1 << 20)
    gateway = open(os.path.join(outdir, "gateway.csv"), "w", buffering=1 << 20)
    ours.write("event_id,amount,currency,status,occurred_at,handler_status\n")
    gateway.write("event_id,amount,currency,status,occurred_at\n")
    ow, gw = ours.write, gateway.write
    for i, kind in enumerate(plan):
        event_id = f"evt_1Q{i:010d}{rng.getrandbits(40):010x}"
        code, exponent = CURRENCIES[i % 5]
        minor = 100 + rng.getrandbits(20)
        amount = money(minor, exponent)
        if kind == "out_of_window":
            when = stamp("02-27", rng.getrandbits(16) % 86400)
        elif kind == "pending_retry":
            when = stamp("03-02", 82801 + rng.getrandbits(11) % 3599)
        else:
            when = stamp("03-02", rng.getrandbits(17) % 79200)
        g_line = f"{event_id},{amount},{code},succeeded,{when}\n"
        o_line = f"{event_id},{amount},{code},succeeded,{when},applied\n"
        if kind in ("matched", "out_of_window"):
            gw(g_line); ow(o_line)
        elif kind in ("missing_in_ours", "pending_retry"):
            gw(g_line)
        elif kind == "missing_in_gateway":
            ow(o_line)
        elif kind == "duplicate_delivery":
            gw(g_line); ow(o_line)
            ow(f"{event_id},{amount},{code},succeeded,{when},ignored\n")
        elif kind == "duplicate_effect":
            gw(g_line); ow(o_line); ow(o_line)
        elif kind == "amount_mismatch":
            gw(g_line)
            ow(f"{event_id},{money(minor + 1, exponent)},{code},succeeded,{when},applied\n")
        elif kind == "status_mismatch":
            gw(f"{event_id},{amount},{code},refunded,{when}\n"); ow(o_line)
        elif kind == "currency_mismatch":
            other, other_exp = CURRENCIES[(i + 1) % 5]
            gw(g_line)
            ow(f"{event_id},{money(minor, other_exp)},{other},succeeded,{when},applied\n")
    ours.close()
    gateway.close()
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(n, f, indent=1, sort_keys=True)
    print(json.dumps(n, sort_keys=True))


if __name__ == "__main__":
    main()
