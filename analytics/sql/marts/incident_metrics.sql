-- model: incident_metrics
-- kind: view
-- layer: marts
-- depends: incident_responses, params, policy, macros.sql, incident_facts,
-- depends: intermediate/status_cadence.sql
-- grain: incident_id
--
-- Incident metrics: one row per incident (unique incident_id): every column of `incidents`, the
-- durations in seconds and the playbook statuses (docs/metrics.md). Built on
-- `incident_responses` (durations and response status), adding the other statuses. Statuses are met, breached,
-- pending (not decided yet at as_of) or n/a (the rule does not apply). Report time = report_time.as_of;
-- every target comes from `policy`, business days from `business_windows`. "Within" means <=.
-- What does not depend on as_of (cadence gaps of resolved incidents, status source, first
-- escalation) comes from `incident_facts`, stored at ingest under the policy's version.
--   incident_id: the document's ID: header, else its file name stem; or the vendor's id
--   title: the INCIDENT: line
--   severity: 1, 2 or 3 (SEV-1 is the most severe)
--   team: owning team, trimmed and lower-cased
--   service: affected service, trimmed and lower-cased
--   started_at: when impact started (UTC)
--   detected_at: when the incident was detected (UTC)
--   detection_method: how it was detected (alert, customer report, monitoring ...)
--   acknowledged_at: when a responder acknowledged (UTC)
--   acknowledged_by: who acknowledged, as spelled in people.csv when known
--   mitigated_at: when impact was mitigated (UTC)
--   mitigation: what mitigated it
--   resolved_at: when it was resolved (UTC); NULL while open
--   users_affected: users affected, a count (NULL when given as a percentage or unknown)
--   users_affected_pct: users affected as a percentage 0..100
--   revenue_impact_usd: revenue impact in USD (NULL when unknown)
--   data_loss: whether data was lost
--   data_loss_detail: the details written after yes/no
--   root_cause: the ROOT CAUSE section
--   postmortem_published_at: when the post-mortem was published (UTC): the earliest PUBLISHED: of its review documents, else the timeline's POSTMORTEM:
--   stated_duration_s: the DURATION line in seconds, as written by the author
--   source_kind: timeline (a post-mortem document) or an importer (pagerduty)
--   severity_source: where the severity came from: document, pagerduty_priority, pagerduty_urgency, opsgenie_priority, statuspage_impact
--   source_file: the file the row was read from
--   linked_pagerduty_id: the PagerDuty incident the document names (PAGERDUTY: header)
--   linked_opsgenie_id: the Opsgenie incident the document names (OPSGENIE: header)
--   linked_statuspage_id: the Statuspage incident the document names (STATUS PAGE: header)
--   ttd_s: time to detect, detected_at - started_at, seconds (NULL when a timestamp is missing)
--   tta_s: time to acknowledge, acknowledged_at - detected_at, seconds, wall clock for every severity
--   ttm_s: time to mitigate, mitigated_at - started_at, seconds (NULL for a zero-duration incident)
--   ttr_s: time to resolve, resolved_at - started_at, seconds (NULL while open, and for a zero-duration incident)
--   is_open: true while resolved_at is NULL
--   is_zero_duration: a status-page incident resolved at the instant it started (recorded after the fact): left out of MTTM, MTTR and cadence
--   response_target_s: response target from detection, seconds (SEV-3: business seconds)
--   response_elapsed_s: detection to acknowledgement (or as_of when unacknowledged), seconds; SEV-3 counts business seconds only
--   response_status: met (acknowledged within target), breached (acknowledged late, or unacknowledged past target at as_of), pending, n/a (no detected_at, or an Opsgenie incident)
--   status_update_interval_s: largest allowed gap between status-page updates, seconds (SEV-1/2; NULL for SEV-3)
--   status_update_max_gap_s: largest gap between detection (a status-page-only incident: its start), each status_update event and the end (resolution, or as_of when open), seconds
--   status_update_count: status_update events between detection (or a status-page-only incident's start) and the end
--   status_cadence_status: met (largest gap <= interval), breached, pending (open, no gap too long yet), n/a (SEV-3, no detected_at, or zero-duration)
--   status_source: where the status updates came from: statuspage (its own status page, or the one a STATUS PAGE: header names), timeline (the document's "status page" lines), none
--   postmortem_due_at: resolved_at + the post-mortem deadline (UTC); NULL when not required or not resolved
--   postmortem_status: met (published by the due time), breached (published late, or unpublished past due at as_of), pending (unresolved, or not yet due), n/a (severity not required)
--   escalation_due_at: acknowledged_at + escalate-after minutes (UTC): escalate by then unless mitigated
--   first_escalation_at: earliest escalation: a timeline escalation event or an escalated_at of one of the incident's pages (UTC)
--   escalation_status: met (escalated by the due time), breached, pending (not mitigated, not yet due), n/a (never acknowledged, or mitigated (else resolved) by the due time)
with

responses as (
    select * from incident_responses
),

facts as (
    select
        incident_id,
        cadence_start_at,
        closed_update_max_gap_s,
        closed_update_count,
        open_update_ats,
        status_source,
        first_escalation_at,
    from incident_facts
),

report_time as (
    select as_of from params
),

policy_numbers as (
    select escalate_after_minutes from policy
),

durations as (
    select
        responses.*,
        facts.cadence_start_at,
        facts.closed_update_max_gap_s,
        facts.closed_update_count,
        facts.open_update_ats,
        facts.status_source,
        facts.first_escalation_at,
        coalesce(responses.mitigated_at, responses.resolved_at) as mitigation_end_at,
        report_time.as_of,
    from responses
    inner join facts on facts.incident_id = responses.incident_id
    cross join report_time
),

-- an open SEV-1/2 incident's cadence ends at as_of (a resolved one's gaps are in incident_facts)
open_points as (
    select
        incident_id,
        cadence_points(cadence_start_at, as_of, open_update_ats) as points,
    from durations
    where open_update_ats is not null
),

open_cadences as (
    select
        incident_id,
        cadence_max_gap_s(points) as status_update_max_gap_s,
        cadence_update_count(points) as status_update_count,
    from open_points
),

cadences as (
    select
        durations.incident_id,
        coalesce(durations.closed_update_max_gap_s, open_cadences.status_update_max_gap_s)
            as status_update_max_gap_s,
        coalesce(durations.closed_update_count, open_cadences.status_update_count)
            as status_update_count,
    from durations
    left join open_cadences on open_cadences.incident_id = durations.incident_id
),

cadence_statuses as (
    select
        durations.incident_id,
        cadence_interval_s(durations.severity) as status_update_interval_s,
        cadences.status_update_max_gap_s,
        cadences.status_update_count,
        cadence_status(
            durations.severity,
            durations.cadence_start_at,
            cadences.status_update_max_gap_s,
            cadence_interval_s(durations.severity),
            durations.is_open
        ) as status_cadence_status,
    from durations
    inner join cadences
        on cadences.incident_id = durations.incident_id
),

postmortem_statuses as (
    select
        incident_id,
        postmortem_due_at(severity, resolved_at) as postmortem_due_at,
        postmortem_status_at(severity, resolved_at, postmortem_published_at, as_of)
            as postmortem_status,
    from durations
),

escalation_checks as (
    select
        durations.incident_id,
        durations.acknowledged_at
        + to_seconds(policy_numbers.escalate_after_minutes * 60) as escalation_due_at,
        durations.first_escalation_at,
        durations.mitigation_end_at,
        durations.as_of,
    from durations
    cross join policy_numbers
),

escalation_statuses as (
    select
        incident_id,
        escalation_due_at,
        first_escalation_at,
        case
            when escalation_due_at is null then 'n/a'
            when mitigation_end_at <= escalation_due_at then 'n/a'
            when mitigation_end_at is null and as_of <= escalation_due_at then 'pending'
            when first_escalation_at <= escalation_due_at then 'met'
            else 'breached'
        end as escalation_status,
    from escalation_checks
),

final as (
    select
        durations.* exclude (
            cadence_start_at,
            closed_update_max_gap_s,
            closed_update_count,
            open_update_ats,
            status_source,
            first_escalation_at,
            mitigation_end_at,
            as_of
        ),
        cadence_statuses.status_update_interval_s,
        cadence_statuses.status_update_max_gap_s,
        cadence_statuses.status_update_count,
        cadence_statuses.status_cadence_status,
        durations.status_source,
        postmortem_statuses.postmortem_due_at,
        postmortem_statuses.postmortem_status,
        escalation_statuses.escalation_due_at,
        escalation_statuses.first_escalation_at,
        escalation_statuses.escalation_status,
    from durations
    inner join cadence_statuses
        on cadence_statuses.incident_id = durations.incident_id
    inner join postmortem_statuses
        on postmortem_statuses.incident_id = durations.incident_id
    inner join escalation_statuses
        on escalation_statuses.incident_id = durations.incident_id
)

select * from final
