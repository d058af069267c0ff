-- model: stg_timeline_events
-- kind: view
-- layer: staging
-- depends: src_timeline_events
-- grain: none
--
-- Timeline event rows as loaded: one row per TIMELINE line of every post-mortem document and
-- per update of every loaded Statuspage incident version (rows are not unique: a line number
-- may be missing or shared within a vendor file). No document or version is picked here
-- (`timeline_events` keeps the winning document's and its status page's).
--   incident_id: the document's or the Statuspage incident's id
--   occurred_at: when it happened (UTC; [HH:MM] entries dated from STARTED, rolling past midnight; a status-page update at its display_at)
--   kind: status_update, escalation, page or note (keyword rules of the policy at ingest)
--   other_kind: a status_update line's kind by the other keyword rules (escalation, page, else note): its kind when the incident's status page gives the updates
--   text: the event as written (a status-page update: its status, ": ", its body)
--   line_no: line of the event in its file
--   source_file: the file the row was read from
with source as (
    select * from src_timeline_events
),

final as (
    select
        incident_id,
        occurred_at,
        kind,
        other_kind,
        text,
        line_no,
        source_file,
    from source
)

select * from final
