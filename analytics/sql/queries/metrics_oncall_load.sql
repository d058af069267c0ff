-- model: none
-- kind: query
-- layer: queries
-- depends: oncall_load_between
-- grain: team, week_start
--
-- Metrics on-call load: the oncall_load view's rows for the ISO weeks overlapping a period,
-- the view's own logic with the period pushed down to the pages it reads
-- (intermediate/oncall_load_between.sql; metrics.oncall_load). Teams, never people.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
-- Grain: one row per team and ISO week, sorted by team then week_start.
-- Columns: those of oncall_load (marts/oncall_load.sql).
--   team: the team
--   week_start: the Monday (UTC) of the ISO week
select * from oncall_load_between($period_start::timestamptz, $period_end::timestamptz)
order by team, week_start
