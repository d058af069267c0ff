-- model: none
-- kind: query
-- layer: queries
-- depends: handoff_compliance
-- grain: team
--
-- Reviews hand-offs: the hand-overs of the report week per team and status, for the weekly
-- report. Only team and status are read: the engineers of a hand-over never reach it.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per team with hand-overs in the week (unique team).
--   team: the rotation's team
--   met: hand-overs with a note that counts
--   breached: hand-overs without one, window closed
--   pending: hand-overs without one yet, window still open at as_of
select
    team,
    count(*) filter (where status = 'met') as met,
    count(*) filter (where status = 'breached') as breached,
    count(*) filter (where status = 'pending') as pending,
from handoff_compliance
where handover_at >= $period_start and handover_at < $period_end
group by team
order by team
