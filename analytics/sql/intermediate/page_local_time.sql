-- model: none
-- kind: macro
-- layer: intermediate
-- depends: people, page_span, macros.sql
-- grain: none
--
-- THE local time of a page: sent_at on the recipient's own wall clock, DST-correct, in the
-- recipient's time zone from `people` (UTC when the recipient is not there; a zone DuckDB does
-- not know, which ingest should have rejected, is read as UTC: known_zone). One body for
-- page_metrics (every page: its hour class) and counted_overnight_pages (comp time).
-- ICU time-zone conversion is the costly step, so it is not done per page (millions) but per
-- zone and UTC day (thousands): the offset at the day's start, and, on the rare day the offset
-- changes, the new offset and the instant it starts (found to the quarter hour: every tzdata
-- change falls on one). The day range is page_span (src_pages, which covers every page), so
-- that DuckDB answers it from the table's zone maps. A caller joins a page to its recipient's
-- zone (recipient_zones, on engineer or name_key; zone_no 0 = UTC when not found) and to
-- zone_day_offsets on (zone_no, page_day_no(sent_at)), then reads page_local_at.

-- One row per person: the zone used for their pages and its number (1, 2, ... by zone name).
create or replace macro recipient_zones() as table
select
    engineer,
    name_key,
    country,
    timezone,
    dense_rank() over (order by timezone) as zone_no,
from (
    select
        engineer,
        name_key,
        country,
        known_zone(timezone) as timezone,
    from people
) as zoned;

-- The UTC day number of an instant (days since 1970-01-01).
create or replace macro page_day_no(ts) as epoch_us(ts) // 86400000000;

-- One row per zone (zone_no 0: UTC) and UTC day of the pages: the offset at the day's start
-- (offset_us), the offset after the day's change (next_offset_us) and the instant the change
-- takes effect (change_us; the next day's start when the offset does not change).
create or replace macro zone_day_offsets() as table
with

zones as (
    select distinct
        zone_no,
        timezone,
    from recipient_zones()
    union all
    select
        0 as zone_no,
        'UTC' as timezone,
),

day_range as (
    select
        page_day_no(first_sent_at) as first_day_no,
        page_day_no(last_sent_at) as last_day_no,
    from page_span
),

zone_days as (
    select
        zones.zone_no,
        zones.timezone,
        days.day_no,
        epoch_us(timezone(zones.timezone, make_timestamptz(days.day_no * 86400000000)))
        - days.day_no * 86400000000 as offset_us,
        epoch_us(timezone(zones.timezone, make_timestamptz((days.day_no + 1) * 86400000000)))
        - (days.day_no + 1) * 86400000000 as next_offset_us,
    from zones
    cross join day_range
    cross join range(day_range.first_day_no, day_range.last_day_no + 1) as days (day_no)
),

change_quarters as (
    select
        zone_days.zone_no,
        zone_days.timezone,
        zone_days.day_no,
        zone_days.next_offset_us,
        zone_days.day_no * 86400000000 + quarters.quarter_no * 900000000 as quarter_us,
    from zone_days
    cross join range(1, 96) as quarters (quarter_no)
    where zone_days.offset_us <> zone_days.next_offset_us
),

offset_changes as (
    select
        zone_no,
        day_no,
        min(quarter_us) as change_us,
    from change_quarters
    where
        epoch_us(timezone(timezone, make_timestamptz(quarter_us))) - quarter_us = next_offset_us
    group by zone_no, day_no
),

final as (
    select
        zone_days.zone_no,
        zone_days.day_no,
        zone_days.offset_us,
        zone_days.next_offset_us,
        coalesce(offset_changes.change_us, (zone_days.day_no + 1) * 86400000000) as change_us,
    from zone_days
    left join offset_changes
        on
            offset_changes.zone_no = zone_days.zone_no
            and offset_changes.day_no = zone_days.day_no
)

select * from final;

-- Instant ts on the wall clock (TIMESTAMP) of the zone-day row (offset_us, next_offset_us,
-- change_us) of zone_day_offsets it was joined to.
create or replace macro page_local_at(ts, offset_us, next_offset_us, change_us) as
    make_timestamp(
        epoch_us(ts) + case when epoch_us(ts) >= change_us then next_offset_us else offset_us end
    );
