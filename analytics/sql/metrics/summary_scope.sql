-- model: summary_scope
-- kind: temp table
-- layer: intermediate
-- depends: incident_metrics
-- grain: incident_id
--
-- Summary scope: the incidents started in one period, only the columns the metrics summary
-- uses, evaluated once per call as a TEMP table that the summary (queries/metrics_summary.sql)
-- and its bootstrap samples (queries/metrics_summary_samples.sql) both read: incident_metrics
-- is read once, for the period only, durations, response and cadence status from the same
-- rows. The grouping is chosen here, once, as the text column grp.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded); $grouping (VARCHAR:
-- severity, team or service, checked against metrics.GROUPINGS by the caller).
-- Grain: one row per incident started in the period.
--   incident_id: the incident
--   grp: the incident's group as text: its severity ('1', '2', '3'), team or service (NULL when it has none)
--   resolved_at: when it was resolved (UTC); NULL while open
--   response_status: met | breached | pending | n/a against the response target
--   is_zero_duration: a status-page incident resolved at the instant it started
--   status_cadence_status: met | breached | pending | n/a of the status-page cadence
--   status_source: where the status updates came from: statuspage | timeline | none
--   tta_s: time to acknowledge, acknowledged_at - detected_at, seconds (MTTA's sample)
--   ttr_s: time to resolve, resolved_at - started_at, seconds (MTTR's sample; NULL while open and for a zero-duration incident)
--   ttd_s: time to detect, detected_at - started_at, seconds (MTTD's sample)
--   ttm_s: time to mitigate, mitigated_at - started_at, seconds (MTTM's sample; NULL for a zero-duration incident)
select
    incident_id,
    case $grouping
        when 'severity' then cast(severity as varchar)
        when 'team' then team
        when 'service' then service
    end as grp,
    resolved_at,
    response_status,
    is_zero_duration,
    status_cadence_status,
    status_source,
    tta_s,
    ttr_s,
    ttd_s,
    ttm_s,
from incident_metrics
where started_at >= $period_start::timestamptz and started_at < $period_end::timestamptz
