-- model: incident_facts_live
-- kind: view
-- layer: marts
-- depends: incidents, pages, policy, stg_incidents, timeline_events, macros.sql, business_clock,
-- depends: intermediate/status_cadence.sql
-- grain: incident_id
--
-- Incident facts, computed live: one row per incident (unique incident_id), everything of
-- `incident_responses` and `incident_metrics` that does not depend on the report time, under
-- the policy in force (docs/warehouse.md). Ingest stores these rows as the table
-- `incident_facts` (with the policy_version they were computed with); a reader given another
-- policy computes them again from this view for its own connection. The views
-- `incident_responses` and `incident_metrics` read that table and add only what depends on
-- as_of, so they give the same rows as computing everything at read time.
--   incident_id: the incident (every column of `incidents` is here, as in incident_responses)
--   is_zero_duration: a status-page incident resolved at the instant it started
--   ttd_s: detected_at - started_at, seconds
--   tta_s: acknowledged_at - detected_at, seconds
--   ttm_s: mitigated_at - started_at, seconds (NULL for a zero-duration incident)
--   ttr_s: resolved_at - started_at, seconds (NULL while open, and for a zero-duration incident)
--   is_open: true while resolved_at is NULL
--   detected_clock_s: SEV-3 with detected_at: the business clock at detection (business seconds since the first business window; 0 before it)
--   acknowledged_clock_s: SEV-3 with detected_at and acknowledged_at: the business clock at acknowledgement
--   cadence_start_at: where the status-page cadence starts (detection; a status-page-only incident: its start); NULL for a zero-duration incident
--   closed_update_max_gap_s: SEV-1/2, resolved: largest gap between the cadence points (seconds)
--   closed_update_count: SEV-1/2, resolved: status_update events between cadence start and resolution
--   open_update_ats: SEV-1/2, open: the status_update instants from cadence start on, sorted (the end point is as_of, added at read time)
--   status_source: where the status updates came from: statuspage, timeline, none
--   first_escalation_at: earliest escalation: a timeline escalation event or an escalated_at of one of the incident's pages (UTC)
--   policy_version: the policy these facts were computed under
with

incidents as (
    select * from incidents
),

policy_numbers as (
    select policy_version from policy
),

durations as (
    select
        incidents.*,
        seconds_between(incidents.started_at, incidents.detected_at) as ttd_s,
        seconds_between(incidents.detected_at, incidents.acknowledged_at) as tta_s,
        -- a status-page incident resolved at the instant it started was recorded after the
        -- fact: left out of MTTM and MTTR (docs/importers.md), counted as zero_duration instead
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
    from (
        select
            *,
            coalesce(source_kind = 'statuspage' and resolved_at = started_at, false)
                as is_zero_duration,
        from incidents
    ) as incidents
),

-- SEV-3: the business clock at detection and at acknowledgement; the response clock is the
-- difference (at read time, the clock at as_of stands in for a missing acknowledgement)
sev3_clocks as (
    select
        durations.incident_id,
        coalesce(
            start_clock.before_s
            + least(
                seconds_between(start_clock.window_start_at, durations.detected_at),
                start_clock.window_s
            ),
            0
        ) as detected_clock_s,
        case when durations.acknowledged_at is not null then
            coalesce(
                end_clock.before_s
                + least(
                    seconds_between(end_clock.window_start_at, durations.acknowledged_at),
                    end_clock.window_s
                ),
                0
            )
        end as acknowledged_clock_s,
    from durations
    asof left join business_clock as start_clock
        on durations.detected_at >= start_clock.window_start_at
    asof left join business_clock as end_clock
        on durations.acknowledged_at >= end_clock.window_start_at
    where durations.severity = 3 and durations.detected_at is not null
),

status_updates as (
    select
        incident_id,
        occurred_at,
    from timeline_events
    where kind = 'status_update'
),

-- a page's escalated_at counts for its own incident only (docs/metrics.md)
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
    select incident_id from durations where source_kind = 'statuspage'
    union
    select i.incident_id
    from durations as i
    semi join stg_incidents as s
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
    from durations as i
    left join statuspage_incidents as sp on sp.incident_id = i.incident_id
),

cadence_starts as (
    select
        incident_id,
        severity,
        resolved_at,
        cadence_start_at(source_kind, is_zero_duration, started_at, detected_at)
            as cadence_start_at,
    from durations
),

-- the status updates of each SEV-1/2 incident from its cadence start on, sorted
cadence_updates as (
    select
        status_updates.incident_id,
        list_sort(list(status_updates.occurred_at)) as update_ats,
    from status_updates
    inner join cadence_starts
        on cadence_starts.incident_id = status_updates.incident_id
    where
        has_cadence(cadence_starts.severity, cadence_starts.cadence_start_at)
        and status_updates.occurred_at >= cadence_starts.cadence_start_at
    group by status_updates.incident_id
),

cadences as (
    select
        cadence_starts.incident_id,
        cadence_starts.cadence_start_at,
        cadence_starts.resolved_at,
        coalesce(cadence_updates.update_ats, []) as update_ats,
    from cadence_starts
    left join cadence_updates on cadence_updates.incident_id = cadence_starts.incident_id
    where has_cadence(cadence_starts.severity, cadence_starts.cadence_start_at)
),

-- a resolved incident's cadence ends at resolution (an open one's at as_of: read time)
closed_points as (
    select
        incident_id,
        cadence_points(cadence_start_at, resolved_at, update_ats) as points,
    from cadences
    where resolved_at is not null
),

closed_cadences as (
    select
        incident_id,
        cadence_max_gap_s(points) as closed_update_max_gap_s,
        cadence_update_count(points) as closed_update_count,
    from closed_points
),

final as (
    select
        durations.*,
        sev3_clocks.detected_clock_s,
        sev3_clocks.acknowledged_clock_s,
        cadence_starts.cadence_start_at,
        closed_cadences.closed_update_max_gap_s,
        closed_cadences.closed_update_count,
        case when durations.is_open then cadences.update_ats end as open_update_ats,
        status_sources.status_source,
        escalations.first_escalation_at,
        policy_numbers.policy_version,
    from durations
    cross join policy_numbers
    inner join cadence_starts on cadence_starts.incident_id = durations.incident_id
    inner join status_sources on status_sources.incident_id = durations.incident_id
    left join sev3_clocks on sev3_clocks.incident_id = durations.incident_id
    left join closed_cadences on closed_cadences.incident_id = durations.incident_id
    left join cadences on cadences.incident_id = durations.incident_id
    left join escalations on escalations.incident_id = durations.incident_id
)

select * from final
