-- model: none
-- kind: query
-- layer: queries
-- depends: oncall_shifts
-- grain: none
--
-- Pay period shifts: how many on-call shifts overlap the pay period; none at all means nobody
-- can be paid and only a provisional export is possible (docs/payroll.md, coverage).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded). Grain: one row.
--   shifts: on-call shifts overlapping the period, a count
with

overlapping as (
    select team,
    from oncall_shifts
    where end_at > $period_start and start_at < $period_end
)

select count(*) as shifts
from overlapping
