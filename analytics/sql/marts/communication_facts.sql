-- Communication facts, computed live: one row per incident and requirement (unique
-- (incident_id, requirement)), everything of `incident_communication` that does not depend on
-- the report time, under the policy in force. Ingest stores these rows as the table
-- `communication_facts` (with their policy_version); a reader given another policy computes
-- them again from this view (docs/warehouse.md).
--   incident_id: the incident
--   severity: its declared severity, 1..3
--   requirement: the requirement's name in [communication]
--   due_at: detected_at (else started_at) + [communication] within_minutes (UTC)
--   first_at: the first timeline event matching the requirement (UTC); NULL when none
--   source_kind: timeline, or the importer of an imported incident (its requirements are n/a)
--   policy_version: the policy these facts were computed under
with

incidents as (
    select
        incident_id,
        severity,
        coalesce(detected_at, started_at) as clock_start_at,
        source_kind,
    from incidents
),

policy_numbers as (
    select policy_version, communication_within_minutes from policy
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
        p.policy_version,
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
        q.source_kind,
        q.policy_version,
    from requirements as q
    left join matches as m
        on m.incident_id = q.incident_id and m.requirement = q.requirement
)

select * from final
