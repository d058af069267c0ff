-- Pay overnight pages: the pages that earn comp time in the pay period (SPEC §7, §11).
-- Grain: one row per counted page sent in [$period_start, $period_end): sent overnight
-- ([policy.overnight_start, policy.overnight_end) local time in the recipient's own time zone,
-- DST-correct through ICU), and, for a page with an incident, the recipient's FIRST overnight
-- page of that incident ever (an earlier one in a previous period means none counts here).
-- Pages without an incident count each. The look-back for earlier pages reads src_pages (the
-- same rows as the pages view, keyed by lower(trim(recipient))): the view's people joins cost
-- seconds over 10 million rows and change no key.
--   page_id: the page
--   sent_at: when it was sent (UTC)
--   recipient: who was paged, as spelled in people.csv where known
--   name_key: lower(trim(recipient))
--   team: the team paged (fallback team of a recipient missing from people.csv)
--   incident_id: the incident, NULL for pages without one
--   timezone: the time zone used (people.timezone; UTC when unknown or not an IANA name)
--   local_at: sent_at in that time zone (TIMESTAMP, wall clock)
--   rate_effective_from: effective_from of the rate in force at sent_at
--   comp_hours_per_overnight_page: comp-time hours of that rate
-- Invariants: unique page_id; unique (name_key, incident_id) where incident_id is not null.
with

period as (
    select
        $period_start::timestamptz as period_start,
        $period_end::timestamptz as period_end,
),

zones as (
    select
        people.name_key,
        coalesce(known.name, 'UTC') as timezone,
    from people
    left join pg_timezone_names() as known on known.name = people.timezone
),

period_pages as (
    select
        p.page_id,
        p.sent_at,
        p.recipient,
        lower(trim(p.recipient)) as name_key,
        p.team,
        nullif(trim(p.incident_id), '') as incident_id,
    from pages as p
    cross join period
    where p.sent_at >= period.period_start and p.sent_at < period.period_end
),

localised_pages as (
    select
        period_pages.*,
        coalesce(zones.timezone, 'UTC') as timezone,
        local_ts(period_pages.sent_at, zones.timezone) as local_at,
    from period_pages
    left join zones on zones.name_key = period_pages.name_key
),

-- the calendar shared with metrics (sql/macros.sql): [overnight_start, overnight_end) local
overnight_pages as (
    select localised_pages.*,
    from localised_pages
    where is_overnight_local(local_at)
),

first_in_period as (
    select *,
    from overnight_pages
    qualify
        incident_id is null
        or row_number() over (
            partition by name_key, incident_id order by sent_at, page_id
        ) = 1
),

-- earlier pages of the same person and incident, before the period: an overnight one there
-- already earned the credit
earlier_candidates as (
    select
        lower(trim(p.recipient)) as name_key,
        nullif(trim(p.incident_id), '') as incident_id,
        p.sent_at,
    from src_pages as p
    where
        p.sent_at < (select period_start from period)
        and nullif(trim(p.incident_id), '') in (
            select incident_id from first_in_period where incident_id is not null
        )
),

earlier_pages as (
    select
        earlier_candidates.name_key,
        earlier_candidates.incident_id,
        local_ts(earlier_candidates.sent_at, zones.timezone) as local_at,
    from earlier_candidates
    left join zones on zones.name_key = earlier_candidates.name_key
),

earlier_overnight as (
    select distinct
        earlier_pages.name_key,
        earlier_pages.incident_id,
    from earlier_pages
    where is_overnight_local(local_at)
),

counted as (
    select first_in_period.*,
    from first_in_period
    anti join earlier_overnight
        on
            earlier_overnight.name_key = first_in_period.name_key
            and earlier_overnight.incident_id = first_in_period.incident_id
),

final as (
    select
        counted.page_id,
        counted.sent_at,
        counted.recipient,
        counted.name_key,
        counted.team,
        counted.incident_id,
        counted.timezone,
        counted.local_at,
        rates.effective_from as rate_effective_from,
        rates.comp_hours_per_overnight_page,
    from counted
    asof left join pay_rates as rates on counted.sent_at >= rates.effective_from
)

select * from final
