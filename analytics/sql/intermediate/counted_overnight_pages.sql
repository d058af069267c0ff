-- model: counted_overnight_pages
-- kind: macro
-- layer: intermediate
-- depends: pages_sent, page_keys, policy, pay_rates, macros.sql, intermediate/page_local_time.sql
-- grain: page_id
--
-- counted_overnight_pages(from_at, to_at): the pages that earn comp time (docs/payroll.md, docs/metrics.md), sent
-- in [from_at, to_at) (TIMESTAMPTZ; NULL = unbounded on that side). The one body of the rule:
-- pay/overnight_pages.sql (payroll) selects it for a pay period, marts/comp_time_ledger.sql
-- with NULL bounds; pay/overnight_pages.sql documents the grain and columns. A page is counted
-- when sent overnight in the recipient's own time zone and, for a page with an incident, it is
-- the recipient's FIRST overnight page of that incident ever (an earlier one before from_at
-- means none counts here). A page's local time: intermediate/page_local_time.sql.
-- The bounds are compared with sent_at directly (not through a joined CTE), so a constant
-- period becomes a filter of the scan of src_pages; the overnight window is read once (a
-- cross join), not once per row; the pages without an incident count each and skip the
-- window; the look-back reads only pages with an incident (page_keys). The period's pages are
-- read from pages_sent: `pages` without the acknowledgement, which nothing here needs.
create or replace macro counted_overnight_pages(from_at, to_at) as table

with

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
        p.recipient_key as name_key,
        p.team,
        nullif(trim(p.incident_id), '') as incident_id,
    from pages_sent as p
    where
        p.sent_at >= coalesce(from_at::timestamptz, '-infinity'::timestamptz)
        and p.sent_at < coalesce(to_at::timestamptz, 'infinity'::timestamptz)
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
overnight_window as (
    select
        policy.overnight_start,
        policy.overnight_end,
    from policy
),

overnight_pages as (
    select localised_pages.*,
    from localised_pages
    cross join overnight_window as w
    where overnight_at(localised_pages.local_at, w.overnight_start, w.overnight_end)
),

-- a page without an incident counts each; of one person's pages of one incident, the first
first_in_period as (
    select *,
    from overnight_pages
    where incident_id is null
    union all
    select *,
    from overnight_pages
    where incident_id is not null
    qualify row_number() over (
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
        p.sent_at < coalesce(from_at::timestamptz, '-infinity'::timestamptz)
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
    cross join overnight_window as w
    where overnight_at(earlier_pages.local_at, w.overnight_start, w.overnight_end)
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
