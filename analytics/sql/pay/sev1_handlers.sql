-- model: pay_sev1
-- kind: temp table
-- layer: intermediate
-- depends: incidents, oncall_shifts, pay_rates, macros.sql
-- grain: incident_id
--
-- Pay SEV-1 handlers: who is paid the SEV-1 bonus of each incident (docs/payroll.md).
-- Grain: one row per SEV-1 incident with detected_at in [$period_start, $period_end), plus one
-- row per SEV-1 without detected_at whose started_at is in the period (never paid; reported).
-- The handler is the ACKNOWLEDGED person, else the team's on-call at detected_at.
--   incident_id: the incident
--   team: the incident's owning team (fallback team of a handler missing from people.csv)
--   detected_at: when it was detected (UTC); NULL for the reported rows
--   acknowledged_by: the ACKNOWLEDGED person, NULL when nobody acknowledged
--   handler: who is paid, as spelled in people.csv / the rotation; NULL: nobody (reported)
--   name_key: lower(trim(handler))
--   handled_as: acknowledged | on_call | NULL
--   rate_effective_from: effective_from of the rate in force at detected_at
--   sev1_bonus_usd: the bonus of that rate, USD
-- Invariants: unique incident_id.
with

period as (
    select
        $period_start::timestamptz as period_start,
        $period_end::timestamptz as period_end,
),

sev1 as (
    select
        i.incident_id,
        i.team,
        i.detected_at,
        nullif(trim(i.acknowledged_by), '') as acknowledged_by,
    from incidents as i
    cross join period
    where
        i.severity = 1
        -- a status page's own incident never earns a SEV-1 bonus by itself (docs/importers.md)
        and i.source_kind <> 'statuspage'
        and (
            (i.detected_at >= period.period_start and i.detected_at < period.period_end)
            or (
                i.detected_at is null
                and i.started_at >= period.period_start
                and i.started_at < period.period_end
            )
        )
),

on_call_at_detection as (
    select
        sev1.incident_id,
        s.engineer,
    from sev1
    inner join oncall_shifts as s
        on
            team_key(s.team) = team_key(sev1.team)
            and s.start_at <= sev1.detected_at
            and s.end_at > sev1.detected_at
    qualify row_number() over (partition by sev1.incident_id order by s.start_at desc) = 1
),

handled as (
    select
        sev1.*,
        case
            when sev1.detected_at is null then null
            else coalesce(sev1.acknowledged_by, on_call.engineer)
        end as handler,
        case
            when sev1.detected_at is null then null
            when sev1.acknowledged_by is not null then 'acknowledged'
            when on_call.engineer is not null then 'on_call'
        end as handled_as,
    from sev1
    left join on_call_at_detection as on_call on on_call.incident_id = sev1.incident_id
),

final as (
    select
        handled.incident_id,
        handled.team,
        handled.detected_at,
        handled.acknowledged_by,
        handled.handler,
        lower(trim(handled.handler)) as name_key,
        handled.handled_as,
        rates.effective_from as rate_effective_from,
        rates.sev1_bonus_usd,
    from handled
    asof left join pay_rates as rates on handled.detected_at >= rates.effective_from
)

select * from final
