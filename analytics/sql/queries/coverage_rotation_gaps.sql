-- model: none
-- kind: query
-- layer: queries
-- depends: rotation_findings
-- grain: team, start_at
--
-- Coverage rotation gaps: the rotation gaps that share time with a period, per team in time
-- order, for the data banner and payroll's coverage check (one query for every team: one
-- per team cost ~1 ms each, a quarter second for 250 teams).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ; end excluded).
-- Grain: one row per gap (unique team, start_at).
--   team: the rotation's team
--   start_at: start of the gap (UTC)
--   end_at: end of the gap (UTC, excluded)
select
    team,
    start_at,
    end_at,
from rotation_findings
where kind = 'gap' and start_at < $period_end and end_at > $period_start
order by team, start_at
