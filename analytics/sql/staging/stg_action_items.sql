-- model: stg_action_items
-- kind: view
-- layer: staging
-- depends: src_action_items
-- grain: incident_id, item_no, source_file
--
-- Action item rows as loaded: one row per item of every post-mortem and review document. No
-- document is picked here (`action_items` keeps the winning document's items and adds its
-- review documents', an item already listed left out).
--   incident_id: the incident
--   item_no: 1-based position in the document's ACTION ITEMS section
--   description: the item as written
--   owner: the Owner: named in the document
--   due_date: due date as written in the document
--   ticket: tracker key written in the item (e.g. OPS-123), NULL when none
--   done: the document's checkbox
--   line_no: line of the item in its file
--   source_file: the file the row was read from
with source as (
    select * from src_action_items
),

final as (
    select
        incident_id,
        item_no,
        description,
        owner,
        due_date,
        ticket,
        done,
        line_no,
        source_file,
    from source
)

select * from final
