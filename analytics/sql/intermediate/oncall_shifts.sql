-- model: oncall_shifts
-- kind: table
-- layer: intermediate
-- depends: rotation_pieces
-- grain: team, start_at
--
-- oncall_shifts: the resolved primary on-call of each team (docs/inputs.md, docs/warehouse.md).
-- Grain: one row per team and maximal interval [start_at, end_at) (UTC, end excluded) during
-- which one engineer is on call; is_override says whether an override row put them there.
-- Invariants: intervals of one team never overlap; end_at > start_at; two rows of one team that
-- touch differ in engineer or is_override (otherwise they are one row); an instant no rotation
-- row covers (a gap) has no row; every instant some rotation row covers has exactly one.
-- Who wins an instant covered by several rows: an override beats any non-override row; among
-- overrides, and among overlapping non-override rows, the row that started latest wins (a
-- handover: the new shift takes over), ties going to the later line_no, then source_file.
-- How, set-based: rotation_pieces(true) (rotation_pieces.sql) gives every row's elementary
-- pieces; each piece keeps its winner; runs of consecutive pieces with the same winner
-- (engineer, is_override) are merged back into one interval (gaps and islands).

with

covering_rows as (
    select * from rotation_pieces(true)
),

piece_winners as (
    select
        team,
        piece_no,
        engineer,
        is_override,
        piece_start_at,
        piece_end_at,
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
        piece_winners.piece_start_at as start_at,
        piece_winners.piece_end_at as end_at,
        piece_winners.piece_no - row_number() over (
            partition by piece_winners.team, piece_winners.engineer, piece_winners.is_override
            order by piece_winners.piece_no
        ) as island_key,
    from piece_winners
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
