-- model: none
-- kind: query
-- layer: queries
-- depends: handoff_compliance, people
-- grain: engineer, team
--
-- Compensation hand-offs: the pay period's hand-overs per outgoing engineer (the one who owes
-- the note) and team, spelled as in people.csv when known there, for the compensation report.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
--   engineer: the outgoing engineer, as spelled in people.csv when known
--   team: the team, trimmed and lower-cased
--   handovers: hand-overs in the period (handover_at in it), a count
--   met: of which a note counts, a count
--   breached: of which none counts and the window has closed, a count
--   pending: of which none counts yet while the window is still open, a count
with

period_handovers as (
    select
        coalesce(p.engineer, trim(h.from_engineer)) as engineer,
        h.team,
        h.status,
    from handoff_compliance as h
    left join people as p on p.name_key = lower(trim(h.from_engineer))
    where h.handover_at >= $period_start and h.handover_at < $period_end
),

per_engineer as (
    select
        engineer,
        team,
        count(*) as handovers,
        count(*) filter (where status = 'met') as met,
        count(*) filter (where status = 'breached') as breached,
        count(*) filter (where status = 'pending') as pending,
    from period_handovers
    group by engineer, team
)

select * from per_engineer
order by team, lower(engineer), engineer
