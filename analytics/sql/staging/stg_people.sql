-- model: stg_people
-- kind: view
-- layer: staging
-- depends: src_people, macros.sql
-- grain: source_file, line_no
--
-- People rows as read from people.csv files, cleaned: one row per file line. Names trimmed,
-- empty texts NULL, team lower-cased, country upper-cased, time zone UTC when not given. Two
-- rows may name one person; `people` keeps one.
--   engineer: the engineer's name as spelled in people.csv
--   employee_id: payroll employee id (NULL when not given)
--   team: team name, trimmed and lower-cased
--   timezone: IANA time zone of the engineer (default UTC); overnight pages use it
--   email: e-mail address, optional
--   country: the person's country for public holidays, upper-cased ISO 3166-1 alpha-2 with an optional subdivision (e.g. DE-BY); NULL = the policy's [business_hours] holidays_country
--   name_key: lower-cased trimmed name, the key other tables match people on
--   line_no: line of the row in its file
--   source_file: the file the row was read from
with source as (
    select * from src_people
),

final as (
    select
        trim(engineer) as engineer,
        nullif(trim(employee_id), '') as employee_id,
        nullif(team_key(team), '') as team,
        coalesce(nullif(trim(timezone), ''), 'UTC') as timezone,
        nullif(trim(email), '') as email,
        nullif(upper(trim(country)), '') as country,
        lower(trim(engineer)) as name_key,
        line_no,
        source_file,
    from source
)

select * from final
