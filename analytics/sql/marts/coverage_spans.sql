-- model: coverage_spans
-- kind: view
-- layer: marts
-- depends: event_coverage, oncall_shifts
-- grain: source, team
--
-- Coverage spans: how far each source's inputs reach (one row per source; rotations one row per
-- team): `data_coverage` without the time each source was last loaded, which data_coverage adds
-- (every loaded file's time from ingest_log: most of its cost) and payroll never reads. A number computed over data that is not there is a wrong number: reports, metrics and
-- payroll read this view to say where the data ends. For rotations covered_until is the end of
-- the team's last shift piece (overrides included). For event sources (incidents, pages,
-- action_items, handoffs, status_page, comp_time) covered_until is the latest last_at of ANY event source: a quiet week of one
-- source is not missing data. Review documents (reviews) are dated by PUBLISHED: and take that
-- covered_until without moving it (a post-mortem is written after the events it covers); so
-- does comp time taken (comp_time, by taken_on: leave may be recorded before it is taken).
-- A source with no rows has rows = 0 and NULL dates (not provided). The event sources' spans
-- per file are stored at ingest (`event_coverage`).
-- Invariant: unique (source, team).
--   source: incidents | pages | rotations | action_items | handoffs | status_page | reviews | comp_time
--   team: the rotation's team, trimmed and lower-cased (NULL for the other sources, and for the rotations row of a warehouse without any)
--   first_at: the earliest event of the source (UTC): incidents by started_at, pages by sent_at, action items by the tracker's Created else their incident's started_at, hand-off notes by written_at, comp time taken by taken_on (00:00 UTC), status-page incidents by started_at, review documents by PUBLISHED (unpublished ones are counted, not dated), rotations by the start of the team's first shift piece
--   last_at: the latest event of the source (UTC), dated as first_at; rotations: the end of the team's last shift piece
--   covered_until: the instant up to which the source's data is complete (UTC): rotations last_at; event sources the latest last_at of any event source
--   rows: rows of the source (incidents, pages, action items, or the team's resolved shift pieces)
with

-- per event source and file, how far its events reach (stored at ingest: event_coverage)
files as (
    select source, source_file, first_at, last_at, rows from event_coverage
),

sources as (
    select
        unnest(
            [
                'incidents',
                'pages',
                'action_items',
                'handoffs',
                'status_page',
                'reviews',
                'comp_time'
            ]
        ) as source
),

shifts as (
    select team, start_at, end_at from oncall_shifts
),

event_spans as (
    select
        s.source,
        min(f.first_at) as first_at,
        max(f.last_at) as last_at,
        coalesce(sum(f.rows), 0) as rows,
    from sources as s
    left join files as f on f.source = s.source
    group by s.source
),

event_sources as (
    select
        s.source,
        cast(null as varchar) as team,
        s.first_at,
        s.last_at,
        case
            when
                s.rows > 0
                then max(s.last_at) filter (where s.source not in ('reviews', 'comp_time')) over ()
        end as covered_until,
        s.rows,
    from event_spans as s
),

rotation_teams as (
    select
        'rotations' as source,
        s.team,
        min(s.start_at) as first_at,
        max(s.end_at) as last_at,
        max(s.end_at) as covered_until,
        count(*) as rows,
    from shifts as s
    group by s.team
),

no_rotations as (
    -- One row that says rotations were not provided at all.
    select
        'rotations' as source,
        cast(null as varchar) as team,
        cast(null as timestamptz) as first_at,
        cast(null as timestamptz) as last_at,
        cast(null as timestamptz) as covered_until,
        0 as rows,
    where not exists (select 1 from shifts)
),

-- the three have the same columns, in the same order
spans as (
    select * from event_sources
    union all
    select * from rotation_teams
    union all
    select * from no_rotations
),

final as (
    select
        source,
        team,
        first_at,
        last_at,
        covered_until,
        cast(rows as bigint) as rows,
    from spans
)

select * from final
