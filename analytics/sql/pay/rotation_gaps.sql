-- Pay rotation gaps: the time inside a pay period when an expected team has nobody on call
-- (SPEC §12: edges are gaps too). A team is expected when any of its shift pieces starts before
-- the period end; the payroll then narrows each team's window by [coverage] team_starts /
-- team_ends and classifies what is left (edge or interior, longer than max_gap_hours or not).
-- Grain: one row per expected team and uncovered interval inside [$period_start, $period_end);
-- a team with no shift piece in the period has one row spanning the whole period.
--   team: the team, as in oncall_shifts
--   start_at: start of the uncovered interval, UTC, included
--   end_at: end of the uncovered interval, UTC, excluded
--   team_first_at: start of the team's first shift piece ever (overrides included), UTC
--   team_last_at: end of the team's last shift piece ever (overrides included), UTC
-- Invariants: end_at > start_at; the intervals of one team never overlap.
with

period as (
    select
        $period_start::timestamptz as period_start,
        $period_end::timestamptz as period_end,
),

expected_teams as (
    select
        s.team,
        min(s.start_at) as team_first_at,
        max(s.end_at) as team_last_at,
    from oncall_shifts as s
    group by s.team
    having min(s.start_at) < (select period_end from period)
),

clipped_shifts as (
    select
        s.team,
        greatest(s.start_at, period.period_start) as start_at,
        least(s.end_at, period.period_end) as end_at,
    from oncall_shifts as s
    cross join period
    where s.end_at > period.period_start and s.start_at < period.period_end
),

-- gaps and islands: a shift starting before the latest end seen so far joins its island
ordered_shifts as (
    select
        *,
        max(end_at) over (
            partition by team
            order by start_at, end_at
            rows between unbounded preceding and 1 preceding
        ) as previous_end_at,
    from clipped_shifts
),

numbered_shifts as (
    select
        *,
        sum(case when previous_end_at is null or start_at > previous_end_at then 1 else 0 end)
            over (
                partition by team
                order by start_at, end_at
                rows between unbounded preceding and current row
            ) as island_no,
    from ordered_shifts
),

islands as (
    select
        team,
        island_no,
        min(start_at) as start_at,
        max(end_at) as end_at,
    from numbered_shifts
    group by team, island_no
),

interior_gaps as (
    select
        team,
        lag(end_at) over (partition by team order by start_at) as start_at,
        start_at as end_at,
    from islands
),

edge_gaps as (
    select
        expected_teams.team,
        period.period_start as start_at,
        coalesce(min(islands.start_at), period.period_end) as end_at,
    from expected_teams
    cross join period
    left join islands on islands.team = expected_teams.team
    group by expected_teams.team, period.period_start, period.period_end
    union all
    select
        expected_teams.team,
        coalesce(max(islands.end_at), period.period_end) as start_at,
        period.period_end as end_at,
    from expected_teams
    cross join period
    left join islands on islands.team = expected_teams.team
    group by expected_teams.team, period.period_start, period.period_end
),

gaps as (
    select * from interior_gaps where start_at is not null
    union all
    select * from edge_gaps
),

final as (
    select
        gaps.team,
        gaps.start_at,
        gaps.end_at,
        expected_teams.team_first_at,
        expected_teams.team_last_at,
    from gaps
    inner join expected_teams on expected_teams.team = gaps.team
    where gaps.end_at > gaps.start_at
    order by gaps.team, gaps.start_at
)

select * from final
