-- model: incident_metrics
-- kind: view
-- layer: marts
-- depends: incident_responses, params, policy, timeline_events, pages, src_incidents, macros.sql
-- grain: incident_id
--
-- Incident metrics: one row per incident (unique incident_id): every column of `incidents`, the
-- durations in seconds and the playbook statuses (docs/metrics.md). Built on
-- `incident_responses` (durations and response status), adding the other statuses. Statuses are met, breached,
-- pending (not decided yet at as_of) or n/a (the rule does not apply). Report time = report_time.as_of;
-- every target comes from `policy`, business days from `business_windows`. "Within" means <=.
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

report_time as (
    select as_of from params
),

policy_numbers as (
    select
        escalate_after_minutes,
        status_sev1_minutes,
        status_sev2_minutes,
        postmortem_deadline_hours,
        postmortem_severities,
    from policy
),

status_updates as (
    select
        incident_id,
        occurred_at,
    from timeline_events
    where kind = 'status_update'
),

-- a page's escalated_at counts for its own incident only (SPEC §11)
escalation_events as (
    select
        incident_id,
        occurred_at as escalated_at,
    from timeline_events
    where kind = 'escalation'
    union all
    select
        incident_id,
        escalated_at,
    from pages
    where incident_id is not null and escalated_at is not null
),

escalations as (
    select
        incident_id,
        min(escalated_at) as first_escalation_at,
    from escalation_events
    group by incident_id
),

-- incidents whose status updates come from a status page (their own, or a linked one)
statuspage_incidents as (
    select incident_id from responses where source_kind = 'statuspage'
    union
    select i.incident_id
    from responses as i
    semi join src_incidents as s
        on s.source_kind = 'statuspage' and s.incident_id = i.linked_statuspage_id
),

status_sources as (
    select
        i.incident_id,
        case
            when sp.incident_id is not null then 'statuspage'
            when exists (
                select 1 from status_updates as u where u.incident_id = i.incident_id
            ) then 'timeline'
            else 'none'
        end as status_source,
    from responses as i
    left join statuspage_incidents as sp on sp.incident_id = i.incident_id
),

durations as (
    select
        responses.*,
        -- a status page records no detection: its own incidents' cadence starts at started_at
        case
            when responses.is_zero_duration then null
            when responses.source_kind = 'statuspage' then responses.started_at
            else responses.detected_at
        end as cadence_start_at,
        coalesce(responses.resolved_at, report_time.as_of) as cadence_end_at,
        coalesce(responses.mitigated_at, responses.resolved_at) as mitigation_end_at,
        report_time.as_of,
    from responses
    cross join report_time
),

-- cadence points: detection, every status update from detection to the end, and the end
cadence_points as (
    select
        incident_id,
        cadence_start_at as point_at,
    from durations
    where severity in (1, 2) and cadence_start_at is not null
    union all
    select
        status_updates.incident_id,
        status_updates.occurred_at as point_at,
    from status_updates
    inner join durations
        on durations.incident_id = status_updates.incident_id
    where
        durations.severity in (1, 2)
        and status_updates.occurred_at >= durations.cadence_start_at
        and status_updates.occurred_at <= durations.cadence_end_at
    union all
    select
        incident_id,
        cadence_end_at as point_at,
    from durations
    where severity in (1, 2) and cadence_start_at is not null
),

cadence_gaps as (
    select
        incident_id,
        point_at,
        seconds_between(
            lag(point_at) over (partition by incident_id order by point_at), point_at
        ) as gap_s,
    from cadence_points
),

cadences as (
    select
        incident_id,
        greatest(0, max(gap_s)) as status_update_max_gap_s,
        -- the two ends are points too; a point equal to them still counts as an update
        count(*) - 2 as status_update_count,
    from cadence_gaps
    group by incident_id
),

cadence_statuses as (
    select
        durations.incident_id,
        case durations.severity
            when 1 then policy_numbers.status_sev1_minutes * 60
            when 2 then policy_numbers.status_sev2_minutes * 60
        end as status_update_interval_s,
        cadences.status_update_max_gap_s,
        cadences.status_update_count,
        case
            when durations.severity not in (1, 2) or durations.cadence_start_at is null then 'n/a'
            when cadences.status_update_max_gap_s > status_update_interval_s then 'breached'
            when durations.is_open then 'pending'
            else 'met'
        end as status_cadence_status,
    from durations
    cross join policy_numbers
    left join cadences
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
        escalations.first_escalation_at,
        durations.mitigation_end_at,
        durations.as_of,
    from durations
    cross join policy_numbers
    left join escalations
        on escalations.incident_id = durations.incident_id
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
        durations.* exclude (cadence_start_at, cadence_end_at, mitigation_end_at, as_of),
        cadence_statuses.status_update_interval_s,
        cadence_statuses.status_update_max_gap_s,
        cadence_statuses.status_update_count,
        cadence_statuses.status_cadence_status,
        status_sources.status_source,
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
    inner join status_sources
        on status_sources.incident_id = durations.incident_id
)

select * from final
