#!/usr/bin/env python3
"""The generic profile's reconciliation as DuckDB joins and group-bys, for the benchmark.

Usage: reconcile_duckdb.py OURS GATEWAY FROM TO NOW HORIZON_SECONDS

Prints one JSON document {"counts": {...}, "totals": {...}, "query_seconds": S} with the same
categories and per-currency totals as `warroom reconcile --json`. Our side's comparison row is
taken with min() over the applied rows, which equals warroom's "first applied row" whenever the
rows of one event agree, as they do in the generated files. Amounts become minor units through
DECIMAL arithmetic (exact), never floating point.
"""
import json
import sys
import time

import duckdb

EXPONENT = """CASE upper({c}) WHEN 'JPY' THEN 1 WHEN 'KWD' THEN 1000 WHEN 'BHD' THEN 1000
              WHEN 'JOD' THEN 1000 WHEN 'OMR' THEN 1000 WHEN 'TND' THEN 1000 ELSE 100 END"""


def main():
    ours, gateway, start, end, now, horizon = sys.argv[1:7]
    began = time.perf_counter()
    con = duckdb.connect()
    minor = f"CAST(CAST(amount AS DECIMAL(18,3)) * {EXPONENT.format(c='currency')} AS BIGINT)"
    con.execute(f"""
        CREATE TEMP TABLE g AS
        SELECT event_id, {minor} AS minor, upper(currency) AS currency, lower(status) AS status,
               CAST(occurred_at AS TIMESTAMPTZ) AS ts
        FROM read_csv('{gateway}', header = true, all_varchar = true)""")
    con.execute(f"""
        CREATE TEMP TABLE o AS
        WITH r AS (
            SELECT event_id, {minor} AS minor, upper(currency) AS currency,
                   lower(status) AS status, CAST(occurred_at AS TIMESTAMPTZ) AS ts,
                   coalesce(nullif(lower(handler_status), ''), 'applied') AS handler
            FROM read_csv('{ours}', header = true, all_varchar = true))
        SELECT event_id,
               count(*) AS n_rows,
               count(*) FILTER (WHERE handler = 'applied') AS applied,
               count(*) FILTER (WHERE handler <> 'failed') AS handled,
               coalesce(min(minor) FILTER (WHERE handler = 'applied'), min(minor)) AS minor,
               coalesce(min(currency) FILTER (WHERE handler = 'applied'), min(currency)) AS currency,
               coalesce(min(status) FILTER (WHERE handler = 'applied'), min(status)) AS status,
               coalesce(min(ts) FILTER (WHERE handler = 'applied'), min(ts)) AS ts
        FROM r GROUP BY event_id""")
    con.execute(f"""
        CREATE TEMP TABLE verdict AS
        SELECT o.*, g.event_id AS g_id, g.minor AS g_minor, g.currency AS g_currency,
               CASE
                 WHEN coalesce(g.ts, o.ts) < TIMESTAMPTZ '{start}'
                   OR coalesce(g.ts, o.ts) > TIMESTAMPTZ '{end}' THEN 'out_of_window'
                 WHEN g.event_id IS NOT NULL AND (o.event_id IS NULL OR o.handled = 0) THEN
                   CASE WHEN {horizon} > 0
                         AND g.ts > TIMESTAMPTZ '{now}' - to_seconds({horizon})
                        THEN 'pending_retry' ELSE 'missing_in_ours' END
                 WHEN g.event_id IS NULL THEN 'missing_in_gateway'
                 WHEN o.applied > 1 THEN 'duplicate_effect'
                 WHEN o.currency <> g.currency THEN 'currency_mismatch'
                 WHEN o.minor <> g.minor THEN 'amount_mismatch'
                 WHEN o.status <> g.status THEN 'status_mismatch'
                 WHEN o.n_rows > 1 THEN 'duplicate_delivery'
                 ELSE 'matched'
               END AS category
        FROM o FULL OUTER JOIN g ON o.event_id = g.event_id""")
    counts = dict(con.execute("SELECT category, count(*) FROM verdict GROUP BY 1").fetchall())
    totals = {}
    for side, cur, amt, cond in [
        ("ours", "currency", "minor", "event_id IS NOT NULL AND applied > 0"),
        ("gateway", "g_currency", "g_minor", "g_id IS NOT NULL"),
    ]:
        rows = con.execute(f"""
            SELECT {cur}, count(*), sum({amt}) FROM verdict
            WHERE category <> 'out_of_window' AND {cond} GROUP BY 1""").fetchall()
        for currency, n, total in rows:
            t = totals.setdefault(currency, {"ours_count": 0, "ours_minor": 0,
                                             "gateway_count": 0, "gateway_minor": 0})
            t[f"{side}_count"] = n
            t[f"{side}_minor"] = int(total)
    for t in totals.values():
        t["delta_minor"] = t["ours_minor"] - t["gateway_minor"]
    print(json.dumps({"counts": counts, "totals": totals,
                      "query_seconds": round(time.perf_counter() - began, 3)}))


if __name__ == "__main__":
    main()
