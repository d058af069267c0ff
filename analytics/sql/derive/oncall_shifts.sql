-- oncall_shifts: the resolved primary on-call of each team (SPEC §3.3, §5, §11).
-- Grain: one row per team and maximal interval [start_at, end_at) (UTC, end excluded) during
-- which one engineer is on call; is_override says whether an override row put them there.
-- Invariants: intervals of one team never overlap; end_at > start_at; two rows of one team that
-- touch differ in engineer or is_override (otherwise they are one row); an instant no rotation
-- row covers (a gap) has no row; every instant some rotation row covers has exactly one.
-- Who wins an instant covered by several rows: an override beats any non-override row; among
-- overrides, and among overlapping non-override rows, the row that started latest wins (a
-- handover: the new shift takes over), ties going to the later line_no, then source_file.
-- How, set-based: every distinct start or end of a team is a boundary; the elementary pieces
-- between consecutive boundaries are numbered; each rotation row is expanded to the piece
-- numbers it covers; each piece keeps its winner; runs of consecutive pieces with the same
-- winner (engineer, is_override) are merged back into one interval (gaps and islands).
-- Joins are on unique keys only (rotation_no; team and piece_no): joining boundaries to
-- boundaries on team alone would let the optimizer build a per-team cross product.

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
    from src_rotations
    -- ingest rejects end <= start; such a row would cover nothing anyway
    where end_at > start_at
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

-- piece n of a team is [boundary n, boundary n + 1)
pieces as (
    select
        team,
        boundary_no as piece_no,
        boundary_at as start_at,
        lead(boundary_at) over (partition by team order by boundary_no) as end_at,
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

piece_winners as (
    select
        team,
        piece_no,
        engineer,
        is_override,
    from covering_rows
    qualify row_number() over (
        partition by team, piece_no
        order by
            is_override desc,
            start_at desc,
            line_no desc nulls last,
            source_file desc,
            engineer desc
    ) = 1
),

-- consecutive piece numbers with the same winner share one island key
piece_islands as (
    select
        piece_winners.team,
        piece_winners.engineer,
        piece_winners.is_override,
        pieces.start_at,
        pieces.end_at,
        piece_winners.piece_no - row_number() over (
            partition by piece_winners.team, piece_winners.engineer, piece_winners.is_override
            order by piece_winners.piece_no
        ) as island_key,
    from piece_winners
    inner join pieces
        on
            pieces.team = piece_winners.team
            and pieces.piece_no = piece_winners.piece_no
),

shifts as (
    select
        team,
        engineer,
        min(start_at) as start_at,
        max(end_at) as end_at,
        is_override,
    from piece_islands
    group by team, engineer, is_override, island_key
    order by team, start_at
)

select * from shifts
