-- model: none
-- kind: query
-- layer: queries
-- depends: pay_overnight_pages
-- grain: name_key, rate_effective_from, comp_hours_per_overnight_page
--
-- Pay overnight page counts: the period's counted overnight pages (the pay_overnight_pages TEMP
-- table) per engineer and pay rate, so Python pays comp time on counts, never on the pages
-- themselves (there can be tens of thousands). Parameters: none.
--   name_key: lower(trim(recipient)), the payroll line
--   rate_effective_from: effective_from of the pay rate in force when the pages were sent (NULL: none in force)
--   comp_hours_per_overnight_page: comp-time hours that rate credits per counted page, hours
--   pages: counted overnight pages, a count
--   first_sent_at: when the earliest of them was sent (UTC)
with

per_rate as (
    select
        name_key,
        rate_effective_from,
        comp_hours_per_overnight_page,
        count(*) as pages,
        min(sent_at) as first_sent_at,
    from pay_overnight_pages
    group by name_key, rate_effective_from, comp_hours_per_overnight_page
)

select * from per_rate
order by name_key, rate_effective_from
