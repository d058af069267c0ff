-- model: none
-- kind: query
-- layer: queries
-- depends: page_metrics
-- grain: name_key
--
-- Pages by person: every page each person received in a period, by time of day on their own
-- clock (page_metrics.hour_class), for the compensation report's pages chart.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
-- Grain: one row per name_key (unique name_key).
-- Invariant: business_pages + off_hours_pages + sleep_pages = pages.
--   name_key: lower(trim(recipient)), as pay matches people
--   engineer: the recipient as spelled in people.csv when known
--   team: the team of the person's earliest page in the period
--   pages: pages received in the period
--   business_pages: pages in business hours on the person's clock
--   off_hours_pages: pages outside business and sleep hours
--   sleep_pages: pages in the overnight hours (22:00-07:00 by default)
with

period_pages as (
    select
        lower(trim(recipient)) as name_key,
        recipient,
        team,
        sent_at,
        hour_class,
    from page_metrics
    where
        sent_at >= $period_start::timestamptz
        and sent_at < $period_end::timestamptz
        and nullif(trim(recipient), '') is not null
),

per_person as (
    select
        name_key,
        arg_min(recipient, sent_at) as engineer,
        arg_min(team, sent_at) as team,
        count(*) as pages,
        count(*) filter (where hour_class = 'business') as business_pages,
        count(*) filter (where hour_class = 'off') as off_hours_pages,
        count(*) filter (where hour_class = 'sleep') as sleep_pages,
    from period_pages
    group by name_key
)

select * from per_person
order by name_key
