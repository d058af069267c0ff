-- model: comp_time_ledger
-- kind: view
-- layer: marts
-- depends: params, policy, people, payroll_exports, counted_overnight_pages, stg_comp_time
-- depends: macros.sql
-- grain: engineer, month
--
-- Comp-time ledger (docs/payroll.md): one row per engineer and calendar month, from the month of their
-- first lot or take to the month of as_of (UTC), months without activity included. Owed hours
-- are lots: every page counted by the pay rule (counted_overnight_pages, the rule payroll uses)
-- at the rate in force when it was sent, owed in the UTC month it was sent (the month of the pay
-- period that counted it) and dated by its local date; a calendar month with a final payroll
-- export owes that export's comp_time_hours instead (the month's counted pages, oldest first,
-- up to the export's hours; any hours beyond them one lot dated the month's last day). Taken
-- hours (comp_time/*.csv, taken_on <= the engineer's local date at as_of) consume the oldest
-- unexpired lots first; hours taken beyond the balance are a debt the next lots repay first.
-- With [comp_time] expires_after_days = N > 0, a lot's unconsumed remainder expires at the start
-- of its local date + N + 1 and shows as expired in that month (0 = never). FIFO with expiry in
-- closed form: with S_j the hours of lots 1..j (oldest first) and T(d) the hours taken before
-- date d, the hours expired by date d are max(0, max over lots j expired by d of S_j - T(e_j)).
-- Engineers match people.csv case-insensitively after trimming.
-- Invariant: unique (engineer, month); balance_hours = running sum of owed - taken - expired.
--   engineer: the engineer, as spelled in people.csv where known
--   employee_id: payroll employee id (NULL when not in people.csv or not given)
--   team: the engineer's team in people.csv (NULL when not known)
--   month: calendar month, YYYY-MM (owed: UTC month the page was sent; taken: month of taken_on; expired: month of the expiry date)
--   owed_hours: comp-time hours earned in the month (the final export's comp_time_hours when the month has one), hours
--   taken_hours: comp-time hours taken in the month, hours
--   expired_hours: unconsumed lot hours that expired in the month, hours
--   balance_hours: hours owed and not taken or expired at the end of the month (negative: taken before owed, a debt), hours
with

report_time as (
    select as_of from params
),

settings as (
    select comp_time_expires_after_days as expires_after_days from policy
),

zones as (
    select
        people.name_key,
        people.engineer,
        people.employee_id,
        people.team,
        known_zone(people.timezone) as timezone,
    from people
),

last_month as (
    select cast(date_trunc('month', utc_ts(as_of)) as date) as month_start,
    from report_time
),

-- the export in force for a calendar month: the latest one of exactly that month, written
-- after the month had ended and by as_of, whose lines can be read (a record it cannot read
-- leaves the month to the recount rather than owing nothing)
final_exports as (
    select
        period_start as month_start,
        period_end as last_day,
        lines_json,
    from payroll_exports
    where
        period_start = cast(date_trunc('month', period_start) as date)
        and period_end = last_day(period_start)
        and exported_at >= timezone('UTC', cast(period_end + 1 as timestamp))
        and exported_at <= (select as_of from report_time)
        and try_cast(json_extract(lines_json, '$.lines') as map(varchar, json)) is not null  -- noqa: LT01
    qualify row_number() over (partition by period_start order by exported_at desc, rowid desc) = 1
),

-- (noqa: sqlfluff reads the type map(varchar, json) as a call, and entry, the unnest's
-- column, as a table)
export_lines as (
    select
        final_exports.month_start,
        final_exports.last_day,
        lower(trim(entry.key)) as name_key,  -- noqa: RF01
        entry.key as engineer,  -- noqa: RF01
        coalesce(
            try_cast(json_extract_string(entry.value, '$.comp_time_hours') as decimal(18, 2)),  -- noqa: RF01
            0
        ) as hours,
    from final_exports,
        unnest(
            map_entries(try_cast(json_extract(lines_json, '$.lines') as map(varchar, json)))  -- noqa: LT01
        ) as lines(entry)  -- noqa: LT01
),

export_hours as (
    select
        month_start,
        any_value(last_day) as last_day,
        name_key,
        min(engineer) as engineer,
        sum(hours) as hours,
    from export_lines
    group by month_start, name_key
),

counted as (
    select
        pages.name_key,
        pages.recipient as engineer,
        pages.page_id,
        pages.sent_at,
        cast(pages.local_at as date) as lot_date,
        cast(date_trunc('month', utc_ts(pages.sent_at)) as date) as month_start,
        cast(pages.comp_hours_per_overnight_page as decimal(18, 2)) as hours,
        pages.sent_at <= (select as_of from report_time) as by_as_of,
    from counted_overnight_pages(cast(null as timestamptz), cast(null as timestamptz)) as pages
),

recount_lots as (
    select name_key, engineer, page_id, sent_at, lot_date, month_start, hours,
    from counted
    where by_as_of and month_start not in (select month_start from final_exports)
),

-- a final month: its counted pages oldest first, capped at the export's hours
capped_lots as (
    select
        counted.name_key,
        counted.engineer,
        counted.page_id,
        counted.sent_at,
        counted.lot_date,
        counted.month_start,
        greatest(
            0,
            least(
                counted.hours,
                coalesce(export_hours.hours, 0) - coalesce(
                    sum(counted.hours) over (
                        partition by counted.name_key, counted.month_start
                        order by counted.lot_date, counted.sent_at, counted.page_id
                        rows between unbounded preceding and 1 preceding
                    ),
                    0
                )
            )
        ) as hours,
    from counted
    left join export_hours
        on
            export_hours.name_key = counted.name_key
            and export_hours.month_start = counted.month_start
    where counted.month_start in (select month_start from final_exports)
),

-- export hours beyond the month's counted pages: one lot on the month's last day
topup_lots as (
    select
        export_hours.name_key,
        export_hours.engineer,
        cast(null as varchar) as page_id,
        cast(null as timestamptz) as sent_at,
        export_hours.last_day as lot_date,
        export_hours.month_start,
        export_hours.hours - coalesce(recounted.hours, 0) as hours,
    from export_hours
    left join (
        select name_key, month_start, sum(hours) as hours,
        from counted
        group by name_key, month_start
    ) as recounted
        on
            recounted.name_key = export_hours.name_key
            and recounted.month_start = export_hours.month_start
    where export_hours.hours > coalesce(recounted.hours, 0)
),

lots as (
    select * from recount_lots
    union all
    select * from capped_lots where hours > 0
    union all
    select * from topup_lots
),

takes as (
    select
        name_key,
        engineer,
        taken_on,
        cast(date_trunc('month', taken_on) as date) as month_start,
        hours,
    from stg_comp_time
),

engineers as (
    select
        activity.name_key,
        coalesce(any_value(zones.engineer), min(activity.engineer)) as engineer,
        any_value(zones.employee_id) as employee_id,
        any_value(zones.team) as team,
        least(
            cast(local_ts((select as_of from report_time), any_value(zones.timezone)) as date),
            last_day((select month_start from last_month))
        ) as as_of_date,
        min(activity.month_start) as first_month,
    from (
        select name_key, engineer, month_start from lots
        union all
        select name_key, engineer, month_start from takes
    ) as activity
    left join zones on zones.name_key = activity.name_key
    group by activity.name_key
),

takes_by_as_of as (
    select takes.*,
    from takes
    inner join engineers on engineers.name_key = takes.name_key
    where takes.taken_on <= engineers.as_of_date
),

-- S_j: the hours of the engineer's lots up to and including lot j, oldest first
lot_supply as (
    select
        lots.name_key,
        lots.lot_date + cast((select expires_after_days from settings) as integer) + 1
            as expires_on,
        sum(lots.hours) over (
            partition by lots.name_key
            order by lots.lot_date, lots.sent_at nulls last, lots.page_id
            rows between unbounded preceding and current row
        ) as supply_hours,
    from lots
),

-- S_j - T(e_j) for each lot expired by as_of: its remainder had nothing else gone before
expiry_points as (
    select
        lot_supply.name_key,
        lot_supply.expires_on,
        lot_supply.supply_hours - coalesce(
            (
                select sum(t.hours)
                from takes_by_as_of as t
                where t.name_key = lot_supply.name_key and t.taken_on < lot_supply.expires_on
            ),
            0
        ) as candidate_hours,
    from lot_supply
    inner join engineers on engineers.name_key = lot_supply.name_key
    where
        (select expires_after_days from settings) > 0
        and lot_supply.expires_on <= engineers.as_of_date
),

months as (
    select
        engineers.name_key,
        cast(
            unnest(
                generate_series(
                    cast(engineers.first_month as timestamp),
                    cast((select month_start from last_month) as timestamp),
                    interval 1 month
                )
            ) as date
        ) as month_start,
    from engineers
    where engineers.first_month <= (select month_start from last_month)
),

monthly as (
    select
        months.name_key,
        months.month_start,
        coalesce((
            select sum(lots.hours) from lots
            where lots.name_key = months.name_key and lots.month_start = months.month_start
        ), 0) as owed_hours,
        coalesce((
            select sum(t.hours) from takes_by_as_of as t
            where t.name_key = months.name_key and t.month_start = months.month_start
        ), 0) as taken_hours,
        -- hours expired by the month's last day (a running max: it never decreases)
        greatest(0, coalesce((
            select max(e.candidate_hours) from expiry_points as e
            where e.name_key = months.name_key and e.expires_on <= last_day(months.month_start)
        ), 0)) as expired_to_date,
    from months
),

final as (
    select
        engineers.engineer,
        engineers.employee_id,
        engineers.team,
        strftime(monthly.month_start, '%Y-%m') as month,
        cast(monthly.owed_hours as decimal(18, 2)) as owed_hours,
        cast(monthly.taken_hours as decimal(18, 2)) as taken_hours,
        cast(
            monthly.expired_to_date - coalesce(
                lag(monthly.expired_to_date) over (
                    partition by monthly.name_key order by monthly.month_start
                ),
                0
            ) as decimal(18, 2)
        ) as expired_hours,
        cast(
            sum(monthly.owed_hours - monthly.taken_hours) over (
                partition by monthly.name_key order by monthly.month_start
            ) - monthly.expired_to_date as decimal(18, 2)
        ) as balance_hours,
    from monthly
    inner join engineers on engineers.name_key = monthly.name_key
)

select * from final
order by engineer, month
