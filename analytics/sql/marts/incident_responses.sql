-- model: incident_responses
-- kind: view
-- layer: marts
-- depends: params, policy, macros.sql, incident_facts, business_clock
-- grain: incident_id
--
-- Incident responses: one row per incident (unique incident_id): every column of `incidents`
-- plus the durations in seconds and the response status (docs/metrics.md). The first layer of
-- `incident_metrics`, which adds the other statuses; it is what the MTTx summaries read.
-- Report time = report_time.as_of; targets from `policy`, business days from `business_windows`.
-- Reads `incident_facts` (what does not depend on as_of, stored at ingest under the policy's
-- version) and computes only the as_of-dependent response of unacknowledged incidents here.
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

with

facts as (
    select * from incident_facts
),

report_time as (
    select as_of from params
),

policy_numbers as (
    select
        response_sev1_minutes,
        response_sev2_minutes,
        response_sev3_business_hours,
    from policy
),

clock_at_as_of as (
    select
        coalesce(
            business_clock.before_s
            + least(
                seconds_between(business_clock.window_start_at, report_time.as_of),
                business_clock.window_s
            ),
            0
        ) as as_of_clock_s,
    from report_time
    asof left join business_clock
        on report_time.as_of >= business_clock.window_start_at
),

responses as (
    select
        facts.incident_id,
        case facts.severity
            when 1 then policy_numbers.response_sev1_minutes * 60
            when 2 then policy_numbers.response_sev2_minutes * 60
            when 3 then policy_numbers.response_sev3_business_hours * 3600
        end as response_target_s,
        case
            -- Opsgenie incidents record no acknowledgement (docs/importers.md): response n/a
            when facts.detected_at is null or facts.source_kind = 'opsgenie' then null
            -- SEV-3: business seconds of [detected_at, acknowledged_at or as_of)
            when facts.severity = 3 then greatest(
                0,
                coalesce(facts.acknowledged_clock_s, clock_at_as_of.as_of_clock_s)
                - facts.detected_clock_s
            )
            else
                seconds_between(
                    facts.detected_at, coalesce(facts.acknowledged_at, report_time.as_of)
                )
        end as response_elapsed_s,
        facts.acknowledged_at is not null as is_acknowledged,
    from facts
    cross join policy_numbers
    cross join report_time
    cross join clock_at_as_of
),

response_statuses as (
    select
        incident_id,
        response_target_s,
        response_elapsed_s,
        case
            when response_elapsed_s is null or response_target_s is null then 'n/a'
            when is_acknowledged and response_elapsed_s <= response_target_s then 'met'
            when is_acknowledged then 'breached'
            when response_elapsed_s > response_target_s then 'breached'
            else 'pending'
        end as response_status,
    from responses
),

final as (
    select
        facts.* exclude (
            detected_clock_s,
            acknowledged_clock_s,
            cadence_start_at,
            closed_update_max_gap_s,
            closed_update_count,
            open_update_ats,
            status_source,
            first_escalation_at,
            policy_version
        ),
        response_statuses.response_target_s,
        response_statuses.response_elapsed_s,
        response_statuses.response_status,
    from facts
    inner join response_statuses
        on response_statuses.incident_id = facts.incident_id
)

select * from final
