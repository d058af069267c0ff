-- model: oncall_load_between
-- kind: macro
-- layer: intermediate
-- depends: oncall_shifts, page_metrics, macros.sql
-- grain: team, week_start
--
-- oncall_load_between(from_at, to_at): the rows of the oncall_load view for the ISO weeks that
-- overlap [from_at, to_at) (TIMESTAMPTZ; NULL = unbounded on that side). It is the view's
-- logic: marts/oncall_load.sql selects it with NULL bounds and documents the grain and
-- columns there. The bounds are compared with sent_at and the shifts' instants directly, so
-- DuckDB reads only the weeks asked for (a report week: ~0.1 s instead of every page of every
-- week). Its names avoid the columns it reads: a macro parameter captures a column of its name.
create or replace macro oncall_load_between(from_at, to_at) as table

with

shifts as (
    select
        team,
        start_at,
        end_at,
    from oncall_shifts
    where
        end_at > start_at
        and (from_at is null or end_at > iso_week_start_at(from_at))
        and (
            to_at is null
            or start_at < iso_week_start_at(to_at - interval 1 microsecond) + interval 7 day
        )
),

pages_in_range as (
    -- the booleans behind hour_class and ack_status: cheaper than comparing their strings
    select
        team,
        sent_at,
        is_overnight,
        is_business_hours,
        ack_s,
        ack_target_s,
    from page_metrics
    where
        (from_at is null or sent_at >= iso_week_start_at(from_at))
        and (
            to_at is null
            or sent_at < iso_week_start_at(to_at - interval 1 microsecond) + interval 7 day
        )
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
    where
        piece_s > 0
        and (from_at is null or week_start >= iso_week_start(from_at))
        and (to_at is null or week_start <= iso_week_start(to_at - interval 1 microsecond))
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
    from pages_in_range
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

select * from final;
