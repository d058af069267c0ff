-- model: none
-- kind: query
-- layer: queries
-- depends: incident_metrics
-- grain: incident_id
--
-- Metrics incidents in a period: the incident_metrics rows (every column) of the incidents
-- started in the period, by start (metrics.incidents_in).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
-- Grain: one row per incident started in the period, sorted by started_at then incident_id.
-- Columns: those of incident_metrics (marts/incident_metrics.sql).
--   incident_id: the incident
select * from incident_metrics
where started_at >= $period_start::timestamptz and started_at < $period_end::timestamptz
order by started_at, incident_id
