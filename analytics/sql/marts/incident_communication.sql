-- Communication per severity (docs/metrics.md): one row per incident and requirement of its severity
-- in communication_rules (the policy's [communication]; no rows for a severity without any).
-- A requirement is met by a timeline event whose text holds one of its phrases, whole-word and
-- case-insensitively ("exec" never matches "executed"; "#exec" matches "#exec-war-room"), at
-- or before detection + within_minutes. An incident without DETECTED counts from STARTED.
-- Invariant: unique (incident_id, requirement).
--   incident_id: the incident
--   severity: its declared severity, 1..3
--   requirement: the requirement's name in [communication] (e.g. vp_engineering, exec_channel)
--   due_at: detected_at (else started_at) + [communication] within_minutes (UTC)
--   first_at: the first timeline event matching the requirement (UTC), whenever it happened; NULL when none
--   status: met (a match at or before due_at), pending (no match and as_of before due_at), breached (otherwise), n/a (no timeline document: imported incidents)
with

incidents as (
    select
        incident_id,
        severity,
        coalesce(detected_at, started_at) as clock_start_at,
        source_kind,
    from incidents
),

report_time as (
    select as_of from params
),

policy_numbers as (
    select communication_within_minutes from policy
),

rules as (
    select severity, requirement, phrases,
    from communication_rules
),

requirements as (
    select
        i.incident_id,
        i.severity,
        r.requirement,
        r.phrases,
        i.clock_start_at + to_seconds(p.communication_within_minutes * 60) as due_at,
        i.source_kind,
    from incidents as i
    inner join rules as r on r.severity = i.severity
    cross join policy_numbers as p
),

phrases as (
    select incident_id, requirement, lower(unnest(phrases)) as phrase,
    from requirements
),

events as (
    select incident_id, occurred_at, lower(text) as text,
    from timeline_events
    where incident_id in (select incident_id from requirements)
),

-- a plain substring join first; the whole-word test only for the pairs it keeps
candidates as (
    select ph.incident_id, ph.requirement, ph.phrase, e.occurred_at, e.text,
    from phrases as ph
    inner join events as e
        on e.incident_id = ph.incident_id and contains(e.text, ph.phrase)
),

matches as (
    select
        incident_id,
        requirement,
        min(occurred_at) as first_at,
    from candidates
    where whole_word_in(text, phrase, true)
    group by incident_id, requirement
),

final as (
    select
        q.incident_id,
        q.severity,
        q.requirement,
        q.due_at,
        m.first_at,
        case
            when q.source_kind <> 'timeline' then 'n/a'
            when m.first_at <= q.due_at then 'met'
            when t.as_of < q.due_at then 'pending'
            else 'breached'
        end as status,
    from requirements as q
    cross join report_time as t
    left join matches as m
        on m.incident_id = q.incident_id and m.requirement = q.requirement
)

select * from final
