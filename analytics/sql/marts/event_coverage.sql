-- model: event_coverage_live
-- kind: view
-- layer: marts
-- depends: incidents, action_items, vendor_versions, stg_pages, stg_incidents, stg_handoffs, stg_reviews, stg_comp_time, stg_tracker_items
-- grain: source, source_file
--
-- Event coverage, computed live: one row per event source and file (unique (source,
-- source_file)), how far that file's rows reach: what `data_coverage` needs of the event
-- sources (incidents, pages, action_items, handoffs, status_page, reviews, comp_time), dated as
-- data_coverage dates them. Neither the report time nor the policy changes it. Ingest stores
-- these rows as the table `event_coverage`, so data_coverage reads a few thousand rows instead
-- of every page and action item (docs/warehouse.md).
--   source: the event source
--   source_file: a file of that source (a tracker export counts as an action_items file, with no events)
--   first_at: the file's earliest event of the source (UTC); NULL when none is dated
--   last_at: the file's latest event of the source (UTC)
--   rows: the source's rows from that file
with

incidents as (
    select incident_id, started_at, source_file from incidents
),

-- The rows of the `pages` view, read from stg_pages with the view's one filter (a page of a
-- superseded vendor version is not a page); the view's other joins only rename people and
-- never add or drop a row, and at 10 M pages they cost more than everything else here.
pages as (
    select s.sent_at, s.source_file,
    from stg_pages as s
    anti join (
        select incident_id, source_file from vendor_versions where not is_latest
    ) as o
        on o.incident_id = s.incident_id and o.source_file = s.source_file
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
        row_number()
            over (partition by ticket order by source_file desc, line_no desc)
            as rank_in_ticket,
    from stg_tracker_items
),

handoffs as (
    select written_at, source_file from stg_handoffs
),

-- Every Statuspage incident loaded, linked to a document or not (a linked one makes no
-- incident of its own, but its updates are still the status page's data).
status_page as (
    select started_at, source_file from stg_incidents where source_kind = 'statuspage'
),

reviews as (
    select published_at, source_file from stg_reviews where source_kind = 'review'
),

comp_time as (
    select timezone('UTC', cast(taken_on as timestamp)) as taken_at, source_file from stg_comp_time
),

action_item_events as (
    select
        coalesce(t.created_at, i.started_at) as event_at,
        a.source_file,
    from action_items as a
    left join tracker as t on t.ticket = a.ticket and t.rank_in_ticket = 1
    left join incidents as i on i.incident_id = a.incident_id
),

events as (
    select 'incidents' as source, source_file, started_at as event_at, from incidents
    union all
    select 'pages' as source, source_file, sent_at as event_at, from pages
    union all
    select 'action_items' as source, source_file, event_at, from action_item_events
    union all
    select 'handoffs' as source, source_file, written_at as event_at, from handoffs
    union all
    select 'status_page' as source, source_file, started_at as event_at, from status_page
    union all
    select 'reviews' as source, source_file, published_at as event_at, from reviews
    union all
    select 'comp_time' as source, source_file, taken_at as event_at, from comp_time
),

file_spans as (
    select
        source, source_file, min(event_at) as first_at, max(event_at) as last_at, count(*) as rows,
    from events
    group by source, source_file
),

-- tracker files are files of the action_items source without events of their own
tracker_files as (
    select distinct
        'action_items' as source,
        source_file,
        cast(null as timestamptz) as first_at,
        cast(null as timestamptz) as last_at,
        0 as rows,
    from tracker
    where source_file not in (select source_file from file_spans where source = 'action_items')
),

final as (
    select source, source_file, first_at, last_at, cast(rows as bigint) as rows, from file_spans
    union all
    select source, source_file, first_at, last_at, cast(rows as bigint) as rows, from tracker_files
)

select * from final
