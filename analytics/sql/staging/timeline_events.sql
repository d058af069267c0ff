-- Timeline events of the incidents' winning documents: one row per TIMELINE line.
--   incident_id: the incident
--   occurred_at: when it happened (UTC; [HH:MM] entries dated from STARTED, rolling past midnight)
--   kind: status_update, escalation, page or note (keyword rules of the policy at ingest)
--   text: the event as written
--   line_no: line of the event in its document
--   source_file: the file the row was read from
with source as (
    select * from src_timeline_events
),

incidents as (
    select incident_id, source_file from incidents
),

final as (
    select
        e.incident_id,
        e.occurred_at,
        e.kind,
        e.text,
        e.line_no,
        e.source_file,
    from source as e
    inner join incidents as i
        on i.incident_id = e.incident_id and i.source_file = e.source_file
)

select * from final
