-- model: pay_shift_pieces
-- kind: temp table
-- layer: intermediate
-- depends: oncall_shifts, pay_rates
-- grain: none
--
-- Pay shift pieces: the on-call time behind each payroll line's stipend (docs/payroll.md).
-- Grain: one row per engineer, merged on-call interval and pay rate, clipped to the pay period
-- [$period_start, $period_end) (UTC instants). An engineer on call for two teams at the same
-- instant has one merged interval for that time (paid once); a rate change inside an interval
-- splits it at 00:00 UTC of the new rate's effective_from.
--   name_key: lower(trim(engineer)), the key payroll lines are made of
--   engineer: the engineer as spelled in the rotation (people.csv spelling where known)
--   teams: comma-separated teams whose shifts make up the interval (usually one)
--   first_team: the team of the interval's earliest shift (fallback team, docs/payroll.md)
--   start_at: start of the piece, UTC, included
--   end_at: end of the piece, UTC, excluded
--   duration_us: end_at - start_at in microseconds (exact)
--   rate_effective_from: effective_from of the pay rate in force (NULL: none in force)
--   weekly_stipend_usd: the weekly stipend of that rate, USD
-- Invariants: pieces of one name_key never overlap; duration_us > 0.
with

period as (
    select
        $period_start::timestamptz as period_start,
        $period_end::timestamptz as period_end,
),

clipped_shifts as (
    select
        s.team,
        s.engineer,
        lower(trim(s.engineer)) as name_key,
        greatest(s.start_at, period.period_start) as start_at,
        least(s.end_at, period.period_end) as end_at,
    from oncall_shifts as s
    cross join period
    where s.end_at > period.period_start and s.start_at < period.period_end
),

-- gaps and islands over all of an engineer's shifts, whatever the team: a shift that starts
-- before the latest end seen so far overlaps it and joins its island
ordered_shifts as (
    select
        *,
        max(end_at) over (
            partition by name_key
            order by start_at, end_at, team
            rows between unbounded preceding and 1 preceding
        ) as previous_end_at,
    from clipped_shifts
),

numbered_shifts as (
    select
        *,
        sum(case when previous_end_at is null or start_at >= previous_end_at then 1 else 0 end)
            over (
                partition by name_key
                order by start_at, end_at, team
                rows between unbounded preceding and current row
            ) as island_no,
    from ordered_shifts
),

intervals as (
    select
        name_key,
        island_no,
        min(engineer) as engineer,
        string_agg(distinct team, ',' order by team) as teams,
        arg_min(team, start_at) as first_team,
        min(start_at) as start_at,
        max(end_at) as end_at,
    from numbered_shifts
    group by name_key, island_no
),

rates as (
    select
        effective_from,
        lead(effective_from) over (order by effective_from) as effective_to,
        weekly_stipend_usd,
    from pay_rates
),

pieces as (
    select
        intervals.name_key,
        intervals.engineer,
        intervals.teams,
        intervals.first_team,
        greatest(intervals.start_at, rates.effective_from) as start_at,
        least(intervals.end_at, coalesce(rates.effective_to, intervals.end_at)) as end_at,
        rates.effective_from as rate_effective_from,
        rates.weekly_stipend_usd,
    from intervals
    inner join rates
        on
            rates.effective_from < intervals.end_at
            and (rates.effective_to is null or rates.effective_to > intervals.start_at)
),

-- the part of an interval before the earliest rate: no rate in force (reported, never paid 0)
unrated as (
    select
        intervals.name_key,
        intervals.engineer,
        intervals.teams,
        intervals.first_team,
        intervals.start_at,
        least(intervals.end_at, coalesce(first_rate.effective_from, intervals.end_at)) as end_at,
        null::timestamptz as rate_effective_from,
        null::decimal(18, 2) as weekly_stipend_usd,
    from intervals
    left join (select min(effective_from) as effective_from from pay_rates) as first_rate
        on true
    where first_rate.effective_from is null or intervals.start_at < first_rate.effective_from
),

final as (
    select
        *,
        epoch_us(end_at) - epoch_us(start_at) as duration_us,
    from (
        select * from pieces
        union all
        select * from unrated
    ) as rated_and_unrated
    where end_at > start_at
)

select * from final
