-- Data coverage: how far each source's inputs reach (one row per source; rotations one row per
-- team). A number computed over data that is not there is a wrong number: reports, metrics and
-- payroll read this view to say where the data ends. For rotations covered_until is the end of
-- the team's last shift piece (overrides included). For event sources (incidents, pages,
-- action_items, handoffs, status_page, comp_time) covered_until is the latest last_at of ANY event source: a quiet week of one
-- source is not missing data. Review documents (reviews) are dated by PUBLISHED: and take that
-- covered_until without moving it (a post-mortem is written after the events it covers); so
-- does comp time taken (comp_time, by taken_on: leave may be recorded before it is taken).
-- A source with no rows has rows = 0 and NULL dates (not provided).
-- Invariant: unique (source, team).
--   source: incidents | pages | rotations | action_items | handoffs | status_page | reviews | comp_time
--   team: the rotation's team, trimmed and lower-cased (NULL for the other sources, and for the rotations row of a warehouse without any)
--   first_at: the earliest event of the source (UTC): incidents by started_at, pages by sent_at, action items by the tracker's Created else their incident's started_at, hand-off notes by written_at, comp time taken by taken_on (00:00 UTC), status-page incidents by started_at, review documents by PUBLISHED (unpublished ones are counted, not dated), rotations by the start of the team's first shift piece
--   last_at: the latest event of the source (UTC), dated as first_at; rotations: the end of the team's last shift piece
--   covered_until: the instant up to which the source's data is complete (UTC): rotations last_at; event sources the latest last_at of any event source
--   rows: rows of the source (incidents, pages, action items, or the team's resolved shift pieces)
--   last_ingested_at: when a file behind these rows was last loaded (UTC, from ingest_log)
with

-- materialized: three branches read it, and the view's window is worth computing once
incidents as materialized (
    select incident_id, started_at, source_file from incidents
),

-- The rows of the `pages` view, read from src_pages with the view's one filter (a page of a
-- superseded vendor version is not a page); the view's other joins only rename people and
-- never add or drop a row, and at 10 M pages they cost more than everything else here.
-- Aggregated per file in one pass: the span and the files both come from these few rows.
page_files as (
    select
        s.source_file,
        min(s.sent_at) as first_at,
        max(s.sent_at) as last_at,
        count(*) as rows,
    from src_pages as s
    anti join (
        select incident_id, source_file from vendor_versions where not is_latest
    ) as o
        on o.incident_id = s.incident_id and o.source_file = s.source_file
    group by s.source_file
),

action_items as (
    select incident_id, ticket, source_file from action_items
),

tracker as (
    -- The tracker's Created date of each ticket (the latest export of it wins, as in
    -- action_items); tracker files count as that source's files.
    select
        ticket,
        created_at,
        source_file,
        row_number() over (partition by ticket order by source_file desc, line_no desc) as rank_in_ticket,
    from src_tracker_items
),

handoffs as (
    select written_at, source_file from src_handoffs
),

-- Every Statuspage incident loaded, linked to a document or not (a linked one makes no
-- incident of its own, but its updates are still the status page's data).
status_page as (
    select started_at, source_file from src_incidents where source_kind = 'statuspage'
),

reviews as (
    select published_at, source_file from src_reviews where source_kind = 'review'
),

comp_time as (
    select timezone('UTC', cast(taken_on as timestamp)) as taken_at, source_file from src_comp_time
),

shifts as (
    select team, start_at, end_at from oncall_shifts
),

rotation_files as (
    select distinct lower(trim(team)) as team, source_file from src_rotations
),

loads as (
    select file, max(run_started_at) as loaded_at,
    from ingest_log
    where status = 'loaded'
    group by file
),

action_item_events as (
    select
        coalesce(t.created_at, i.started_at) as event_at,
        a.source_file,
    from action_items as a
    left join tracker as t on t.ticket = a.ticket and t.rank_in_ticket = 1
    left join incidents as i on i.incident_id = a.incident_id
),

event_files as (
    select 'incidents' as source, source_file from incidents
    union all
    select 'pages' as source, source_file from page_files
    union all
    select 'action_items' as source, source_file from action_item_events
    union all
    select 'action_items' as source, source_file from tracker
    union all
    select 'handoffs' as source, source_file from handoffs
    union all
    select 'status_page' as source, source_file from status_page
    union all
    select 'reviews' as source, source_file from reviews
    union all
    select 'comp_time' as source, source_file from comp_time
),

event_loads as (
    select f.source, max(l.loaded_at) as last_ingested_at,
    from (select distinct source, source_file from event_files) as f
    inner join loads as l on l.file = f.source_file
    group by f.source
),

event_spans as (
    select 'incidents' as source, min(started_at) as first_at, max(started_at) as last_at, count(*) as rows,
    from incidents
    union all
    select 'pages' as source, min(first_at) as first_at, max(last_at) as last_at, coalesce(sum(rows), 0)::bigint as rows,
    from page_files
    union all
    select 'action_items' as source, min(event_at) as first_at, max(event_at) as last_at, count(*) as rows,
    from action_item_events
    union all
    select 'handoffs' as source, min(written_at) as first_at, max(written_at) as last_at, count(*) as rows,
    from handoffs
    union all
    select 'status_page' as source, min(started_at) as first_at, max(started_at) as last_at, count(*) as rows,
    from status_page
    union all
    select 'reviews' as source, min(published_at) as first_at, max(published_at) as last_at, count(*) as rows,
    from reviews
    union all
    select 'comp_time' as source, min(taken_at) as first_at, max(taken_at) as last_at, count(*) as rows,
    from comp_time
),

event_sources as (
    select
        s.source,
        cast(null as varchar) as team,
        s.first_at,
        s.last_at,
        case
            when s.rows > 0 then max(s.last_at) filter (where s.source not in ('reviews', 'comp_time')) over ()
        end as covered_until,
        s.rows,
        l.last_ingested_at,
    from event_spans as s
    left join event_loads as l on l.source = s.source
),

rotation_loads as (
    select f.team, max(l.loaded_at) as last_ingested_at,
    from rotation_files as f
    inner join loads as l on l.file = f.source_file
    group by f.team
),

rotation_teams as (
    select
        'rotations' as source,
        s.team,
        min(s.start_at) as first_at,
        max(s.end_at) as last_at,
        max(s.end_at) as covered_until,
        count(*) as rows,
        any_value(l.last_ingested_at) as last_ingested_at,
    from shifts as s
    left join rotation_loads as l on l.team = s.team
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
        cast(null as timestamptz) as last_ingested_at,
    where not exists (select 1 from shifts)
),

final as (
    select source, team, first_at, last_at, covered_until, cast(rows as bigint) as rows, last_ingested_at,
    from event_sources
    union all
    select source, team, first_at, last_at, covered_until, cast(rows as bigint) as rows, last_ingested_at,
    from rotation_teams
    union all
    select source, team, first_at, last_at, covered_until, cast(rows as bigint) as rows, last_ingested_at,
    from no_rotations
)

select * from final
order by source, team
