-- model: none
-- kind: query
-- layer: queries
-- depends: incident_communication, incident_metrics
-- grain: none
--
-- Reviews unchecked: how many incidents started in the report week have no timeline
-- (imported), so their communication is not checked (status n/a), for the weekly report.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row.
--   incidents: incidents started in the week whose communication is not checked, a count
select count(distinct c.incident_id) as incidents,
from incident_communication as c
inner join incident_metrics as m on m.incident_id = c.incident_id
where m.started_at >= $period_start and m.started_at < $period_end and c.status = 'n/a'
