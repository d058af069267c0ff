-- model: none
-- kind: query
-- layer: queries
-- depends: comp_time_ledger
-- grain: engineer, month
--
-- Comp-time ledger rows as the comp-time command and the reports read them, by engineer then
-- month, optionally of one engineer (matched case-insensitively after trimming) and one month.
-- Parameters: $name (VARCHAR, NULL: every engineer), $month (VARCHAR YYYY-MM, NULL: every month).
--   engineer: the engineer, as spelled in people.csv where known
--   employee_id: payroll employee id (NULL when not in people.csv or not given)
--   team: the engineer's team in people.csv (NULL when not known)
--   month: calendar month, YYYY-MM
--   owed_hours: comp-time hours earned in the month, hours
--   taken_hours: comp-time hours taken in the month, hours
--   expired_hours: unconsumed hours that expired in the month, hours
--   balance_hours: hours owed and not taken or expired at the end of the month, hours
with

ledger as (
    select
        engineer,
        employee_id,
        team,
        month,
        owed_hours,
        taken_hours,
        expired_hours,
        balance_hours,
    from comp_time_ledger
    where
        ($name is null or lower(trim(engineer)) = lower(trim($name)))
        and ($month is null or month = $month)
)

select * from ledger
order by engineer, month
