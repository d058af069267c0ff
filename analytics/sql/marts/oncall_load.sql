-- model: oncall_load
-- kind: view
-- layer: marts
-- depends: oncall_load_between
-- grain: team, week_start
--
-- On-call load, blameless: one row per team and ISO week (unique team, week_start) with any
-- on-call time or page. oncall_hours = the team's resolved oncall_shifts clipped to the week;
-- pages by the page's team and sent_at week (UTC), classified on each recipient's own clock
-- (people.timezone, UTC when unknown) as in page_metrics: sleep, business, off hours.
-- Invariant: business_pages + off_hours_pages + sleep_pages = pages.
--   team: team, trimmed and lower-cased
--   week_start: Monday of the ISO week (DATE; the week is [Monday 00:00 UTC, next Monday))
--   iso_week: the ISO week as text, e.g. 2026-W47
--   oncall_hours: hours somebody of the team was on call in the week (gaps excluded)
--   pages: pages sent to the team in the week
--   pages_per_oncall_hour: pages / oncall_hours (NULL when nobody was on call)
--   business_pages: pages in business hours on the recipient's clock
--   off_hours_pages: pages outside business and sleep hours on the recipient's clock
--   sleep_pages: pages in the recipient's overnight hours (22:00-07:00 local by default)
--   acked_pages: pages acknowledged
--   ack_met_pages: pages acknowledged within the page-ack target
with

-- The logic is the table macro oncall_load_between (intermediate/oncall_load_between.sql), so
-- that a report asking for one week reads that week's pages only; the view is every week of it.
final as (
    select * from oncall_load_between(cast(null as timestamptz), cast(null as timestamptz))
)

select * from final
