-- model: rotation_findings
-- kind: table
-- layer: intermediate
-- depends: stg_rotations, rotation_pieces
-- grain: team, kind, start_at
--
-- rotation_findings: data-quality findings on rotations, reported, never fatal (docs/inputs.md, docs/warehouse.md).
-- Grain: one row per team, kind and maximal interval [start_at, end_at) (UTC, end excluded).
-- kind = 'gap': nobody on call, inside the team's span [first start, last end); source_file is
-- the file of the row that ends the gap.
-- kind = 'overlap': two or more non-override rows cover the same instants (overrides overlap
-- by design and are not findings); detail names the engineers and who wins by the rule of
-- oncall_shifts (the later start); source_file is the file of the winning row at start_at.
-- Invariants: findings of one team and kind never overlap or touch; end_at > start_at.

with

rotations as (
    select
        team,
        engineer,
        start_at,
        end_at,
        is_override,
        line_no,
        source_file,
    from stg_rotations
    -- ingest rejects end <= start; such a row would cover nothing anyway
    where end_at > start_at
),

-- gaps: in start order, a row starting after every earlier row has ended opens a gap
rows_with_reach as (
    select
        team,
        start_at,
        source_file,
        max(end_at) over (
            partition by team
            order by start_at, end_at, line_no, source_file, engineer
            rows between unbounded preceding and 1 preceding
        ) as covered_until,
    from rotations
),

gaps as (
    select
        team,
        'gap' as kind,
        covered_until as start_at,
        start_at as end_at,
        extract(epoch from start_at) - extract(epoch from covered_until) as gap_s,
        source_file,
    from rows_with_reach
    where start_at > covered_until
),

gap_findings as (
    select
        team,
        kind,
        start_at,
        end_at,
        case
            when gap_s >= 3600 then printf('nobody on call for %.1f h', gap_s / 3600)
            else printf('nobody on call for %.1f min', gap_s / 60)
        end as detail,
        source_file,
    from gaps
),

-- overlaps: the elementary pieces of the non-override rows (rotation_pieces.sql)
covering_rows as (
    select * from rotation_pieces(false)
),

ranked_covering_rows as (
    select
        team,
        engineer,
        start_at,
        source_file,
        piece_no,
        piece_start_at,
        piece_end_at,
        count(*) over (partition by team, piece_no) as rows_on_call,
        row_number() over (
            partition by team, piece_no
            order by start_at desc, line_no desc nulls last, source_file desc, engineer desc
        ) as rank_in_piece,
    from covering_rows
),

overlapping_rows as (
    select
        team,
        engineer,
        start_at,
        source_file,
        piece_no,
        piece_start_at,
        piece_end_at,
        rank_in_piece = 1 as is_winner,
    from ranked_covering_rows
    where rows_on_call >= 2
),

-- consecutive overlapping pieces form one finding
overlap_pieces as (
    select
        team,
        piece_no,
        piece_no - dense_rank() over (partition by team order by piece_no) as island_key,
    from overlapping_rows
    where is_winner
),

overlap_rows as (
    select
        overlapping_rows.team,
        overlap_pieces.island_key,
        overlapping_rows.engineer,
        overlapping_rows.start_at,
        overlapping_rows.source_file,
        overlapping_rows.piece_no,
        overlapping_rows.piece_start_at,
        overlapping_rows.piece_end_at,
        overlapping_rows.is_winner,
    from overlapping_rows
    inner join overlap_pieces
        on
            overlap_pieces.team = overlapping_rows.team
            and overlap_pieces.piece_no = overlapping_rows.piece_no
),

overlap_engineers as (
    select
        team,
        island_key,
        engineer,
        min(start_at) as first_start_at,
        min(piece_no) filter (where is_winner) as first_won_piece_no,
    from overlap_rows
    group by team, island_key, engineer
),

overlap_names as (
    select
        team,
        island_key,
        list(engineer order by first_start_at, engineer) as engineers,
        list(engineer order by first_won_piece_no, engineer)
            filter (where first_won_piece_no is not null) as winners,
    from overlap_engineers
    group by team, island_key
),

overlap_intervals as (
    select
        overlap_rows.team,
        overlap_rows.island_key,
        min(overlap_rows.piece_start_at) as start_at,
        max(overlap_rows.piece_end_at) as end_at,
        arg_min(overlap_rows.source_file, overlap_rows.piece_no)
            filter (where overlap_rows.is_winner) as source_file,
    from overlap_rows
    group by overlap_rows.team, overlap_rows.island_key
),

overlap_findings as (
    select
        overlap_intervals.team,
        'overlap' as kind,
        overlap_intervals.start_at,
        overlap_intervals.end_at,
        case len(overlap_names.engineers)
            when 1 then overlap_names.engineers[1]
                || ' is in overlapping non-override rows; on call either way'
            when 2 then overlap_names.engineers[1] || ' and ' || overlap_names.engineers[2]
                || ' both on call (non-override); later start wins: '
                || array_to_string(overlap_names.winners, ', then ')
            else array_to_string(overlap_names.engineers[1:-2], ', ')
                || ' and ' || overlap_names.engineers[-1]
                || ' all on call (non-override); later start wins: '
                || array_to_string(overlap_names.winners, ', then ')
        end as detail,
        overlap_intervals.source_file,
    from overlap_intervals
    inner join overlap_names
        on
            overlap_names.team = overlap_intervals.team
            and overlap_names.island_key = overlap_intervals.island_key
),

findings as (
    select * from gap_findings
    union all
    select * from overlap_findings
    order by team, start_at, kind
)

select * from findings
