"""The peer of ``incident-analytics metrics``: MTTA/MTTR and response compliance in plain pandas.

What a user writes by hand against the warehouse, timed by ``run_all.py`` as a whole process
(interpreter start, imports, reading, computing and writing CSVs all included):

1. open the warehouse read-only (``analytics.db.reader``, only so the views see the same
   ``as_of`` as the CLI) and read, once, with DuckDB's ``.df()``: the incidents table
   (``incidents``, every row, 8 columns; the period filter is done in pandas), the policy
   (response targets, business hours, time zone and weekdays) and the ``holidays`` table;
2. in pandas: MTTA = acknowledged - detected, MTTR = resolved - started (seconds); the response
   clock from detection to acknowledgement (or ``as_of`` when unacknowledged), wall clock for
   SEV-1/2, business seconds for SEV-3; status met / breached / pending / n/a as in SPEC §6;
3. for each of severity, team and service: count, mean/median/p90 of MTTA and MTTR, the status
   counts and compliance = met / (met + breached), written to ``OUT/<by>.csv``.

The business seconds of SEV-3 are computed the way one writes them by hand (``--clock naive``,
the default): a function that walks the local days of each incident, applied row by row. The
tuned variant (``--clock tuned``) is what nobody writes without our warehouse: it reads the
product's ``business_windows`` mart and turns it into a cumulative clock read with
``searchsorted``. ``run_all.py`` times both.

No bootstrap intervals (the CLI computes 90 % intervals too; see benchmarks/README.md).

    python benchmarks/pandas_peer.py --db W.duckdb --from 2021-11-01 --to 2026-11-01 \\
        --as-of 2026-11-02T00:00:00Z --out /tmp/peer [--clock naive|tuned]
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.db import reader


def business_clock(windows: pd.DataFrame):
    """A function: instants (epoch seconds) -> business seconds elapsed since the first window."""
    starts = windows["window_start_at"].astype("int64").to_numpy() / 1e6
    ends = windows["window_end_at"].astype("int64").to_numpy() / 1e6
    order = np.argsort(starts)
    starts, lengths = starts[order], (ends - starts)[order]
    before = np.concatenate([[0.0], np.cumsum(lengths)])

    def upto(t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(starts, t, side="right") - 1
        j = np.clip(i, 0, None)
        inside = np.minimum(t - starts[j], lengths[j])
        return np.where(i < 0, 0.0, before[j] + inside)

    return upto


def naive_business_seconds(policy: pd.Series, holidays: set[date]):
    """A function (start, end) -> business seconds between two instants, walking local days."""
    zone = ZoneInfo(policy["business_timezone"])
    opens, closes = policy["business_start"], policy["business_end"]
    weekdays = set(policy["business_weekdays"])

    def seconds(start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        total = 0.0
        day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        while day <= last:
            if day.isoweekday() in weekdays and day not in holidays:
                window_start = datetime.combine(day, opens, tzinfo=zone)
                window_end = datetime.combine(day, closes, tzinfo=zone)
                overlap = (min(end, window_end) - max(start, window_start)).total_seconds()
                total += max(0.0, overlap)
            day += timedelta(days=1)
        return total

    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--from", dest="first", required=True)
    parser.add_argument("--to", dest="last", required=True)
    parser.add_argument("--as-of", dest="as_of", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--clock", choices=("naive", "tuned"), default="naive")
    args = parser.parse_args()
    as_of = datetime.fromisoformat(args.as_of.replace("Z", "+00:00")).astimezone(UTC)
    start = pd.Timestamp(date.fromisoformat(args.first), tz="UTC")
    end = pd.Timestamp(date.fromisoformat(args.last) + timedelta(days=1), tz="UTC")

    with reader(args.db, as_of=as_of) as con:
        incidents = con.sql(
            "select incident_id, severity, team, service, started_at, detected_at, "
            "acknowledged_at, resolved_at from incidents"
        ).df()
        policy = con.sql("select * from policy").df().iloc[0]
        if args.clock == "tuned":
            windows = con.sql("select window_start_at, window_end_at from business_windows").df()
        else:
            holidays = set(con.sql("select holiday_date from holidays").df()["holiday_date"])

    df = incidents[(incidents["started_at"] >= start) & (incidents["started_at"] < end)].copy()
    df["tta_s"] = (df["acknowledged_at"] - df["detected_at"]).dt.total_seconds()
    df["ttr_s"] = (df["resolved_at"] - df["started_at"]).dt.total_seconds()

    t = policy
    target_s = df["severity"].map(
        {
            1: t["response_sev1_minutes"] * 60,
            2: t["response_sev2_minutes"] * 60,
            3: t["response_sev3_business_hours"] * 3600,
        }
    )
    response_end = df["acknowledged_at"].fillna(pd.Timestamp(as_of))
    wall_s = (response_end - df["detected_at"]).dt.total_seconds()
    if args.clock == "tuned":
        clock = business_clock(windows)
        detected_epoch = df["detected_at"].astype("int64").to_numpy() / 1e6
        end_epoch = response_end.astype("int64").to_numpy() / 1e6
        business_s = pd.Series(
            np.maximum(0.0, clock(end_epoch) - clock(detected_epoch)), index=df.index
        )
    else:
        seconds = naive_business_seconds(policy, holidays)
        sev3 = (df["severity"] == 3) & df["detected_at"].notna()
        business_s = pd.Series(np.nan, index=df.index)
        business_s[sev3] = [
            seconds(a.to_pydatetime(), b.to_pydatetime())
            for a, b in zip(df.loc[sev3, "detected_at"], response_end[sev3], strict=True)
        ]
    elapsed = wall_s.where(df["severity"] != 3, business_s)
    acked = df["acknowledged_at"].notna()
    df["response_status"] = np.select(
        [
            df["detected_at"].isna() | target_s.isna(),
            acked & (elapsed <= target_s),
            acked | (elapsed > target_s),
        ],
        ["n/a", "met", "breached"],
        default="pending",
    )

    args.out.mkdir(parents=True, exist_ok=True)
    for by in ("severity", "team", "service"):
        g = df.groupby(by, dropna=False)
        frame = pd.DataFrame(
            {
                "incidents": g.size(),
                "mtta_mean_s": g["tta_s"].mean(),
                "mtta_median_s": g["tta_s"].median(),
                "mtta_p90_s": g["tta_s"].quantile(0.9),
                "mttr_mean_s": g["ttr_s"].mean(),
                "mttr_median_s": g["ttr_s"].median(),
                "mttr_p90_s": g["ttr_s"].quantile(0.9),
            }
        )
        statuses = pd.crosstab(df[by], df["response_status"], dropna=False)
        for status in ("met", "breached", "pending", "n/a"):
            column = "response_" + status.replace("/", "_")
            frame[column] = statuses.get(status, pd.Series(dtype="int64")).reindex(frame.index)
            frame[column] = frame[column].fillna(0).astype("int64")
        decided = frame["response_met"] + frame["response_breached"]
        frame["response_compliance"] = (frame["response_met"] / decided).where(decided > 0)
        frame["response_compliance"] = frame["response_compliance"].round(4)
        frame.round(1).to_csv(args.out / f"{by}.csv")


if __name__ == "__main__":
    main()
