-- model: none
-- kind: query
-- layer: queries
-- depends: incident_metrics, macros.sql
-- grain: incident_id
--
-- Metrics weekly trend: the incidents started in a span of whole ISO weeks with their ISO
-- week, groupings and the two durations metrics.weekly_trend bootstraps per week and group.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
-- Grain: one row per incident started in the span.
--   incident_id: the incident
--   week_start: the Monday (UTC) of the incident's ISO week
--   severity: 1..3
--   team: the incident's team
--   service: the incident's service
--   tta_s: time to acknowledge, seconds (NULL when a timestamp is missing)
--   ttr_s: time to resolve, seconds (NULL while open, and for a zero-duration incident)
select
    incident_id,
    iso_week_start(started_at) as week_start,
    severity,
    team,
    service,
    tta_s,
    ttr_s,
from incident_metrics
where started_at >= $period_start::timestamptz and started_at < $period_end::timestamptz
