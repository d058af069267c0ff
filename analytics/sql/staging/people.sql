-- model: people
-- kind: view
-- layer: staging
-- depends: src_people, macros.sql
-- grain: engineer
--
-- People from people.csv: one row per engineer (names unique case-insensitively after trimming).
-- Names are shown as spelled here; time zones are IANA names, UTC when not given.
--   engineer: the engineer's name as spelled in people.csv
--   employee_id: payroll employee id (NULL when not given)
--   team: team name, trimmed and lower-cased
--   timezone: IANA time zone of the engineer (default UTC); overnight pages use it
--   email: e-mail address, optional
--   country: the person's country for public holidays, upper-cased ISO 3166-1 alpha-2 with an optional subdivision (e.g. DE-BY); NULL = the policy's [business_hours] holidays_country
--   name_key: lower-cased trimmed name, the key other tables match people on
--   source_file: the file the row was read from
with source as (
    select * from src_people
),

ranked as (
    select
        *,
        row_number() over (
            partition by lower(trim(engineer)) order by source_file, line_no
        ) as rank_in_name,
    from source
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
        source_file,
    from ranked
    where rank_in_name = 1
)

select * from final
