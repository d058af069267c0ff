-- model: none
-- kind: macro
-- layer: none
-- depends: policy, holidays, country_holidays
-- grain: none
--
-- Scalar macros shared by the marts and by pay (sql/pay*). Macros are expanded where they are
-- used, so a macro that reads `policy` or `holidays` sees the TEMP tables a reader created with
-- --policy, exactly as the views do. Timestamps are TIMESTAMPTZ (UTC); local times are TIMESTAMP
-- (no zone) in the zone named. None of them depends on the connection's TimeZone setting.
-- Expansion is textual: a query using them must not name a CTE `policy`, `holidays` or
-- `country_holidays` (it would capture the macro's subquery); the marts name theirs
-- policy_numbers and report_time.

-- THE team-name rule (docs/inputs.md): a team is named trimmed and lower-cased wherever it is read
-- (people.csv, rotations, hand-off notes); the parsers and commands apply it in Python with
-- analytics/names.py's team_key, which tests/test_names.py checks gives the same key.
create or replace macro team_key(t) as lower(trim(t));

-- Seconds from a to b (DOUBLE, negative when b is before a; NULL when either is NULL).
create or replace macro seconds_between(a, b) as epoch(b) - epoch(a);

-- The UTC wall clock of an instant as a TIMESTAMP (plain arithmetic: no ICU call per row).
create or replace macro utc_ts(ts) as make_timestamp(epoch_us(ts));

-- The UTC calendar date of an instant.
create or replace macro utc_date(ts) as cast(utc_ts(ts) as date);

-- Monday (DATE) of the ISO week of an instant; weeks run from Monday 00:00 UTC.
create or replace macro iso_week_start(ts) as cast(date_trunc('week', utc_ts(ts)) as date);

-- THE time-zone fallback: zone tz when DuckDB knows it by that exact name, else 'UTC' (also for
-- NULL). Ingest rejects any other name, so this only keeps an odd warehouse readable.
create or replace macro known_zone(tz) as
    case when tz in (select name from pg_timezone_names()) then tz else 'UTC' end;

-- The wall-clock time of instant ts in IANA zone tz (NULL or '' = UTC), DST-correct (ICU).
create or replace macro local_ts(ts, tz) as timezone(coalesce(nullif(tz, ''), 'UTC'), ts);

-- Clock time t in [start_t, end_t); a range with start_t > end_t wraps past midnight.
create or replace macro clock_in(t, start_t, end_t) as
    case
        when start_t <= end_t then t >= start_t and t < end_t
        else t >= start_t or t < end_t
    end;

-- THE overnight rule (pay's comp time, page_metrics' sleep pages, fairness' nights): a local
-- wall-clock time (TIMESTAMP) is overnight when its clock time is in [overnight_start,
-- overnight_end), the policy's [overnight] window, wrapping past midnight. A query that
-- classifies millions of rows passes the window read once (page_metrics); others use
-- is_overnight_local, which reads it from `policy`.
create or replace macro overnight_at(local_time, overnight_start, overnight_end) as
    clock_in(cast(local_time as time), overnight_start, overnight_end);

-- A local wall-clock time (TIMESTAMP) is overnight under the policy (overnight_at).
create or replace macro is_overnight_local(local_time) as
    overnight_at(
        local_time,
        (select overnight_start from policy),
        (select overnight_end from policy)
    );

-- Instant ts is overnight in zone tz (pay's overnight pages, on-call sleep pages).
create or replace macro is_overnight(ts, tz) as is_overnight_local(local_ts(ts, tz));

-- One calendar per person (docs/metrics.md): the policy's hours and weekdays on the person's clock,
-- minus the public holidays of the person's country (people.country, e.g. 'DE-BY', whose
-- holidays ingest writes to country_holidays), else of the policy's holidays_country (the
-- `holidays` table, which a reader's --policy shadows). `country_code` NULL or '' means the
-- policy's country: the calendar of someone without a country, and of the SEV-3 clock.

-- A local calendar date is a weekend day: not one of the policy's ISO business weekdays.
create or replace macro is_weekend(d) as
    not list_contains((select business_weekdays from policy), isodow(d));

-- THE business-day rule: a local calendar date is a business day when its ISO weekday is one
-- of business_weekdays and it is not a public holiday (is_holiday) of the person's calendar.
create or replace macro business_day_at(d, is_holiday, business_weekdays) as
    list_contains(business_weekdays, isodow(d)) and not is_holiday;

-- A local calendar date is a public holiday of the calendar of country_code.
create or replace macro is_holiday_for(d, country_code) as
    case
        when coalesce(country_code, '') = ''
            then coalesce(d in (select holiday_date from holidays), false)
        else coalesce(
            d in (select holiday_date from country_holidays where country = country_code), false
        )
    end;

-- A local calendar date is a business day of the calendar of country_code: an ISO weekday of
-- the policy and not a public holiday there.
create or replace macro is_business_day_for(d, country_code) as
    business_day_at(d, is_holiday_for(d, country_code), (select business_weekdays from policy));

-- A local calendar date is a business day of the policy's own calendar (policy country).
create or replace macro is_business_day(d) as is_business_day_for(d, null);

-- THE business-hours rule: a local wall-clock time (TIMESTAMP) is in business hours when its
-- ISO weekday is one of business_weekdays, its clock time is in [business_start, business_end)
-- and its date is not a public holiday (is_holiday: of the person's calendar). A query that
-- classifies millions of rows passes the policy's numbers read once (page_metrics); others
-- use is_business_local_time_for, which reads them from `policy`.
create or replace macro business_hours_at(
    local_time, is_holiday, business_weekdays, business_start, business_end
) as
    business_day_at(cast(local_time as date), is_holiday, business_weekdays)
    and clock_in(cast(local_time as time), business_start, business_end);

-- A local wall-clock time (TIMESTAMP) is in business hours of the calendar of country_code:
-- a business day there and [policy.business_start, business_end) (business_hours_at).
create or replace macro is_business_local_time_for(local_time, country_code) as
    business_hours_at(
        local_time,
        is_holiday_for(cast(local_time as date), country_code),
        (select business_weekdays from policy),
        (select business_start from policy),
        (select business_end from policy)
    );

-- The same with the policy's holidays.
create or replace macro is_business_local_time(local_time) as
    is_business_local_time_for(local_time, null);

-- Instant ts is in business hours of a person: zone tz's clock, country_code's holidays.
create or replace macro is_business_local_for(ts, tz, country_code) as
    is_business_local_time_for(local_ts(ts, tz), country_code);

-- Instant ts is in business hours in zone tz (the policy's hours and holidays, that zone's clock).
create or replace macro is_business_local(ts, tz) as is_business_local_for(ts, tz, null);

-- Instant ts is in business hours of the policy's own business time zone (SEV-3 clock).
create or replace macro is_business_time(ts) as
    is_business_local(ts, (select business_timezone from policy));

-- Hour class of a local wall-clock time on the calendar of country_code: sleep (overnight
-- wins), business, or off.
create or replace macro hour_class_local_for(local_time, country_code) as
    case
        when is_overnight_local(local_time) then 'sleep'
        when is_business_local_time_for(local_time, country_code) then 'business'
        else 'off'
    end;

-- The same with the policy's holidays.
create or replace macro hour_class_local(local_time) as hour_class_local_for(local_time, null);

-- The night a local wall-clock time (TIMESTAMP) belongs to, labelled by the local date of the
-- night's start (policy.overnight_start): with the default [22:00, 07:00), 23:30 on the 24th
-- and 02:30 on the 25th are both the night of the 24th, whatever DST does to its length.
-- Meaningful for overnight times (is_overnight_local); other times give their own date.
create or replace macro night_of_local(local_time) as
    case
        when
            (select overnight_start from policy) > (select overnight_end from policy)
            and cast(local_time as time) < (select overnight_end from policy)
            then cast(local_time as date) - 1
        else cast(local_time as date)
    end;

-- Seconds of [a_start, a_end) inside the business window [b_start, b_end); 0 when the window
-- is NULL (not a business day). greatest/least skip NULLs, hence the explicit case.
create or replace macro business_overlap_s(a_start, a_end, b_start, b_end) as
    case
        when b_start is null or b_end is null then 0
        else greatest(seconds_between(greatest(a_start, b_start), least(a_end, b_end)), 0)
    end;

-- Monday 00:00 UTC (TIMESTAMPTZ) of the ISO week of an instant.
create or replace macro iso_week_start_at(ts) as timezone('UTC', date_trunc('week', utc_ts(ts)));

-- Whole-word matching (docs/metrics.md): a term matches where it is not preceded or
-- followed by a letter or digit; the check applies on a side where the term itself ends in a
-- letter or digit ("#exec" matches "#exec-war-room", "exec" does not match "executed", "'s
-- fault" matches "Bob's fault"). Letters are Unicode letters, digits decimal digits.
-- RE2 has no look-around, and a pattern with Unicode classes costs milliseconds to compile
-- (once per row here, as the term varies). So text and term are both marked, each run of
-- letters and digits wrapped in \x01 marks, with one constant pattern: the marked term then
-- occurs in the marked text exactly where the term occurs whole-word, and the per-row pattern
-- is a plain escaped string.
create or replace macro word_marked(text) as
    regexp_replace(replace(text, chr(1), ''), '([\pL\p{Nd}]+)', chr(1) || '\1' || chr(1), 'g');

create or replace macro whole_word_pattern(term, ignore_case) as
    (case when ignore_case then '(?i)' else '' end) || regexp_escape(word_marked(term));

-- A plain substring test first: the regex runs only on the rows that contain the term at all.
create or replace macro contains_term(text, term, ignore_case) as
    case when ignore_case then contains(lower(text), lower(term)) else contains(text, term) end;

-- Every whole-word match of term in text, as written in text.
create or replace macro whole_word_matches(text, term, ignore_case) as
    case
        when contains_term(text, term, ignore_case) then list_transform(
            regexp_extract_all(word_marked(text), whole_word_pattern(term, ignore_case)),
            lambda m: replace(m, chr(1), '')
        )
        else []
    end;

-- Whether term occurs whole-word in text.
create or replace macro whole_word_in(text, term, ignore_case) as
    case
        when contains_term(text, term, ignore_case)
            then regexp_matches(word_marked(text), whole_word_pattern(term, ignore_case))
        else false
    end;

-- Post-mortem timeliness (docs/metrics.md), one body for incident_metrics and postmortem_reviews:
-- due resolution + policy deadline for the policy's severities; met when published by then;
-- pending while unresolved or not yet due; n/a for other severities.
create or replace macro postmortem_due_at(severity, resolved_at) as
    case
        when list_contains((select postmortem_severities from policy), severity)
            then resolved_at + to_seconds((select postmortem_deadline_hours from policy) * 3600)
    end;

create or replace macro postmortem_status_at(severity, resolved_at, published_at, as_of) as
    case
        when not list_contains((select postmortem_severities from policy), severity) then 'n/a'
        when resolved_at is null then 'pending'
        when published_at is not null and published_at <= postmortem_due_at(severity, resolved_at)
            then 'met'
        when published_at is not null then 'breached'
        when as_of > postmortem_due_at(severity, resolved_at) then 'breached'
        else 'pending'
    end;
