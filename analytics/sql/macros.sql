-- Scalar macros shared by the marts and by pay (sql/pay*). Macros are expanded where they are
-- used, so a macro that reads `policy` or `holidays` sees the TEMP tables a reader created with
-- --policy, exactly as the views do. Timestamps are TIMESTAMPTZ (UTC); local times are TIMESTAMP
-- (no zone) in the zone named. None of them depends on the connection's TimeZone setting.
-- Expansion is textual: a query using them must not name a CTE `policy`, `holidays` or
-- `country_holidays` (it would capture the macro's subquery); the marts name theirs
-- policy_numbers and report_time.

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

-- One calendar per person (SPEC §15): the policy's hours and weekdays on the person's clock,
-- minus the public holidays of the person's country (people.country, e.g. 'DE-BY', whose
-- holidays ingest writes to country_holidays), else of the policy's holidays_country (the
-- `holidays` table, which a reader's --policy shadows). `country_code` NULL or '' means the
-- policy's country: the calendar of someone without a country, and of the SEV-3 clock.

-- A local calendar date is a weekend day: not one of the policy's ISO business weekdays.
create or replace macro is_weekend(d) as
    not list_contains((select business_weekdays from policy), isodow(d));

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
    not is_weekend(d) and not is_holiday_for(d, country_code);

-- A local calendar date is a business day of the policy's own calendar (policy country).
create or replace macro is_business_day(d) as is_business_day_for(d, null);

-- A local wall-clock time (TIMESTAMP) is in business hours of the calendar of country_code:
-- a business day there and [policy.business_start, business_end).
create or replace macro is_business_local_time_for(local_time, country_code) as
    is_business_day_for(cast(local_time as date), country_code)
    and clock_in(
        cast(local_time as time),
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

-- oncall_load_between(from_at, to_at): the rows of the oncall_load view for the ISO weeks that
-- overlap [from_at, to_at) (TIMESTAMPTZ; NULL = unbounded on that side). It is the view's
-- logic: marts/oncall_load.sql selects it with NULL bounds and documents the grain and
-- columns there. The bounds are compared with sent_at and the shifts' instants directly, so
-- DuckDB reads only the weeks asked for (a report week: ~0.1 s instead of every page of every
-- week). Its names avoid the columns it reads: a macro parameter captures a column of its name.
create or replace macro oncall_load_between(from_at, to_at) as table

with

shifts as (
    select
        team,
        start_at,
        end_at,
    from oncall_shifts
    where
        end_at > start_at
        and (from_at is null or end_at > iso_week_start_at(from_at))
        and (
            to_at is null
            or start_at < iso_week_start_at(to_at - interval 1 microsecond) + interval 7 day
        )
),

pages_in_range as (
    -- the booleans behind hour_class and ack_status: cheaper than comparing their strings
    select
        team,
        sent_at,
        is_overnight,
        is_business_hours,
        ack_s,
        ack_target_s,
    from page_metrics
    where
        (from_at is null or sent_at >= iso_week_start_at(from_at))
        and (
            to_at is null
            or sent_at < iso_week_start_at(to_at - interval 1 microsecond) + interval 7 day
        )
),

shift_weeks as (
    select
        team,
        start_at,
        end_at,
        unnest(
            generate_series(
                date_trunc('week', utc_ts(start_at)),
                utc_ts(end_at),
                interval 7 day
            )
        ) as week_start_local,
    from shifts
),

shift_pieces as (
    select
        team,
        cast(week_start_local as date) as week_start,
        seconds_between(
            greatest(start_at, timezone('UTC', week_start_local)),
            least(end_at, timezone('UTC', week_start_local + interval 7 day))
        ) as piece_s,
    from shift_weeks
),

oncall_weeks as (
    select
        team,
        week_start,
        sum(piece_s) / 3600 as oncall_hours,
    from shift_pieces
    where
        piece_s > 0
        and (from_at is null or week_start >= iso_week_start(from_at))
        and (to_at is null or week_start <= iso_week_start(to_at - interval 1 microsecond))
    group by team, week_start
),

page_weeks as (
    select
        team,
        iso_week_start(sent_at) as week_start,
        count(*) as pages,
        count(*) filter (where is_business_hours and not is_overnight) as business_pages,
        count(*) filter (where not is_business_hours and not is_overnight) as off_hours_pages,
        count(*) filter (where is_overnight) as sleep_pages,
        count(ack_s) as acked_pages,
        count(*) filter (where ack_s <= ack_target_s) as ack_met_pages,
    from pages_in_range
    group by team, iso_week_start(sent_at)
),

joined as (
    select
        coalesce(oncall_weeks.team, page_weeks.team) as team,
        coalesce(oncall_weeks.week_start, page_weeks.week_start) as week_start,
        coalesce(oncall_weeks.oncall_hours, 0) as oncall_hours,
        coalesce(page_weeks.pages, 0) as pages,
        coalesce(page_weeks.business_pages, 0) as business_pages,
        coalesce(page_weeks.off_hours_pages, 0) as off_hours_pages,
        coalesce(page_weeks.sleep_pages, 0) as sleep_pages,
        coalesce(page_weeks.acked_pages, 0) as acked_pages,
        coalesce(page_weeks.ack_met_pages, 0) as ack_met_pages,
    from oncall_weeks
    full outer join page_weeks
        on
            page_weeks.team = oncall_weeks.team
            and page_weeks.week_start = oncall_weeks.week_start
),

final as (
    select
        team,
        week_start,
        strftime(week_start, '%G-W%V') as iso_week,
        oncall_hours,
        pages,
        pages / nullif(oncall_hours, 0) as pages_per_oncall_hour,
        business_pages,
        off_hours_pages,
        sleep_pages,
        acked_pages,
        ack_met_pages,
    from joined
)

select * from final;

-- Whole-word matching (SPEC §14, second edition): a term matches where it is not preceded or
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

-- Post-mortem timeliness (SPEC §6, §11), one body for incident_metrics and postmortem_reviews:
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

-- Possible blame in review documents (SPEC §14): one row per match in the root-cause and
-- improvement lines of src_review_lines. A person matches by the first token of their
-- people.csv name when it has at least 3 letters, else by the whole name (a whole-name match
-- always contains its first token, so each mention counts once), whole-word and
-- case-sensitive; policy.blame_phrases match whole-word, case-insensitively. A name that is
-- one word is matched by joining on the lines' words (fast with a thousand people); other
-- names and the phrases by whole_word_matches.
create or replace macro blame_matches() as table
    with names as (
        select distinct trim(engineer) as engineer, from src_people
    ),

    name_terms as (
        select distinct
            case
                when len(regexp_extract_all(regexp_extract(engineer, '^\S+'), '\pL')) >= 3
                    then regexp_extract(engineer, '^\S+')
                else engineer
            end as term,
        from names
        where engineer <> ''
    ),

    classified_terms as (
        select term, regexp_full_match(term, '[\pL\p{Nd}]+') as is_word, from name_terms
    ),

    word_terms as (
        select term, from classified_terms where is_word
    ),

    other_terms as (
        select term, false as ignore_case,
        from classified_terms
        where not is_word
        union
        select distinct lower(trim(unnest(blame_phrases))) as term, true as ignore_case,
        from policy
    ),

    words as (
        select
            source_file,
            incident_id,
            section,
            line_no,
            unnest(regexp_extract_all(text, '[\pL\p{Nd}]+')) as word,
        from src_review_lines
    )

    select w.source_file, w.incident_id, w.section, w.line_no, w.word as match,
    from words as w
    inner join word_terms as t on t.term = w.word
    union all
    select
        l.source_file,
        l.incident_id,
        l.section,
        l.line_no,
        unnest(whole_word_matches(l.text, t.term, t.ignore_case)) as match,
    from src_review_lines as l
    cross join other_terms as t;
