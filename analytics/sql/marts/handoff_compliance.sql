-- model: handoff_compliance
-- kind: view
-- layer: marts
-- depends: params, handovers, handoff_notes
-- grain: team, handover_at
--
-- Hand-off compliance (the playbook: "hand off to the next on-call with a written summary"):
-- one row per hand-over (unique team, handover_at) whose window has opened by as_of
-- (handover_at - before_hours <= as_of). Which changes are hand-overs is `handovers`; which
-- notes count is `handoff_notes`. met: a note counts; pending: none yet while the window is
-- still open (as_of <= window end); breached: none, window closed. Blameless reports show rates
-- per team only.
--   team: the team, trimmed and lower-cased
--   handover_at: start of the incoming engineer's piece (UTC)
--   from_engineer: the outgoing engineer
--   to_engineer: the incoming engineer
--   window_start_at: handover_at - [handoff] before_hours (UTC)
--   window_end_at: handover_at + [handoff] after_hours (UTC); a note written at exactly this instant counts
--   note_at: when the earliest note that counts was written (UTC; NULL when none counts)
--   status: met, pending or breached
with

report_time as (
    select as_of from params
),

handovers as (
    select * from handovers
),

notes as (
    select team, handover_at, min(written_at) as note_at,
    from handoff_notes
    group by team, handover_at
),

final as (
    select
        h.team,
        h.handover_at,
        h.from_engineer,
        h.to_engineer,
        h.window_start_at,
        h.window_end_at,
        n.note_at,
        case
            when n.note_at is not null then 'met'
            when r.as_of <= h.window_end_at then 'pending'
            else 'breached'
        end as status,
    from handovers as h
    cross join report_time as r
    left join notes as n on n.team = h.team and n.handover_at = h.handover_at
    where h.window_start_at <= r.as_of
)

select * from final
