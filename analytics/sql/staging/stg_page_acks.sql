-- model: stg_page_acks
-- kind: view
-- layer: staging
-- depends: src_page_acks
-- grain: none
--
-- Acknowledgements read from Opsgenie alert logs: one row per acknowledge entry kept by ingest
-- (the earliest of each alert in each file). No entry is picked here (`pages` takes an
-- alert's first, for an alert whose own report has no ack time).
--   page_id: the alert's page id
--   acknowledged_at: when the log says it was acknowledged (UTC)
--   acknowledged_by: who acknowledged it, as the log spells it
--   acknowledged_by_key: lower(trim(acknowledged_by)), matched with people.name_key
--   line_no: record of the entry in its file
--   source_file: the file the row was read from
with source as (
    select * from src_page_acks
),

final as (
    select
        page_id,
        acknowledged_at,
        acknowledged_by,
        lower(trim(acknowledged_by)) as acknowledged_by_key,
        line_no,
        source_file,
    from source
)

select * from final
