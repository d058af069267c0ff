-- model: action_items
-- kind: view
-- layer: intermediate
-- depends: stg_action_items, incidents, stg_reviews, stg_tracker_items, policy
-- grain: incident_id, item_no
--
-- Action items of the incidents' winning documents: one row per item (incident_id, item_no).
-- Then the items of the incident's review documents (reviews/, docs/inputs.md), earliest PUBLISHED
-- first, numbered on after the timeline's; a review item whose ticket (else its text, case and
-- spacing aside) is already listed is left out. A tracker (Jira) row with the item's ticket key
-- wins for status, due date and resolution; the owner stays the document's.
--   item_no: 1-based: position in the ACTION ITEMS section, then the review documents' items
--   due_date: due date (the tracker's when the ticket is known there)
--   done: done per the tracker when known (its status is a done status, case- and accent-insensitively, or its status category is Done), else the document's checkbox
--   resolved_at: when the tracker resolved the ticket (UTC)
--   tracker_status: the tracker's status, NULL when the ticket is not in a tracker export

-- The columns not documented above pass on from stg_action_items, whose docs they keep.
with source as (
    select * from stg_action_items
),

incidents as (
    select incident_id, source_file from incidents
),

review_files as (
    select incident_id, source_file, published_at,
    from stg_reviews
    where source_kind = 'review'
),

document_items as (
    select a.*,
    from source as a
    inner join incidents as i
        on i.incident_id = a.incident_id and i.source_file = a.source_file
),

-- an item is the same as another by its ticket, else by its text (case and spacing aside)
review_candidates as (
    select
        a.*,
        r.published_at,
        coalesce(a.ticket, lower(trim(regexp_replace(a.description, '\s+', ' ', 'g'))))
            as item_key,
    from source as a
    inner join review_files as r
        on r.incident_id = a.incident_id and r.source_file = a.source_file
    where a.incident_id in (select incident_id from incidents)
),

listed as (
    select
        incident_id,
        coalesce(ticket, lower(trim(regexp_replace(description, '\s+', ' ', 'g')))) as item_key,
        max(item_no) over (partition by incident_id) as last_item_no,
    from document_items
    where incident_id in (select incident_id from review_candidates)
),

review_items as (
    select c.*,
    from review_candidates as c
    where not exists (
        select 1 from listed as l where l.incident_id = c.incident_id and l.item_key = c.item_key
    )
    qualify row_number() over (
        partition by c.incident_id, c.item_key
        order by c.published_at nulls last, c.source_file, c.item_no
    ) = 1
),

-- the review documents' items numbered on after the timeline document's
numbered_reviews as (
    select
        r.* exclude (item_no, published_at, item_key),
        coalesce(
            (select max(l.last_item_no) from listed as l where l.incident_id = r.incident_id), 0
        )
        + row_number() over (
            partition by r.incident_id order by r.published_at nulls last, r.source_file, r.item_no
        ) as item_no,
    from review_items as r
),

numbered as (
    select * from document_items
    union all by name
    select * from numbered_reviews
),

tracker as (
    select
        ticket,
        status,
        status_key,
        due_date,
        resolved_at,
        is_category_done,
        row_number()
            over (partition by ticket order by source_file desc, line_no desc)
            as rank_in_ticket,
    from stg_tracker_items
),

done_statuses as (
    select distinct strip_accents(lower(unnest(done_statuses))) as status from policy
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
            else t.is_category_done or t.status_key in (select status from done_statuses)
        end as done,
        t.resolved_at,
        t.status as tracker_status,
        a.source_file,
    from numbered as a
    left join tracker as t on t.ticket = a.ticket and t.rank_in_ticket = 1
)

select * from final
