-- model: none
-- kind: query
-- layer: queries
-- depends: pay_overnight_pages, pay_engineers
-- grain: none
--
-- Pay page explanation rows: the payroll explanation file's row of every counted overnight
-- page of the period, formatted here (there can be tens of thousands), in file order per
-- engineer (start_at as text, then ref, as the Python orders a line's other rows). A row no
-- cell of which needs CSV quoting (a comma, a double quote, CR or LF) nor the spreadsheet-safe
-- prefix (a text cell starting with = + - @ TAB or CR, docs/payroll.md) comes as its CSV line;
-- any other as its cells, which Python's csv writer quotes. Reads the period's pay_* TEMP
-- tables (sql/pay). Parameters: none.
-- Grain: one row per counted overnight page (page_id is not unique across sources).
--   name_key: lower(trim(recipient)), the payroll line the page belongs to
--   line: the row as one CSV line (the cells joined by commas, the columns of the explanation file); NULL when cells is set
--   cells: the row's 14 cells, in the explanation file's column order, text; NULL when line is set
with

rates as (
    select
        rate_effective_from,
        comp_hours_per_overnight_page,
        coalesce(strftime(rate_effective_from, '%Y-%m-%d'), '') as rate_effective_from_text,
        coalesce(regexp_replace(
            comp_hours_per_overnight_page::decimal(18, 6)::varchar, '\.?0+$', ''
        ), '') as rate,
    from (
        select distinct rate_effective_from, comp_hours_per_overnight_page
        from pay_overnight_pages
    ) as used
),

formatted as (
    select
        p.name_key,
        coalesce(e.engineer, '') as engineer,
        coalesce(e.employee_id, '') as employee_id,
        coalesce(e.team, '') as team,
        coalesce(p.page_id, '') as ref,
        coalesce(p.team, '') as source_team,
        case
            when microsecond(p.sent_at) = 0 then strftime(p.sent_at, '%Y-%m-%dT%H:%M:%SZ')
            else strftime(p.sent_at, '%Y-%m-%dT%H:%M:%S.%fZ')
        end as start_at,
        r.rate_effective_from_text as rate_effective_from,
        r.rate,
        'local ' || strftime(p.local_at, '%Y-%m-%d %H:%M:%S') || ' ' || p.timezone || '; '
            || coalesce('first overnight page of incident ' || p.incident_id, 'no incident')
            as detail,
    from pay_overnight_pages as p
    inner join pay_engineers as e on e.name_key = p.name_key
    left join rates as r
        on
            r.rate_effective_from is not distinct from p.rate_effective_from
            and r.comp_hours_per_overnight_page
            is not distinct from p.comp_hours_per_overnight_page
),

checked as (
    select
        *,
        not regexp_matches(
            engineer || employee_id || team || ref || source_team || detail, '[,"\r\n]'
        )
        and left(engineer, 1) not in ('=', '+', '-', '@', chr(9), chr(13))
        and left(employee_id, 1) not in ('=', '+', '-', '@', chr(9), chr(13))
        and left(team, 1) not in ('=', '+', '-', '@', chr(9), chr(13))
        and left(ref, 1) not in ('=', '+', '-', '@', chr(9), chr(13))
        and left(source_team, 1) not in ('=', '+', '-', '@', chr(9), chr(13))
        and left(detail, 1) not in ('=', '+', '-', '@', chr(9), chr(13))
        as plain,
    from formatted
)

select
    name_key,
    case when plain then concat_ws(
        ',', engineer, employee_id, team, 'overnight_page', ref, source_team, start_at, '', '',
        rate_effective_from, rate, '', rate, detail
    ) end as line,
    case when not plain then [
        engineer, employee_id, team, 'overnight_page', ref, source_team, start_at, '', '',
        rate_effective_from, rate, '', rate, detail
    ] end as cells,
from checked
order by name_key, start_at, ref
