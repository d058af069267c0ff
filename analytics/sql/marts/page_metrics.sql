-- model: page_metrics
-- kind: view
-- layer: marts
-- depends: pages, params, policy, holidays, country_holidays, macros.sql,
-- depends: intermediate/page_local_time.sql
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

-- the recipient's zone and the zone-day offsets: the local-time rule of page_local_time.sql
zones as (
    select
        engineer,
        country,
        timezone,
        zone_no,
    from recipient_zones()
),

zone_offsets as (
    select * from zone_day_offsets()
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
        coalesce(zones.timezone, 'UTC') as recipient_timezone,
        coalesce(zones.zone_no, 0) as zone_no,
        coalesce(zones.country, '') as calendar_country,
        page_day_no(pages.sent_at) as day_no,
    from pages
    -- pages.recipient is already spelled as in people.csv when the person is known there
    left join zones
        on zones.engineer = pages.recipient
),

localized as (
    select
        recipients.* exclude (zone_no, day_no, calendar_country),
        recipients.calendar_country,
        seconds_between(recipients.sent_at, recipients.acknowledged_at) as ack_s,
        seconds_between(recipients.sent_at, report_time.as_of) as waited_s,
        page_local_at(
            recipients.sent_at,
            zone_offsets.offset_us,
            zone_offsets.next_offset_us,
            zone_offsets.change_us
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
