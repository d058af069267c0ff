-- model: none
-- kind: query
-- layer: queries
-- depends: incident_metrics
-- grain: severity
--
-- Metrics compliance: per severity, the incidents started in a period and the counts of each
-- playbook rule's status (metrics.compliance adds the rates), then where the status updates
-- came from.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
-- Grain: one row per severity 1, 2, 3, always; the counts of a severity without incidents are
-- NULL (metrics.compliance makes them 0).
--   severity: 1..3
--   incidents: incidents started in the period
--   response_met: incidents whose response status is met (incident_metrics.response_status)
--   response_breached: response breached
--   response_pending: response pending
--   response_n_a: response n/a
--   postmortem_met: incidents whose post-mortem status is met (incident_metrics.postmortem_status)
--   postmortem_breached: post-mortem breached
--   postmortem_pending: post-mortem pending
--   postmortem_n_a: post-mortem n/a
--   status_cadence_met: incidents whose status-page cadence is met (incident_metrics.status_cadence_status)
--   status_cadence_breached: status-page cadence breached
--   status_cadence_pending: status-page cadence pending
--   status_cadence_n_a: status-page cadence n/a
--   escalation_met: incidents whose escalation status is met (incident_metrics.escalation_status)
--   escalation_breached: escalation breached
--   escalation_pending: escalation pending
--   escalation_n_a: escalation n/a
--   status_source_statuspage: incidents whose status updates came from the status page
--   status_source_timeline: incidents whose status updates came from the timeline
--   status_source_none: incidents without status updates
with

scoped as (
    select * from incident_metrics
    where started_at >= $period_start::timestamptz and started_at < $period_end::timestamptz
),

severities as (
    select unnest([1, 2, 3]) as severity
),

aggregated as (
    select
        severity,
        count(*) as incidents,
        count(*) filter (where response_status = 'met') as response_met,
        count(*) filter (where response_status = 'breached') as response_breached,
        count(*) filter (where response_status = 'pending') as response_pending,
        count(*) filter (where response_status = 'n/a') as response_n_a,
        count(*) filter (where postmortem_status = 'met') as postmortem_met,
        count(*) filter (where postmortem_status = 'breached') as postmortem_breached,
        count(*) filter (where postmortem_status = 'pending') as postmortem_pending,
        count(*) filter (where postmortem_status = 'n/a') as postmortem_n_a,
        count(*) filter (where status_cadence_status = 'met') as status_cadence_met,
        count(*) filter (where status_cadence_status = 'breached') as status_cadence_breached,
        count(*) filter (where status_cadence_status = 'pending') as status_cadence_pending,
        count(*) filter (where status_cadence_status = 'n/a') as status_cadence_n_a,
        count(*) filter (where escalation_status = 'met') as escalation_met,
        count(*) filter (where escalation_status = 'breached') as escalation_breached,
        count(*) filter (where escalation_status = 'pending') as escalation_pending,
        count(*) filter (where escalation_status = 'n/a') as escalation_n_a,
        count(*) filter (where status_source = 'statuspage') as status_source_statuspage,
        count(*) filter (where status_source = 'timeline') as status_source_timeline,
        count(*) filter (where status_source = 'none') as status_source_none,
    from scoped
    group by severity
),

final as (
    select
        severities.severity,
        aggregated.* exclude (severity),
    from severities
    left join aggregated on aggregated.severity = severities.severity
    order by severities.severity
)

select * from final
