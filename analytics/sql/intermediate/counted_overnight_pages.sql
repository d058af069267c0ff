-- model: counted_overnight_pages
-- kind: macro
-- layer: intermediate
-- depends: pages, page_keys, pay_rates, macros.sql, intermediate/page_local_time.sql
-- grain: page_id
--
-- counted_overnight_pages(from_at, to_at): the pages that earn comp time (SPEC §7, §11), sent
-- in [from_at, to_at) (TIMESTAMPTZ; NULL = unbounded on that side). The one body of the rule:
-- pay/overnight_pages.sql (payroll) selects it for a pay period, marts/comp_time_ledger.sql
-- with NULL bounds; pay/overnight_pages.sql documents the grain and columns. A page is counted
-- when sent overnight in the recipient's own time zone and, for a page with an incident, it is
-- the recipient's FIRST overnight page of that incident ever (an earlier one before from_at
-- means none counts here). A page's local time: intermediate/page_local_time.sql.
create or replace macro counted_overnight_pages(from_at, to_at) as table

with

period as (
    select
        coalesce(from_at::timestamptz, '-infinity'::timestamptz) as period_start,
        coalesce(to_at::timestamptz, 'infinity'::timestamptz) as period_end,
),

-- the recipient's zone (with zone_day_offsets: the local-time rule of page_local_time.sql)
zones as (
    select
        name_key,
        timezone,
        zone_no,
    from recipient_zones()
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

zoned_pages as (
    select
        period_pages.*,
        coalesce(zones.timezone, 'UTC') as timezone,
        coalesce(zones.zone_no, 0) as zone_no,
        page_day_no(period_pages.sent_at) as day_no,
    from period_pages
    left join zones on zones.name_key = period_pages.name_key
),

localised_pages as (
    select
        zoned_pages.* exclude (zone_no, day_no),
        page_local_at(
            zoned_pages.sent_at,
            zone_offsets.offset_us,
            zone_offsets.next_offset_us,
            zone_offsets.change_us
        ) as local_at,
    from zoned_pages
    left join zone_day_offsets() as zone_offsets
        on
            zone_offsets.zone_no = zoned_pages.zone_no
            and zone_offsets.day_no = zoned_pages.day_no
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
        p.name_key,
        p.incident_id,
        p.sent_at,
    from page_keys as p
    where
        p.sent_at < (select period_start from period)
        and p.incident_id in (
            select incident_id from first_in_period where incident_id is not null
        )
),

earlier_zoned as (
    select
        earlier_candidates.name_key,
        earlier_candidates.incident_id,
        earlier_candidates.sent_at,
        coalesce(zones.zone_no, 0) as zone_no,
        page_day_no(earlier_candidates.sent_at) as day_no,
    from earlier_candidates
    left join zones on zones.name_key = earlier_candidates.name_key
),

earlier_pages as (
    select
        earlier_zoned.name_key,
        earlier_zoned.incident_id,
        page_local_at(
            earlier_zoned.sent_at,
            zone_offsets.offset_us,
            zone_offsets.next_offset_us,
            zone_offsets.change_us
        ) as local_at,
    from earlier_zoned
    left join zone_day_offsets() as zone_offsets
        on
            zone_offsets.zone_no = earlier_zoned.zone_no
            and zone_offsets.day_no = earlier_zoned.day_no
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

select * from final;
