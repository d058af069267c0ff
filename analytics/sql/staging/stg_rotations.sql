-- model: stg_rotations
-- kind: view
-- layer: staging
-- depends: src_rotations, macros.sql
-- grain: none
--
-- Rotation rows as loaded: one row per row of every rotation file and calendar occurrence (rows
-- may repeat). Nothing is resolved here (`oncall_shifts` applies overrides and the later start,
-- `rotation_findings` reports gaps and overlaps). Built before the other views, by the
-- rotation derivation that reads it.
--   team: the team, trimmed and lower-cased
--   engineer: the engineer on call, trimmed, as the file spells it
--   start_at: start of the row's shift (UTC, included)
--   end_at: end of the row's shift (UTC, excluded)
--   is_override: true for an override row
--   line_no: line (or record, or calendar event) of the row in its file
--   source_file: the file the row was read from
with source as (
    select * from src_rotations
),

final as (
    select
        team_key(team) as team,
        engineer,
        start_at,
        end_at,
        is_override,
        line_no,
        source_file,
    from source
)

select * from final
