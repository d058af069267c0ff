-- model: incident_duplicates
-- kind: view
-- layer: marts
-- depends: incidents, macros.sql
-- grain: incident_id, other_incident_id
--
-- Likely duplicates: one row per pair of incidents from different sources (source_kind) of the
-- same team or service whose started_at lie within 30 minutes of each other (docs/importers.md).
-- Reported, never merged: a timeline document that names the vendor record (PAGERDUTY:,
-- OPSGENIE:, STATUS PAGE:) links them, and the vendor record then makes no incident of its own.
--   incident_id: the earlier incident of the pair (by started_at, then incident_id)
--   source_kind: its source (timeline, pagerduty, opsgenie, statuspage)
--   started_at: its start (UTC)
--   other_incident_id: the later incident of the pair
--   other_source_kind: its source
--   other_started_at: its start (UTC)
--   started_apart_s: seconds between the two starts, 0 to 1800
--   same_team: both name the same team
--   same_service: both name the same service
with

incidents as (
    select incident_id, source_kind, team, service, started_at, from incidents
),

candidates as (
    select a.incident_id, b.incident_id as other_incident_id,
    from incidents as a
    inner join incidents as b on b.team = a.team
    union
    select a.incident_id, b.incident_id as other_incident_id,
    from incidents as a
    inner join incidents as b on b.service = a.service
),

final as (
    select
        a.incident_id,
        a.source_kind,
        a.started_at,
        b.incident_id as other_incident_id,
        b.source_kind as other_source_kind,
        b.started_at as other_started_at,
        seconds_between(a.started_at, b.started_at) as started_apart_s,
        coalesce(a.team = b.team, false) as same_team,
        coalesce(a.service = b.service, false) as same_service,
    from candidates as c
    inner join incidents as a on a.incident_id = c.incident_id
    inner join incidents as b on b.incident_id = c.other_incident_id
    where
        a.source_kind <> b.source_kind
        and (a.started_at, a.incident_id) < (b.started_at, b.incident_id)
        and b.started_at <= a.started_at + interval 30 minute
)

select * from final
