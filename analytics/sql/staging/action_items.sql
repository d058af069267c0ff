-- Action items of the incidents' winning documents: one row per item (incident_id, item_no).
-- A tracker (Jira) row with the item's ticket key wins for status, due date and resolution;
-- the owner stays the document's.
--   incident_id: the incident
--   item_no: 1-based position in the ACTION ITEMS section
--   description: the item as written
--   owner: the Owner: named in the document
--   due_date: due date (the tracker's when the ticket is known there)
--   ticket: tracker key written in the item (e.g. OPS-123), NULL when none
--   done: done per the tracker when known (its status is a done status, case- and accent-insensitively, or its status category is Done), else the document's checkbox
--   resolved_at: when the tracker resolved the ticket (UTC)
--   tracker_status: the tracker's status, NULL when the ticket is not in a tracker export
--   source_file: the file the row was read from
with source as (
    select * from src_action_items
),

incidents as (
    select incident_id, source_file from incidents
),

tracker as (
    select
        ticket,
        status,
        due_date,
        resolved_at,
        is_category_done,
        row_number() over (partition by ticket order by source_file desc, line_no desc) as rank_in_ticket,
    from src_tracker_items
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
            else coalesce(t.is_category_done, false)
                or strip_accents(lower(t.status)) in (select status from done_statuses)
        end as done,
        t.resolved_at,
        t.status as tracker_status,
        a.source_file,
    from source as a
    inner join incidents as i
        on i.incident_id = a.incident_id and i.source_file = a.source_file
    left join tracker as t on t.ticket = a.ticket and t.rank_in_ticket = 1
)

select * from final
