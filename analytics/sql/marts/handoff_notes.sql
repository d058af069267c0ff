-- model: handoff_notes
-- kind: view
-- layer: marts
-- depends: handovers, oncall_shifts, stg_handoffs
-- grain: team, handover_at, source_file
--
-- Hand-off notes matched to hand-overs: one row per note and hand-over it counts for (a note
-- may count for none). A note counts for a hand-over of its team (see `handovers`) when its
-- FROM is the outgoing engineer, or an engineer of an override piece between the two pieces,
-- and it was written inside the hand-over's window (both bounds included). Names match
-- case-insensitively after trimming.
-- Invariant: unique (team, handover_at, source_file).
--   team: the team, trimmed and lower-cased
--   handover_at: start of the incoming engineer's piece (UTC)
--   to_engineer: the incoming engineer
--   written_at: when the note says it was written (UTC)
--   note_from: the note's FROM, as written
--   note_to: the note's TO, as written (NULL when not given)
--   source_file: the note's file
--   line_no: the line of the note's WRITTEN header
with

handovers as (
    select * from handovers
),

overrides as (
    select team, engineer, start_at, end_at from oncall_shifts where is_override
),

notes as (
    select
        team,
        from_engineer,
        from_engineer_key as writer_key,
        to_engineer,
        written_at,
        source_file,
        line_no,
    from stg_handoffs
),

-- Who may write a hand-over's note: the outgoing engineer, and whoever covered an override
-- between the two pieces.
writers as (
    select team, handover_at, lower(trim(from_engineer)) as writer_key,
    from handovers
    union
    select h.team, h.handover_at, lower(trim(o.engineer)) as writer_key,
    from handovers as h
    inner join overrides as o
        on o.team = h.team
        and o.start_at >= h.previous_end_at
        and o.end_at <= h.handover_at
),

final as (
    select
        h.team,
        h.handover_at,
        h.to_engineer,
        n.written_at,
        n.from_engineer as note_from,
        n.to_engineer as note_to,
        n.source_file,
        n.line_no,
    from handovers as h
    inner join writers as w on w.team = h.team and w.handover_at = h.handover_at
    inner join notes as n
        on n.team = h.team
        and n.writer_key = w.writer_key
        and n.written_at between h.window_start_at and h.window_end_at
)

select * from final
