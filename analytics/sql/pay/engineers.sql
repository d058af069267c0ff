-- model: pay_engineers
-- kind: temp table
-- layer: intermediate
-- depends: pay_shift_pieces, pay_sev1, pay_overnight_pages, people, macros.sql
-- grain: name_key
--
-- Pay engineers: who gets a payroll line, and the name, employee id and team it carries.
-- Reads the pay_* TEMP tables built from shift_pieces.sql, sev1_handlers.sql and
-- overnight_pages.sql for the same period.
-- Grain: one row per name_key with any on-call time, paid SEV-1 or counted overnight page.
--   name_key: lower(trim(name))
--   engineer: as spelled in people.csv; else as first written in the pay inputs
--   employee_id: from people.csv; NULL when missing there (the line is kept, with a warning)
--   team: people.csv team; else the team of the earliest shift, SEV-1 or page (docs/payroll.md)
--   in_people: whether the engineer is in people.csv
--   timezone: people.csv time zone as written (NULL when missing from people.csv)
--   timezone_known: whether that time zone is an IANA name DuckDB knows (else UTC is used)
-- Invariants: unique name_key.
with

contributions as (
    select
        name_key,
        engineer,
        first_team as team,
        start_at as seen_at,
    from pay_shift_pieces
    union all
    select
        name_key,
        handler as engineer,
        team,
        detected_at as seen_at,
    from pay_sev1
    where handler is not null
    union all
    select
        name_key,
        recipient as engineer,
        team,
        sent_at as seen_at,
    from pay_overnight_pages
),

first_seen as (
    select
        name_key,
        arg_min(engineer, (seen_at, engineer)) as engineer,
        arg_min(team, (seen_at, team)) as team,
    from contributions
    group by name_key
),

final as (
    select
        first_seen.name_key,
        coalesce(people.engineer, first_seen.engineer) as engineer,
        people.employee_id,
        coalesce(people.team, first_seen.team) as team,
        people.name_key is not null as in_people,
        people.timezone,
        people.name_key is null or known_zone(people.timezone) = people.timezone
            as timezone_known,
    from first_seen
    left join people on people.name_key = first_seen.name_key
)

select * from final
