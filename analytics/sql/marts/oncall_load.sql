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

shifts as (
    select
        team,
        start_at,
        end_at,
    from oncall_shifts
    where end_at > start_at
),

page_metrics as (
    -- the booleans behind hour_class and ack_status: cheaper than comparing their strings
    select
        team,
        sent_at,
        is_overnight,
        is_business_hours,
        ack_s,
        ack_target_s,
    from page_metrics
),

shift_weeks as (
    select
        team,
        start_at,
        end_at,
        unnest(
            generate_series(
                date_trunc('week', utc_ts(start_at)),
                utc_ts(end_at),
                interval 7 day
            )
        ) as week_start_local,
    from shifts
),

shift_pieces as (
    select
        team,
        cast(week_start_local as date) as week_start,
        seconds_between(
            greatest(start_at, timezone('UTC', week_start_local)),
            least(end_at, timezone('UTC', week_start_local + interval 7 day))
        ) as piece_s,
    from shift_weeks
),

oncall_weeks as (
    select
        team,
        week_start,
        sum(piece_s) / 3600 as oncall_hours,
    from shift_pieces
    where piece_s > 0
    group by team, week_start
),

page_weeks as (
    select
        team,
        iso_week_start(sent_at) as week_start,
        count(*) as pages,
        count(*) filter (where is_business_hours and not is_overnight) as business_pages,
        count(*) filter (where not is_business_hours and not is_overnight) as off_hours_pages,
        count(*) filter (where is_overnight) as sleep_pages,
        count(ack_s) as acked_pages,
        count(*) filter (where ack_s <= ack_target_s) as ack_met_pages,
    from page_metrics
    group by team, iso_week_start(sent_at)
),

joined as (
    select
        coalesce(oncall_weeks.team, page_weeks.team) as team,
        coalesce(oncall_weeks.week_start, page_weeks.week_start) as week_start,
        coalesce(oncall_weeks.oncall_hours, 0) as oncall_hours,
        coalesce(page_weeks.pages, 0) as pages,
        coalesce(page_weeks.business_pages, 0) as business_pages,
        coalesce(page_weeks.off_hours_pages, 0) as off_hours_pages,
        coalesce(page_weeks.sleep_pages, 0) as sleep_pages,
        coalesce(page_weeks.acked_pages, 0) as acked_pages,
        coalesce(page_weeks.ack_met_pages, 0) as ack_met_pages,
    from oncall_weeks
    full outer join page_weeks
        on
            page_weeks.team = oncall_weeks.team
            and page_weeks.week_start = oncall_weeks.week_start
),

final as (
    select
        team,
        week_start,
        strftime(week_start, '%G-W%V') as iso_week,
        oncall_hours,
        pages,
        pages / nullif(oncall_hours, 0) as pages_per_oncall_hour,
        business_pages,
        off_hours_pages,
        sleep_pages,
        acked_pages,
        ack_met_pages,
    from joined
)

select * from final
