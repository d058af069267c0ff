-- model: none
-- kind: query
-- layer: queries
-- depends: oncall_shifts, pay_sev1, pay_overnight_pages, people, pay_engineers, pay_rates
-- grain: input
--
-- Pay inputs hash: sha256 checksums of the rows that feed one period's payroll, so a later
-- export of the same period can tell whether anything that pays changed.
-- Reads the pay_* TEMP tables of the period. Grain: one row per input kind.
--   input: shifts | sev1_incidents | overnight_pages | people | pay_rates
--   rows: how many rows were hashed
--   sha256: hex sha256 of the rows as text, one per line, sorted
with

period as (
    select
        $period_start::timestamptz as period_start,
        $period_end::timestamptz as period_end,
),

shift_rows as (
    select concat_ws('|', s.team, s.engineer, s.start_at, s.end_at, s.is_override) as row_text,
    from oncall_shifts as s
    cross join period
    where s.end_at > period.period_start and s.start_at < period.period_end
),

sev1_rows as (
    select
        concat_ws(
            '|', incident_id, coalesce(team, ''), coalesce(detected_at::varchar, ''),
            coalesce(acknowledged_by, ''), coalesce(handler, '')
        ) as row_text,
    from pay_sev1
),

page_rows as (
    select
        concat_ws(
            '|', page_id, recipient, team, coalesce(incident_id, ''), sent_at, timezone
        ) as row_text,
    from pay_overnight_pages
),

people_rows as (
    select
        concat_ws(
            '|', p.engineer, coalesce(p.employee_id, ''), coalesce(p.team, ''), p.timezone
        ) as row_text,
    from people as p
    semi join pay_engineers as e on e.name_key = p.name_key
),

rate_rows as (
    select
        concat_ws(
            '|', effective_from, weekly_stipend_usd, sev1_bonus_usd, comp_hours_per_overnight_page
        ) as row_text,
    from pay_rates
),

hashed as (
    select 1 as input_no, 'shifts' as input, count(*) as rows,
        sha256(coalesce(string_agg(row_text, chr(10) order by row_text), '')) as sha256,
    from shift_rows
    union all
    select 2, 'sev1_incidents', count(*),
        sha256(coalesce(string_agg(row_text, chr(10) order by row_text), '')),
    from sev1_rows
    union all
    select 3, 'overnight_pages', count(*),
        sha256(coalesce(string_agg(row_text, chr(10) order by row_text), '')),
    from page_rows
    union all
    select 4, 'people', count(*),
        sha256(coalesce(string_agg(row_text, chr(10) order by row_text), '')),
    from people_rows
    union all
    select 5, 'pay_rates', count(*),
        sha256(coalesce(string_agg(row_text, chr(10) order by row_text), '')),
    from rate_rows
),

final as (
    select input, rows, sha256,
    from hashed
    order by input_no
)

select * from final
