-- model: none
-- kind: query
-- layer: queries
-- depends: action_items, incidents
-- grain: none
--
-- Export action_items: every row of `action_items` (its columns, in its order, as docs/warehouse.md
-- describes them) with the Parquet partition month of its incident, the month of the
-- incident's earliest started_at, UTC (export.py, docs/scaling.md). An item whose incident is
-- not known (or has no start) goes to the NULL partition. Parameters: none.
--   __month: partition month, YYYY-MM; NULL: no incident start known
with

incident_months as (
    select
        incident_id,
        min(started_at) as started_at,
    from incidents
    group by incident_id
)

select
    t.*,
    strftime(i.started_at, '%Y-%m') as __month,
from action_items as t
left join incident_months as i on i.incident_id = t.incident_id
