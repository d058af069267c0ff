-- model: incident_responses
-- kind: view
-- layer: marts
-- depends: incidents, params, policy, business_windows, macros.sql
-- grain: incident_id
--
-- Incident responses: one row per incident (unique incident_id): every column of `incidents`
-- plus the durations in seconds and the response status (docs/metrics.md). The first layer of
-- `incident_metrics`, which adds the other statuses; it is what the MTTx summaries read.
-- Report time = report_time.as_of; targets from `policy`, business days from `business_windows`.
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

incidents as (
    select * from incidents
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

-- the business clock: business seconds from the first window to each window's start; a
-- window is one business day (they never overlap), so an ASOF join reads the clock at any instant
business_clock as (
    select
        window_start_at,
        window_s,
        coalesce(
            sum(window_s) over (
                order by window_start_at rows between unbounded preceding and 1 preceding
            ),
            0
        ) as before_s,
    from business_windows
),

durations as (
    select
        incidents.*,
        seconds_between(incidents.started_at, incidents.detected_at) as ttd_s,
        seconds_between(incidents.detected_at, incidents.acknowledged_at) as tta_s,
        -- a status-page incident resolved at the instant it started was recorded after the
        -- fact: left out of MTTM and MTTR (SPEC §3.7), counted as zero_duration instead
        case
            when
                not incidents.is_zero_duration
                then seconds_between(incidents.started_at, incidents.mitigated_at)
        end as ttm_s,
        case
            when
                not incidents.is_zero_duration
                then seconds_between(incidents.started_at, incidents.resolved_at)
        end as ttr_s,
        incidents.resolved_at is null as is_open,
        coalesce(incidents.acknowledged_at, report_time.as_of) as response_end_at,
    from (
        select
            *,
            coalesce(source_kind = 'statuspage' and resolved_at = started_at, false)
                as is_zero_duration,
        from incidents
    ) as incidents
    cross join report_time
),

-- SEV-3: seconds of [detected_at, acknowledged_at or as_of) that fall in business windows, read
-- as the business clock at the end minus the clock at detection
sev3_business_seconds as (
    select
        durations.incident_id,
        greatest(
            0,
            coalesce(
                end_clock.before_s
                + least(
                    seconds_between(end_clock.window_start_at, durations.response_end_at),
                    end_clock.window_s
                ),
                0
            )
            - coalesce(
                start_clock.before_s
                + least(
                    seconds_between(start_clock.window_start_at, durations.detected_at),
                    start_clock.window_s
                ),
                0
            )
        ) as business_s,
    from durations
    asof left join business_clock as start_clock
        on durations.detected_at >= start_clock.window_start_at
    asof left join business_clock as end_clock
        on durations.response_end_at >= end_clock.window_start_at
    where durations.severity = 3 and durations.detected_at is not null
),

responses as (
    select
        durations.incident_id,
        case durations.severity
            when 1 then policy_numbers.response_sev1_minutes * 60
            when 2 then policy_numbers.response_sev2_minutes * 60
            when 3 then policy_numbers.response_sev3_business_hours * 3600
        end as response_target_s,
        case
            -- Opsgenie incidents record no acknowledgement (SPEC §13): response n/a
            when durations.detected_at is null or durations.source_kind = 'opsgenie' then null
            when durations.severity = 3 then coalesce(sev3_business_seconds.business_s, 0)
            else seconds_between(durations.detected_at, durations.response_end_at)
        end as response_elapsed_s,
        durations.acknowledged_at is not null as is_acknowledged,
    from durations
    cross join policy_numbers
    left join sev3_business_seconds
        on sev3_business_seconds.incident_id = durations.incident_id
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
        durations.* exclude (response_end_at),
        response_statuses.response_target_s,
        response_statuses.response_elapsed_s,
        response_statuses.response_status,
    from durations
    inner join response_statuses
        on response_statuses.incident_id = durations.incident_id
)

select * from final
