-- model: rotation_pieces
-- kind: temp macro
-- layer: intermediate
-- depends: stg_rotations
-- grain: none
--
-- rotation_pieces(with_overrides): rotation rows expanded to the elementary pieces they cover,
-- shared by oncall_shifts.sql (every row) and rotation_findings.sql (non-override rows only).
-- Grain: one row per rotation row and piece it covers. Piece n of a team is
-- [boundary n, boundary n + 1), where the boundaries are the team's distinct row starts and
-- ends (in the rows taken); piece_start_at/piece_end_at are its instants (UTC, end excluded).
-- Joins are on unique keys only (rotation_no; team and piece_no): joining boundaries to
-- boundaries on team alone would let the optimizer build a per-team cross product.
create or replace temp macro rotation_pieces(with_overrides) as table

with

rotations as (
    select
        -- a deterministic id: rows equal in every column may swap ids harmlessly
        row_number() over (
            order by team, start_at, end_at, is_override, engineer, line_no, source_file
        ) as rotation_no,
        team,
        engineer,
        start_at,
        end_at,
        is_override,
        line_no,
        source_file,
    from stg_rotations
    -- ingest rejects end <= start; such a row would cover nothing anyway
    where end_at > start_at and (with_overrides or not is_override)
),

rotation_ends as (
    select
        rotation_no,
        team,
        start_at as boundary_at,
        false as is_end,
    from rotations
    union all
    select
        rotation_no,
        team,
        end_at as boundary_at,
        true as is_end,
    from rotations
),

-- equal instants of a team share one boundary number
numbered_ends as (
    select
        rotation_no,
        team,
        boundary_at,
        is_end,
        dense_rank() over (partition by team order by boundary_at) as boundary_no,
    from rotation_ends
),

boundaries as (
    select distinct
        team,
        boundary_no,
        boundary_at,
    from numbered_ends
),

pieces as (
    select
        team,
        boundary_no as piece_no,
        boundary_at as piece_start_at,
        lead(boundary_at) over (partition by team order by boundary_no) as piece_end_at,
    from boundaries
),

rotation_piece_ranges as (
    select
        rotation_no,
        min(boundary_no) filter (where not is_end) as first_piece_no,
        max(boundary_no) filter (where is_end) as end_piece_no,
    from numbered_ends
    group by rotation_no
),

covering_rows as (
    select
        rotations.team,
        rotations.engineer,
        rotations.is_override,
        rotations.start_at,
        rotations.line_no,
        rotations.source_file,
        unnest(
            range(rotation_piece_ranges.first_piece_no, rotation_piece_ranges.end_piece_no)
        ) as piece_no,
    from rotations
    inner join rotation_piece_ranges
        on rotation_piece_ranges.rotation_no = rotations.rotation_no
),

covered_pieces as (
    select
        covering_rows.*,
        pieces.piece_start_at,
        pieces.piece_end_at,
    from covering_rows
    inner join pieces
        on pieces.team = covering_rows.team and pieces.piece_no = covering_rows.piece_no
)

select * from covered_pieces
