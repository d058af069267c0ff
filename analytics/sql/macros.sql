-- Scalar macros shared by the marts and by pay (sql/pay*). Macros are expanded where they are
-- used, so a macro that reads `policy` or `holidays` sees the TEMP tables a reader created with
-- --policy, exactly as the views do. Timestamps are TIMESTAMPTZ (UTC); local times are TIMESTAMP
-- (no zone) in the zone named. None of them depends on the connection's TimeZone setting.
-- Expansion is textual: a query using them must not name a CTE `policy` or `holidays` (it would
-- capture the macro's subquery); the marts name theirs policy_numbers and report_time.

-- Seconds from a to b (DOUBLE, negative when b is before a; NULL when either is NULL).
create or replace macro seconds_between(a, b) as epoch(b) - epoch(a);

-- The UTC wall clock of an instant as a TIMESTAMP (plain arithmetic: no ICU call per row).
create or replace macro utc_ts(ts) as make_timestamp(epoch_us(ts));

-- The UTC calendar date of an instant.
create or replace macro utc_date(ts) as cast(utc_ts(ts) as date);

-- Monday (DATE) of the ISO week of an instant; weeks run from Monday 00:00 UTC.
create or replace macro iso_week_start(ts) as cast(date_trunc('week', utc_ts(ts)) as date);

-- The wall-clock time of instant ts in IANA zone tz (NULL or '' = UTC), DST-correct (ICU).
create or replace macro local_ts(ts, tz) as timezone(coalesce(nullif(tz, ''), 'UTC'), ts);

-- Clock time t in [start_t, end_t); a range with start_t > end_t wraps past midnight.
create or replace macro clock_in(t, start_t, end_t) as
    case
        when start_t <= end_t then t >= start_t and t < end_t
        else t >= start_t or t < end_t
    end;

-- A local wall-clock time (TIMESTAMP) is overnight: [policy.overnight_start, overnight_end).
create or replace macro is_overnight_local(local_time) as
    clock_in(
        cast(local_time as time),
        (select overnight_start from policy),
        (select overnight_end from policy)
    );

-- Instant ts is overnight in zone tz (pay's overnight pages, on-call sleep pages).
create or replace macro is_overnight(ts, tz) as is_overnight_local(local_ts(ts, tz));

-- A local calendar date is a business day: an ISO weekday of the policy, not a public holiday.
create or replace macro is_business_day(d) as
    list_contains((select business_weekdays from policy), isodow(d))
    and not coalesce(d in (select holiday_date from holidays), false);

-- A local wall-clock time (TIMESTAMP) is in business hours: a business day and
-- [policy.business_start, business_end).
create or replace macro is_business_local_time(local_time) as
    is_business_day(cast(local_time as date))
    and clock_in(
        cast(local_time as time),
        (select business_start from policy),
        (select business_end from policy)
    );

-- Instant ts is in business hours in zone tz (the policy's hours and holidays, that zone's clock).
create or replace macro is_business_local(ts, tz) as is_business_local_time(local_ts(ts, tz));

-- Instant ts is in business hours of the policy's own business time zone (SEV-3 clock).
create or replace macro is_business_time(ts) as
    is_business_local(ts, (select business_timezone from policy));

-- Hour class of a local wall-clock time: sleep (overnight wins), business, or off.
create or replace macro hour_class_local(local_time) as
    case
        when is_overnight_local(local_time) then 'sleep'
        when is_business_local_time(local_time) then 'business'
        else 'off'
    end;
