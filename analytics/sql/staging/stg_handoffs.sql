-- model: stg_handoffs
-- kind: view
-- layer: staging
-- depends: src_handoffs, macros.sql
-- grain: none
--
-- Hand-off notes as loaded: one row per note of every handoffs/ file. Names as written, with
-- the key the note's writer is matched on; nothing is matched here (`handoff_notes` matches
-- notes to hand-overs).
--   team: the note's team, trimmed and lower-cased
--   from_engineer: the note's FROM, as written
--   from_engineer_key: lower(trim(from_engineer)), matched with the outgoing engineer's
--   to_engineer: the note's TO, as written (NULL when not given)
--   written_at: when the note says it was written (UTC)
--   body_lines: lines of the note's body
--   line_no: the line of the note's WRITTEN header
--   source_file: the file the row was read from
with source as (
    select * from src_handoffs
),

final as (
    select
        team_key(team) as team,
        from_engineer,
        lower(trim(from_engineer)) as from_engineer_key,
        to_engineer,
        written_at,
        body_lines,
        line_no,
        source_file,
    from source
)

select * from final
