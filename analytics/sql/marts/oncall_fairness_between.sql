-- A table macro installed after the views it reads (people, page_metrics): DuckDB checks a
-- table macro's tables when it is created. db.VIEWS runs this file in its place.
-- oncall_fairness_between(fair_from_at, fair_to_at): the rows of the oncall_fairness view.
-- Both NULL: one period per UTC calendar month of each team's span (from the month of its
-- first shift or page to that of its last), which is the view (marts/oncall_fairness.sql
-- documents the grain and columns). Both given (TIMESTAMPTZ): one custom period [fair_from_at,
-- fair_to_at) per team, its window the fairness_weeks ending at fair_to_at (the compensation
-- report's period). A custom period that is a calendar month gives the view's rows of that
-- month. Everything is on each person's own calendar (people.timezone and people.country):
-- each shift piece is cut at the person's local midnights (DST days are 23 h or 25 h long) and
-- at the period's bounds; its names avoid the columns it reads (a macro parameter captures a
-- column of its name).
create or replace macro oncall_fairness_between(fair_from_at, fair_to_at) as table

with

working_time as (
    select
        fairness_weeks,
        max_consecutive_oncall_days as consecutive_days_limit,
        max_interrupted_nights_per_week as weekly_nights_limit,
        max_offhours_oncall_hours_per_4_weeks as offhours_4_weeks_limit,
        business_start,
        business_end,
    from policy
),

-- each person's calendar: zone (UTC when unknown to DuckDB) and country (NULL: the policy's)
calendars as (
    select
        people.name_key,
        people.engineer as person_name,
        coalesce(known_zones.name, 'UTC') as person_zone,
        people.country as person_country,
    from people
    left join pg_timezone_names() as known_zones
        on known_zones.name = people.timezone
),

shifts as (
    select
        oncall_shifts.team,
        lower(trim(oncall_shifts.engineer)) as name_key,
        oncall_shifts.engineer as written_name,
        oncall_shifts.start_at,
        oncall_shifts.end_at,
        oncall_shifts.is_override,
        coalesce(calendars.person_zone, 'UTC') as person_zone,
        calendars.person_country,
    from oncall_shifts
    left join calendars
        on calendars.name_key = lower(trim(oncall_shifts.engineer))
    where oncall_shifts.end_at > oncall_shifts.start_at
),

-- every page, with the night it broke (labelled by the local date of the night's start);
-- a custom period reads only the pages near it (its ISO weeks reach 7 days beyond)
fairness_pages as (
    select
        team,
        lower(trim(recipient)) as name_key,
        recipient as written_name,
        sent_at,
        is_overnight,
        night_of_local(recipient_local_time) as night_date,
    from page_metrics
    where
        fair_from_at is null
        or (sent_at >= fair_from_at - interval 8 day and sent_at < fair_to_at + interval 8 day)
),

-- the local dates each shift piece touches on its engineer's clock
shift_days as (
    select
        shifts.*,
        cast(
            unnest(
                generate_series(
                    cast(cast(local_ts(start_at, person_zone) as date) as timestamp),
                    cast(
                        cast(local_ts(end_at - interval 1 microsecond, person_zone) as date)
                        as timestamp
                    ),
                    interval 1 day
                )
            ) as date
        ) as local_date,
    from shifts
),

-- a piece cut at local midnight: [fragment_start_at, fragment_end_at) on one local date,
-- with that date's business window on the person's calendar (NULL on a weekend or holiday)
fragments as (
    select
        shift_days.team,
        shift_days.name_key,
        shift_days.local_date,
        greatest(
            shift_days.start_at,
            timezone(shift_days.person_zone, cast(shift_days.local_date as timestamp))
        ) as fragment_start_at,
        least(
            shift_days.end_at,
            timezone(shift_days.person_zone, cast(shift_days.local_date + 1 as timestamp))
        ) as fragment_end_at,
        is_weekend(shift_days.local_date) as is_weekend_date,
        is_holiday_for(shift_days.local_date, shift_days.person_country) as is_holiday_date,
        case
            when is_business_day_for(shift_days.local_date, shift_days.person_country)
                then timezone(
                    shift_days.person_zone, shift_days.local_date + working_time.business_start
                )
        end as business_start_at,
        case
            when is_business_day_for(shift_days.local_date, shift_days.person_country)
                then timezone(
                    shift_days.person_zone, shift_days.local_date + working_time.business_end
                )
        end as business_end_at,
    from shift_days
    cross join working_time
),

-- on-call and off-hours on-call hours per person, team and local date
oncall_dates as (
    select
        team,
        name_key,
        local_date,
        sum(seconds_between(fragment_start_at, fragment_end_at)) / 3600 as date_hours,
        -- seconds, so that sums of whole seconds compare exactly with a limit
        sum(
            seconds_between(fragment_start_at, fragment_end_at)
            - business_overlap_s(
                fragment_start_at, fragment_end_at, business_start_at, business_end_at
            )
        ) as date_offhours_s,
    from fragments
    group by team, name_key, local_date
),

-- runs of on-call days (>= 4 h on call that local date): gaps and islands
oncall_day_islands as (
    select
        team,
        name_key,
        local_date,
        local_date - cast(
            row_number() over (partition by team, name_key order by local_date) as integer
        ) as island,
    from oncall_dates
    where date_hours >= 4
),

runs as (
    select
        team,
        name_key,
        min(local_date) as first_date,
        max(local_date) as last_date,
        count(*) as run_days,
    from oncall_day_islands
    group by team, name_key, island
),

-- off-hours on-call hours of the 28 local dates ending on each date (a dense series, so
-- that a date without on-call time still ends a window)
date_spans as (
    select
        team,
        name_key,
        min(local_date) as first_date,
        max(local_date) + 27 as last_date,
    from oncall_dates
    group by team, name_key
),

dense_dates as (
    select
        team,
        name_key,
        cast(
            unnest(
                generate_series(
                    cast(first_date as timestamp), cast(last_date as timestamp), interval 1 day
                )
            ) as date
        ) as local_date,
    from date_spans
),

rolling_offhours as (
    select
        dense_dates.team,
        dense_dates.name_key,
        dense_dates.local_date,
        sum(coalesce(oncall_dates.date_offhours_s, 0)) over (
            partition by dense_dates.team, dense_dates.name_key
            order by dense_dates.local_date
            rows between 27 preceding and current row
        ) as offhours_28_days_s,
    from dense_dates
    left join oncall_dates
        on
            oncall_dates.team = dense_dates.team
            and oncall_dates.name_key = dense_dates.name_key
            and oncall_dates.local_date = dense_dates.local_date
),

-- interrupted nights per ISO week of the night's local date
night_weeks as (
    select
        team,
        name_key,
        cast(date_trunc('week', night_date) as date) as week_start,
        count(distinct night_date) as week_nights,
    from fairness_pages
    where is_overnight
    group by team, name_key, cast(date_trunc('week', night_date) as date)
),

activity as (
    select
        team,
        start_at as first_at,
        end_at - interval 1 microsecond as last_at,
    from shifts
    union all
    select
        team,
        sent_at as first_at,
        sent_at as last_at,
    from fairness_pages
),

team_spans as (
    select
        team,
        min(first_at) as first_at,
        max(last_at) as last_at,
    from activity
    group by team
),

team_months as (
    select
        team,
        unnest(
            generate_series(
                date_trunc('month', utc_ts(first_at)),
                date_trunc('month', utc_ts(last_at)),
                interval 1 month
            )
        ) as month_start,
    from team_spans
    where fair_from_at is null
),

period_bounds as (
    select
        team,
        timezone('UTC', month_start) as period_start,
        timezone('UTC', month_start + interval 1 month) as period_end,
    from team_months
    union all
    select
        team,
        cast(fair_from_at as timestamptz) as period_start,
        cast(fair_to_at as timestamptz) as period_end,
    from team_spans
    where fair_from_at is not null
),

periods as (
    select
        period_bounds.team,
        period_bounds.period_start,
        period_bounds.period_end,
        utc_date(period_bounds.period_start) as first_date,
        utc_date(period_bounds.period_end - interval 1 microsecond) as last_date,
        period_bounds.period_end
        - to_days(7 * working_time.fairness_weeks) as window_start_at,
        period_bounds.period_end as window_end_at,
    from period_bounds
    cross join working_time
),

-- the period's share of each fragment: on-call, business, weekend and holiday seconds
period_fragments as (
    select
        periods.team,
        periods.period_start,
        fragments.name_key,
        fragments.is_weekend_date,
        fragments.is_holiday_date,
        seconds_between(
            greatest(fragments.fragment_start_at, periods.period_start),
            least(fragments.fragment_end_at, periods.period_end)
        ) as oncall_s,
        business_overlap_s(
            greatest(fragments.fragment_start_at, periods.period_start),
            least(fragments.fragment_end_at, periods.period_end),
            fragments.business_start_at,
            fragments.business_end_at
        ) as business_s,
    from periods
    inner join fragments
        on
            fragments.team = periods.team
            and fragments.fragment_end_at > periods.period_start
            and fragments.fragment_start_at < periods.period_end
),

period_hours as (
    select
        team,
        period_start,
        name_key,
        sum(oncall_s) / 3600 as oncall_hours,
        sum(oncall_s - business_s) / 3600 as offhours_oncall_hours,
        coalesce(sum(oncall_s) filter (where is_weekend_date), 0) / 3600 as weekend_oncall_hours,
        coalesce(sum(oncall_s) filter (where is_holiday_date), 0) / 3600 as holiday_oncall_hours,
    from period_fragments
    group by team, period_start, name_key
),

period_pages as (
    select
        periods.team,
        periods.period_start,
        fairness_pages.name_key,
        count(*) as pages,
        count(distinct fairness_pages.night_date) filter (
            where fairness_pages.is_overnight
        ) as nights_interrupted,
    from periods
    inner join fairness_pages
        on
            fairness_pages.team = periods.team
            and fairness_pages.sent_at >= periods.period_start
            and fairness_pages.sent_at < periods.period_end
    group by periods.team, periods.period_start, fairness_pages.name_key
),

-- each engineer's hours of the team in the window (overrides included)
window_pieces as (
    select
        periods.team,
        periods.period_start,
        shifts.name_key,
        seconds_between(
            greatest(shifts.start_at, periods.window_start_at),
            least(shifts.end_at, periods.window_end_at)
        ) as window_s,
        not shifts.is_override as is_rotation_piece,
    from periods
    inner join shifts
        on
            shifts.team = periods.team
            and shifts.end_at > periods.window_start_at
            and shifts.start_at < periods.window_end_at
),

window_hours as (
    select
        team,
        period_start,
        name_key,
        sum(window_s) as window_s,
        sum(window_s) / 3600 as window_hours,
        bool_or(is_rotation_piece) as is_member,
    from window_pieces
    group by team, period_start, name_key
),

-- a member's presence: from their first to their last non-override piece of the team
rotation_spans as (
    select
        team,
        name_key,
        min(start_at) as first_start_at,
        max(end_at) as last_end_at,
    from shifts
    where not is_override
    group by team, name_key
),

members as (
    select
        window_hours.team,
        window_hours.period_start,
        window_hours.name_key,
        seconds_between(
            greatest(rotation_spans.first_start_at, periods.window_start_at),
            least(rotation_spans.last_end_at, periods.window_end_at)
        ) / seconds_between(periods.window_start_at, periods.window_end_at) as member_weight,
    from window_hours
    inner join periods
        on
            periods.team = window_hours.team
            and periods.period_start = window_hours.period_start
    inner join rotation_spans
        on
            rotation_spans.team = window_hours.team
            and rotation_spans.name_key = window_hours.name_key
    where window_hours.is_member
),

teams_in_window as (
    select
        window_hours.team,
        window_hours.period_start,
        -- sums of whole seconds and of exact decimals: a sum of fractional doubles depends on
        -- the order DuckDB's threads add them in (873.6 one run, 873.5999999999999 the next)
        sum(window_hours.window_s) / 3600 as team_window_hours,
        count(members.name_key) as team_members,
        sum(members.member_weight::decimal(38, 18))::double as team_member_weight,
    from window_hours
    left join members
        on
            members.team = window_hours.team
            and members.period_start = window_hours.period_start
            and members.name_key = window_hours.name_key
    group by window_hours.team, window_hours.period_start
),

-- the rows: the window's members, and whoever was on call or paged for the team in the period
period_people as (
    select team, period_start, name_key from members
    union
    select team, period_start, name_key from period_hours
    union
    select team, period_start, name_key from period_pages
),

longest_runs as (
    select
        period_people.team,
        period_people.period_start,
        period_people.name_key,
        max(runs.run_days) as max_consecutive_oncall_days,
    from period_people
    inner join periods
        on
            periods.team = period_people.team
            and periods.period_start = period_people.period_start
    inner join runs
        on
            runs.team = period_people.team
            and runs.name_key = period_people.name_key
            and runs.first_date <= periods.last_date
            and runs.last_date >= periods.first_date
    group by period_people.team, period_people.period_start, period_people.name_key
),

busiest_weeks as (
    select
        period_people.team,
        period_people.period_start,
        period_people.name_key,
        max(night_weeks.week_nights) as max_week_nights_interrupted,
    from period_people
    inner join periods
        on
            periods.team = period_people.team
            and periods.period_start = period_people.period_start
    inner join night_weeks
        on
            night_weeks.team = period_people.team
            and night_weeks.name_key = period_people.name_key
            and night_weeks.week_start <= periods.last_date
            and night_weeks.week_start + 6 >= periods.first_date
    group by period_people.team, period_people.period_start, period_people.name_key
),

busiest_4_weeks as (
    select
        period_people.team,
        period_people.period_start,
        period_people.name_key,
        max(rolling_offhours.offhours_28_days_s) as max_offhours_28_days_s,
    from period_people
    inner join periods
        on
            periods.team = period_people.team
            and periods.period_start = period_people.period_start
    inner join rolling_offhours
        on
            rolling_offhours.team = period_people.team
            and rolling_offhours.name_key = period_people.name_key
            and rolling_offhours.local_date between periods.first_date and periods.last_date
    group by period_people.team, period_people.period_start, period_people.name_key
),

names as (
    select
        name_key,
        min(written_name) as written_name,
    from (
        select name_key, written_name from shifts
        union all
        select name_key, written_name from fairness_pages
    )
    group by name_key
),

joined as (
    select
        coalesce(calendars.person_name, names.written_name) as engineer,
        period_people.team,
        periods.period_start,
        periods.period_end,
        coalesce(period_hours.oncall_hours, 0) as oncall_hours,
        coalesce(period_hours.offhours_oncall_hours, 0) as offhours_oncall_hours,
        coalesce(period_hours.weekend_oncall_hours, 0) as weekend_oncall_hours,
        coalesce(period_hours.holiday_oncall_hours, 0) as holiday_oncall_hours,
        coalesce(period_pages.pages, 0) as pages,
        coalesce(period_pages.nights_interrupted, 0) as nights_interrupted,
        coalesce(longest_runs.max_consecutive_oncall_days, 0) as max_consecutive_oncall_days,
        periods.window_start_at,
        periods.window_end_at,
        coalesce(window_hours.window_hours, 0) as window_hours,
        coalesce(teams_in_window.team_window_hours, 0) as team_window_hours,
        members.name_key is not null as is_member,
        coalesce(members.member_weight, 0) as member_weight,
        coalesce(teams_in_window.team_members, 0) as team_members,
        coalesce(teams_in_window.team_member_weight, 0) as team_member_weight,
        coalesce(busiest_weeks.max_week_nights_interrupted, 0) as max_week_nights_interrupted,
        coalesce(busiest_4_weeks.max_offhours_28_days_s, 0) as max_offhours_28_days_s,
    from period_people
    inner join periods
        on
            periods.team = period_people.team
            and periods.period_start = period_people.period_start
    left join period_hours
        on
            period_hours.team = period_people.team
            and period_hours.period_start = period_people.period_start
            and period_hours.name_key = period_people.name_key
    left join period_pages
        on
            period_pages.team = period_people.team
            and period_pages.period_start = period_people.period_start
            and period_pages.name_key = period_people.name_key
    left join window_hours
        on
            window_hours.team = period_people.team
            and window_hours.period_start = period_people.period_start
            and window_hours.name_key = period_people.name_key
    left join members
        on
            members.team = period_people.team
            and members.period_start = period_people.period_start
            and members.name_key = period_people.name_key
    left join teams_in_window
        on
            teams_in_window.team = period_people.team
            and teams_in_window.period_start = period_people.period_start
    left join longest_runs
        on
            longest_runs.team = period_people.team
            and longest_runs.period_start = period_people.period_start
            and longest_runs.name_key = period_people.name_key
    left join busiest_weeks
        on
            busiest_weeks.team = period_people.team
            and busiest_weeks.period_start = period_people.period_start
            and busiest_weeks.name_key = period_people.name_key
    left join busiest_4_weeks
        on
            busiest_4_weeks.team = period_people.team
            and busiest_4_weeks.period_start = period_people.period_start
            and busiest_4_weeks.name_key = period_people.name_key
    left join calendars
        on calendars.name_key = period_people.name_key
    left join names
        on names.name_key = period_people.name_key
),

final as (
    select
        joined.engineer,
        joined.team,
        case
            when
                utc_ts(joined.period_start) = date_trunc('month', utc_ts(joined.period_start))
                and utc_ts(joined.period_end)
                = date_trunc('month', utc_ts(joined.period_start)) + interval 1 month
                then strftime(utc_ts(joined.period_start), '%Y-%m')
        end as month,
        joined.period_start,
        joined.period_end,
        joined.oncall_hours,
        joined.offhours_oncall_hours,
        joined.weekend_oncall_hours,
        joined.holiday_oncall_hours,
        joined.pages,
        joined.nights_interrupted,
        joined.max_consecutive_oncall_days,
        joined.window_start_at,
        joined.window_end_at,
        joined.window_hours,
        joined.team_window_hours,
        joined.is_member,
        joined.member_weight,
        joined.team_members,
        joined.team_member_weight,
        joined.team_window_hours / nullif(joined.team_member_weight, 0) as team_fair_share_hours,
        joined.window_hours
        / nullif(joined.team_window_hours / nullif(joined.team_member_weight, 0), 0)
            as share_of_fair,
        joined.max_week_nights_interrupted,
        joined.max_offhours_28_days_s / 3600 as max_offhours_oncall_hours_28_days,
        cast(
            list_filter(
                [
                    case
                        when
                            working_time.consecutive_days_limit > 0
                            and joined.max_consecutive_oncall_days
                            > working_time.consecutive_days_limit
                            then 'max_consecutive_oncall_days'
                    end,
                    case
                        when
                            working_time.weekly_nights_limit > 0
                            and joined.max_week_nights_interrupted > working_time.weekly_nights_limit
                            then 'max_interrupted_nights_per_week'
                    end,
                    case
                        when
                            working_time.offhours_4_weeks_limit > 0
                            and joined.max_offhours_28_days_s
                            > working_time.offhours_4_weeks_limit * 3600
                            then 'max_offhours_oncall_hours_per_4_weeks'
                    end,
                ],
                lambda flag: flag is not null
            ) as varchar[]
        ) as limit_flags,
    from joined
    cross join working_time
)

select * from final;
