-- model: none
-- kind: query
-- layer: queries
-- depends: oncall_shifts, page_span
-- grain: none
--
-- Countries years: the first and last UTC year the on-call shifts and the loaded pages span,
-- for the holidays written at ingest (countries.write_country_holidays adds a year each side).
-- Parameters: none.
-- Grain: one row (NULLs without shifts or pages).
--   first_year: the UTC year of the earliest shift start or page
--   last_year: the UTC year of the latest shift end or page
with

shift_years as (
    select
        year(make_timestamp(epoch_us(min(start_at)))) as first_year,
        year(make_timestamp(epoch_us(max(end_at)))) as last_year,
    from oncall_shifts
),

page_years as (
    select
        year(make_timestamp(epoch_us(first_sent_at))) as first_year,
        year(make_timestamp(epoch_us(last_sent_at))) as last_year,
    from page_span
),

both_years as (
    select * from shift_years
    union all
    select * from page_years
),

final as (
    select
        min(first_year) as first_year,
        max(last_year) as last_year,
    from both_years
)

select * from final
