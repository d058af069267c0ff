-- Action items of the incidents' winning documents: one row per item (incident_id, item_no).
-- Then the items of the incident's review documents (reviews/, SPEC §3.8), earliest PUBLISHED
-- first, numbered on after the timeline's; a review item whose ticket (else its text, case and
-- spacing aside) is already listed is left out. A tracker (Jira) row with the item's ticket key
-- wins for status, due date and resolution; the owner stays the document's.
--   incident_id: the incident
--   item_no: 1-based: position in the ACTION ITEMS section, then the review documents' items
--   description: the item as written
--   owner: the Owner: named in the document
--   due_date: due date (the tracker's when the ticket is known there)
--   ticket: tracker key written in the item (e.g. OPS-123), NULL when none
--   done: done per the tracker's status when known, else the document's checkbox
--   resolved_at: when the tracker resolved the ticket (UTC)
--   tracker_status: the tracker's status, NULL when the ticket is not in a tracker export
--   source_file: the file the row was read from
with source as (
    select * from src_action_items
),

incidents as (
    select incident_id, source_file from incidents
),

review_files as (
    select incident_id, source_file, published_at,
    from src_reviews
    where source_kind = 'review'
),

-- the timeline document's items first (rank 0), then each review document's in turn
candidates as (
    select a.*, 0 as doc_rank, null::timestamptz as published_at,
    from source as a
    inner join incidents as i
        on i.incident_id = a.incident_id and i.source_file = a.source_file
    union all
    select a.*, 1 as doc_rank, r.published_at,
    from source as a
    inner join review_files as r
        on r.incident_id = a.incident_id and r.source_file = a.source_file
    where a.incident_id in (select incident_id from incidents)
),

keyed as (
    select
        *,
        row_number() over (
            partition by
                incident_id,
                coalesce(ticket, lower(trim(regexp_replace(description, '\s+', ' ', 'g'))))
            order by doc_rank, published_at nulls last, source_file, item_no
        ) as rank_in_key,
    from candidates
),

kept as (
    select * exclude (rank_in_key),
    from keyed
    where doc_rank = 0 or rank_in_key = 1
),

numbered as (
    select
        * exclude (item_no),
        case
            when doc_rank = 0 then item_no
            else
                coalesce(max(item_no) filter (where doc_rank = 0) over (partition by incident_id), 0)
                + row_number() over (
                    partition by incident_id, doc_rank
                    order by published_at nulls last, source_file, item_no
                )
        end as item_no,
    from kept
),

tracker as (
    select
        ticket,
        status,
        due_date,
        resolved_at,
        row_number() over (partition by ticket order by source_file desc, line_no desc) as rank_in_ticket,
    from src_tracker_items
),

done_statuses as (
    select distinct lower(unnest(done_statuses)) as status from policy
),

final as (
    select
        a.incident_id,
        a.item_no,
        a.description,
        a.owner,
        coalesce(t.due_date, a.due_date) as due_date,
        a.ticket,
        case
            when t.ticket is null then a.done
            else lower(t.status) in (select status from done_statuses)
        end as done,
        t.resolved_at,
        t.status as tracker_status,
        a.source_file,
    from numbered as a
    left join tracker as t on t.ticket = a.ticket and t.rank_in_ticket = 1
)

select * from final
