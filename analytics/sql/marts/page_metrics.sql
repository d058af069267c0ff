-- model: page_metrics
-- kind: view
-- layer: marts
-- depends: pages, people, params, policy, holidays, country_holidays, page_span, macros.sql
-- grain: page_id
--
-- Page metrics: one row per page (unique page_id): every column of `pages`, the acknowledgement
-- time and status against policy_numbers.page_ack_minutes, and the recipient's local time of the page in
-- the recipient's own time zone from `people` (UTC when unknown), DST-correct. hour_class splits
-- pages into sleep (overnight, [policy_numbers.overnight_start, overnight_end) local), business (the
-- policy's business weekdays and hours on the recipient's clock, minus the public holidays of
-- the recipient's people.country, else of the policy's country: docs/metrics.md, "One calendar per person") and off.
--   page_id: the page's id
--   sent_at: when the page was sent (UTC)
--   recipient: who was paged, as spelled in people.csv when known
--   team: the team paged, trimmed and lower-cased
--   service: the service, trimmed and lower-cased
--   incident_id: the incident the page belongs to (NULL for noise)
--   acknowledged_at: when the page was acknowledged (UTC)
--   acknowledged_by: who acknowledged it
--   escalated_at: when the page was escalated (UTC)
--   urgency: the page's urgency (high, low ...)
--   source_file: the file the row was read from
--   ack_s: acknowledged_at - sent_at, seconds (NULL when unacknowledged)
--   ack_target_s: acknowledgement target, seconds (policy page_ack_minutes * 60)
--   ack_status: met (acknowledged within target), breached (late, or unacknowledged past target at as_of), pending
--   recipient_timezone: the recipient's IANA time zone (UTC when not in people.csv or unknown)
--   recipient_local_time: sent_at on the recipient's wall clock (TIMESTAMP without zone)
--   is_overnight: sent in the recipient's overnight hours [22:00, 07:00) local by default
--   is_business_hours: sent in business hours on the recipient's clock and calendar (the recipient's country's holidays)
--   hour_class: sleep (overnight), business or off (the rest)
with

pages as (
    select * from pages
),

-- a zone DuckDB does not know (ingest should have rejected it) is read as UTC rather than
-- failing every query on this view
people_zones as (
    select
        engineer,
        country,
        known_zone(timezone) as timezone,
    from people
),

people as (
    select
        engineer,
        timezone,
        country,
        dense_rank() over (order by timezone) as zone_no,
    from people_zones
),

-- zone 0 is UTC, for recipients not in people.csv
zones as (
    select distinct
        zone_no,
        timezone,
    from people
    union all
    select
        0 as zone_no,
        'UTC' as timezone,
),

report_time as (
    select as_of from params
),

policy_numbers as (
    select
        page_ack_minutes * 60 as ack_target_s,
        overnight_start,
        overnight_end,
        business_start,
        business_end,
        business_weekdays,
    from policy
),

-- the holidays of every calendar: '' is the policy's country (a recipient without a country,
-- or not in people.csv), else the country code (the rule of the macro is_holiday_for)
holiday_dates as (
    select distinct
        '' as calendar_country,
        holiday_date,
    from holidays
    union all
    select distinct
        country as calendar_country,
        holiday_date,
    from country_holidays
),

recipients as (
    select
        pages.*,
        coalesce(people.timezone, 'UTC') as recipient_timezone,
        coalesce(people.zone_no, 0) as zone_no,
        coalesce(people.country, '') as calendar_country,
        epoch_us(pages.sent_at) // 86400000000 as day_no,
    from pages
    -- pages.recipient is already spelled as in people.csv when the person is known there
    left join people
        on people.engineer = pages.recipient
),

-- ICU time-zone conversion is the costly step, so it is not done per page (millions) but per
-- zone and UTC day (thousands): the offset at the day's start, and, on the rare day the offset
-- changes, the new offset and the instant it starts (found to the quarter hour: every tzdata
-- change falls on one). The day range is page_span (src_pages, which covers `pages`), so
-- that DuckDB answers it from the table's zone maps.
day_range as (
    select
        epoch_us(first_sent_at) // 86400000000 as first_day_no,
        epoch_us(last_sent_at) // 86400000000 as last_day_no,
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

zone_offsets as (
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
),

localized as (
    select
        recipients.* exclude (zone_no, day_no, calendar_country),
        recipients.calendar_country,
        seconds_between(recipients.sent_at, recipients.acknowledged_at) as ack_s,
        seconds_between(recipients.sent_at, report_time.as_of) as waited_s,
        make_timestamp(
            epoch_us(recipients.sent_at)
            + case
                when epoch_us(recipients.sent_at) >= zone_offsets.change_us
                    then zone_offsets.next_offset_us
                else zone_offsets.offset_us
            end
        ) as recipient_local_time,
    from recipients
    cross join report_time
    left join zone_offsets
        on
            zone_offsets.zone_no = recipients.zone_no
            and zone_offsets.day_no = recipients.day_no
),

-- the overnight and business-hours rules of macros.sql (overnight_at, business_hours_at), with
-- the policy read once instead of per row
classified as (
    select
        localized.*,
        policy_numbers.ack_target_s,
        overnight_at(
            localized.recipient_local_time,
            policy_numbers.overnight_start,
            policy_numbers.overnight_end
        ) as is_overnight,
        business_hours_at(
            localized.recipient_local_time,
            holiday_dates.holiday_date is not null,
            policy_numbers.business_weekdays,
            policy_numbers.business_start,
            policy_numbers.business_end
        ) as is_business_hours,
    from localized
    cross join policy_numbers
    left join holiday_dates
        on
            holiday_dates.calendar_country = localized.calendar_country
            and holiday_dates.holiday_date = cast(localized.recipient_local_time as date)
),

final as (
    select
        * exclude (waited_s, ack_target_s, is_overnight, is_business_hours, calendar_country),
        ack_target_s,
        case
            when ack_s is not null and ack_s <= ack_target_s then 'met'
            when ack_s is not null then 'breached'
            when waited_s > ack_target_s then 'breached'
            else 'pending'
        end as ack_status,
        is_overnight,
        is_business_hours,
        case
            when is_overnight then 'sleep'
            when is_business_hours then 'business'
            else 'off'
        end as hour_class,
    from classified
)

select * from final
