-- model: none
-- kind: query
-- layer: queries
-- depends: incident_metrics
-- grain: none
--
-- Weekly durations: the time-to-resolve samples of the weekly report's trend window, for its
-- detectable-change note (the chance a real 10% MTTR improvement shows at this volume).
-- Parameters: $trend_start, $period_end (TIMESTAMPTZ, the trend window; end excluded).
-- Grain: one row per resolved incident started in the window (rows are not unique).
--   severity: 1, 2 or 3
--   ttr_s: time to resolve, seconds
select
    severity,
    ttr_s,
from incident_metrics
where started_at >= $trend_start and started_at < $period_end and ttr_s is not null
