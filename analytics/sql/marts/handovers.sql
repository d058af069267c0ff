-- model: handovers
-- kind: view
-- layer: marts
-- depends: policy, oncall_shifts
-- grain: team, handover_at
--
-- Hand-overs: one row per change of on-call engineer (unique team, handover_at). A hand-over is
-- each point where a team's next non-override piece of oncall_shifts has another engineer than
-- its previous non-override piece, whatever the shift length and whether or not a gap or an
-- override lies between them (an override splitting a shift is no hand-over: the pieces on
-- both sides of it have the same engineer). The note window is [handover_at - before_hours,
-- handover_at + after_hours] of the policy's [handoff] (both bounds included).
--   team: the team, trimmed and lower-cased
--   handover_at: start of the incoming engineer's piece (UTC)
--   from_engineer: the outgoing engineer (the previous non-override piece)
--   to_engineer: the incoming engineer
--   previous_end_at: end of the outgoing engineer's piece (UTC); overrides between it and handover_at may write the note
--   window_start_at: handover_at - [handoff] before_hours (UTC)
--   window_end_at: handover_at + [handoff] after_hours (UTC)
with

policy as (
    select handoff_before_hours, handoff_after_hours from policy
),

shifts as (
    select team, engineer, start_at, end_at from oncall_shifts where not is_override
),

pieces as (
    select
        team,
        engineer,
        start_at,
        lag(engineer) over by_team as previous_engineer,
        lag(end_at) over by_team as previous_end_at,
    from shifts
    window by_team as (partition by team order by start_at)
),

final as (
    select
        p.team,
        p.start_at as handover_at,
        p.previous_engineer as from_engineer,
        p.engineer as to_engineer,
        p.previous_end_at,
        p.start_at
        - to_microseconds(cast(pol.handoff_before_hours * 3600e6 as bigint)) as window_start_at,
        p.start_at
        + to_microseconds(cast(pol.handoff_after_hours * 3600e6 as bigint)) as window_end_at,
    from pieces as p
    cross join policy as pol
    where p.previous_engineer is not null
        and lower(trim(p.previous_engineer)) <> lower(trim(p.engineer))
)

select * from final
