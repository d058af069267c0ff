-- model: none
-- kind: macro
-- layer: intermediate
-- depends: policy, macros.sql
-- grain: none
--
-- THE status-page cadence rule (docs/metrics.md, "Status-page cadence"), one body for its two
-- readers: incident_facts computes the gaps of a resolved incident once (stored at ingest per
-- policy), incident_metrics the gaps of an open incident up to as_of and every status. SEV-1
-- and SEV-2 have a cadence, SEV-3 none. The points are where the cadence starts, every
-- status_update from there to the end, and the end (resolution, or as_of while open); the
-- largest gap between consecutive points must be within the policy's interval.

-- Where the cadence starts: detection; a status page records no detection, so its own
-- incidents start at started_at; a zero-duration incident (recorded after the fact) has none.
create or replace macro cadence_start_at(
    source_kind, is_zero_duration, started_at, detected_at
) as
    case
        when is_zero_duration then null
        when source_kind = 'statuspage' then started_at
        else detected_at
    end;

-- Whether the rule applies: SEV-1/2 with a cadence start.
create or replace macro has_cadence(severity, start_at) as
    severity in (1, 2) and start_at is not null;

-- The cadence points, sorted: start, end, and every update instant in [start, end] (a point
-- equal to an end still counts as an update).
create or replace macro cadence_points(start_at, end_at, update_ats) as
    list_sort(
        list_concat(
            [start_at, end_at],
            list_filter(update_ats, lambda u: u >= start_at and u <= end_at)
        )
    );

-- The largest gap between consecutive points, seconds.
create or replace macro cadence_max_gap_s(points) as
    greatest(
        0,
        list_max(
            list_transform(
                range(1, len(points)),
                lambda k: seconds_between(points[k], points[k + 1])
            )
        )
    );

-- The status updates among the points (the two ends are not updates).
create or replace macro cadence_update_count(points) as len(points) - 2;

-- The largest allowed gap, seconds: the policy's interval of the severity (NULL for SEV-3).
create or replace macro cadence_interval_s(severity) as
    case severity
        when 1 then (select status_sev1_minutes from policy) * 60
        when 2 then (select status_sev2_minutes from policy) * 60
    end;

-- The status: breached when the largest gap is over the interval, else pending while open
-- (nothing has gone wrong yet), met when resolved; n/a without a cadence.
create or replace macro cadence_status(severity, start_at, max_gap_s, interval_s, is_open) as
    case
        when severity not in (1, 2) or start_at is null then 'n/a'
        when max_gap_s > interval_s then 'breached'
        when is_open then 'pending'
        else 'met'
    end;
