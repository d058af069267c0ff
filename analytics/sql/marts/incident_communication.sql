-- model: incident_communication
-- kind: view
-- layer: marts
-- depends: params, communication_facts
-- grain: incident_id, requirement
--
-- Communication per severity (docs/metrics.md): one row per incident and requirement of its severity
-- in communication_rules (the policy's [communication]; no rows for a severity without any).
-- A requirement is met by a timeline event whose text holds one of its phrases, whole-word and
-- case-insensitively ("exec" never matches "executed"; "#exec" matches "#exec-war-room"), at
-- or before detection + within_minutes. An incident without DETECTED counts from STARTED.
-- What does not depend on as_of (due time, first match) is read from `communication_facts`,
-- stored at ingest under the policy's version; only the status is computed here.
-- Invariant: unique (incident_id, requirement).
--   incident_id: the incident
--   severity: its declared severity, 1..3
--   requirement: the requirement's name in [communication] (e.g. vp_engineering, exec_channel)
--   due_at: detected_at (else started_at) + [communication] within_minutes (UTC)
--   first_at: the first timeline event matching the requirement (UTC), whenever it happened; NULL when none
--   status: met (a match at or before due_at), pending (no match and as_of before due_at), breached (otherwise), n/a (no timeline document: imported incidents)
with

facts as (
    select * from communication_facts
),

report_time as (
    select as_of from params
),

final as (
    select
        q.incident_id,
        q.severity,
        q.requirement,
        q.due_at,
        q.first_at,
        case
            when q.source_kind <> 'timeline' then 'n/a'
            when q.first_at <= q.due_at then 'met'
            when t.as_of < q.due_at then 'pending'
            else 'breached'
        end as status,
    from facts as q
    cross join report_time as t
)

select * from final
