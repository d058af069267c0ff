-- model: none
-- kind: query
-- layer: queries
-- depends: oncall_fairness_between
-- grain: team, engineer
--
-- Metrics on-call fairness: fairness and working time per engineer and team for one period,
-- the oncall_fairness view's logic (intermediate/oncall_fairness_between.sql) computed as one
-- period (metrics.oncall_fairness). It names people: for the compensation report, never the
-- all-hands report.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
-- Grain: one row per engineer and team, sorted by team then engineer.
-- Columns: those of oncall_fairness (marts/oncall_fairness.sql).
--   team: the team
--   engineer: the engineer, as spelled in people.csv when known
select * from oncall_fairness_between($period_start::timestamptz, $period_end::timestamptz)
order by team, engineer
