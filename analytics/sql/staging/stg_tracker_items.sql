-- model: stg_tracker_items
-- kind: view
-- layer: staging
-- depends: src_tracker_items
-- grain: none
--
-- Tracker (Jira) rows as loaded: one row per ticket of every tracker export (a ticket may be in
-- several exports). No export is picked here (`action_items` takes the latest export's row of a
-- ticket). The status is kept as written, with the key the policy's done statuses match.
--   ticket: the tracker key (e.g. OPS-123)
--   summary: the ticket's summary
--   status: the tracker's status, as written
--   status_key: the status lower-cased and without accents, matched with the policy's done statuses
--   assignee: the ticket's assignee, as written
--   due_date: the ticket's due date
--   created_at: when the ticket was created (UTC)
--   resolved_at: when the tracker resolved the ticket (UTC)
--   incident_id: the incident the ticket names, when it does
--   is_category_done: true when the ticket's status category is Done (false when not given)
--   line_no: line (or record) of the ticket in its file
--   source_file: the file the row was read from
with source as (
    select * from src_tracker_items
),

final as (
    select
        ticket,
        summary,
        status,
        strip_accents(lower(status)) as status_key,
        assignee,
        due_date,
        created_at,
        resolved_at,
        incident_id,
        coalesce(is_category_done, false) as is_category_done,
        line_no,
        source_file,
    from source
)

select * from final
