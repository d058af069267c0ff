-- model: none
-- kind: query
-- layer: queries
-- depends: comp_time_ledger
-- grain: engineer, month
--
-- Compensation comp time: the comp-time ledger of the calendar months the pay period touches
-- (a period of days shows its months whole: the ledger is monthly), for the compensation
-- report. Parameters: $first_month, $last_month (VARCHAR YYYY-MM, both included).
--   engineer: the engineer, as spelled in people.csv where known
--   team: the engineer's team in people.csv (NULL when not known)
--   month: calendar month, YYYY-MM
--   owed_hours: comp-time hours earned in the month, hours
--   taken_hours: comp-time hours taken in the month, hours
--   expired_hours: unconsumed hours that expired in the month, hours
--   balance_hours: hours owed and not taken or expired at the end of the month, hours
with

months as (
    select
        engineer,
        team,
        month,
        owed_hours,
        taken_hours,
        expired_hours,
        balance_hours,
    from comp_time_ledger
    where month >= $first_month and month <= $last_month
)

select * from months
order by team asc nulls last, lower(engineer) asc, engineer asc, month asc
