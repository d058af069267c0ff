-- Business-hours windows of the policy: one row per business day (unique business_date), the
-- window [window_start_at, window_end_at) in UTC. Built from policy_numbers.business_timezone, _start,
-- _end and _weekdays minus `holidays`, DST-correct; it covers the local dates from the first
-- detection - 7 days to max(as_of, last detection, last acknowledgement) + 60 days (so the
-- clock of an acknowledged incident never depends on as_of). The SEV-3 response clock counts
-- only seconds inside these windows. Invariants: windows never overlap; window_end_at > window_start_at.
--   business_date: the business day, a local date in the policy's business time zone
--   window_start_at: start of the business window (UTC, included)
--   window_end_at: end of the business window (UTC, excluded)
--   window_s: length of the window, seconds
with

policy_numbers as (
    select
        business_timezone,
        business_start,
        business_end,
    from policy
),

report_time as (
    select as_of from params
),

-- The calendar spans every detection. The base table holds every version of every incident,
-- so its span covers the view's (or more), without the view's deduplication pass.
detections as (
    select
        min(detected_at) as first_detected_at,
        greatest(max(detected_at), max(acknowledged_at)) as last_detected_at,
    from src_incidents
),

date_range as (
    select
        cast(
            timezone(policy_numbers.business_timezone, coalesce(detections.first_detected_at, report_time.as_of))
            as date
        ) - 7 as first_date,
        cast(
            timezone(
                policy_numbers.business_timezone,
                greatest(report_time.as_of, coalesce(detections.last_detected_at, report_time.as_of))
            )
            as date
        ) + 60 as last_date,
    from detections
    cross join report_time
    cross join policy_numbers
),

calendar_days as (
    select
        cast(
            unnest(
                generate_series(
                    cast(first_date as timestamp), cast(last_date as timestamp), interval 1 day
                )
            ) as date
        ) as business_date,
    from date_range
),

business_days as (
    select business_date,
    from calendar_days
    where is_business_day(business_date)
),

windows as (
    select
        business_days.business_date,
        timezone(policy_numbers.business_timezone, business_days.business_date + policy_numbers.business_start)
            as window_start_at,
        timezone(policy_numbers.business_timezone, business_days.business_date + policy_numbers.business_end)
            as window_end_at,
    from business_days
    cross join policy_numbers
),

final as (
    select
        business_date,
        window_start_at,
        window_end_at,
        seconds_between(window_start_at, window_end_at) as window_s,
    from windows
    where window_end_at > window_start_at
)

select * from final
