-- model: none
-- kind: query
-- layer: queries
-- depends: incident_metrics
-- grain: service, severity
--
-- Weekly top services: incidents per service and severity started in the report week, for
-- the weekly report's top services section.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per service and severity with incidents (unique service, severity).
--   service: the incident's service (NULL when none was given)
--   severity: 1, 2 or 3
--   incidents: incidents started in the week, a count
select
    service,
    severity,
    count(*) as incidents,
from incident_metrics
where started_at >= $period_start and started_at < $period_end
group by all
order by service, severity
