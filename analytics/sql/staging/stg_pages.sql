-- model: stg_pages
-- kind: view
-- layer: staging
-- depends: src_pages
-- grain: page_id, source_file
--
-- Page rows as loaded: one row per page and file that holds it (a page file, or a version of
-- a vendor incident: its pages). Names as the file spells them, with the keys people are
-- matched on; no row is picked here (`pages` keeps the latest vendor version's).
--   page_id: the page's id
--   sent_at: when the page was sent (UTC)
--   recipient: who was paged, as the file spells it
--   team: the team paged, trimmed and lower-cased
--   service: the service, trimmed and lower-cased
--   incident_id: the incident the file names (NULL for noise)
--   acknowledged_at: when the page was acknowledged (UTC)
--   acknowledged_by: who acknowledged it, as the file spells it
--   escalated_at: when the page was escalated (UTC)
--   urgency: the page's urgency (high, low ...)
--   recipient_key: lower(trim(recipient)), matched with people.name_key
--   acknowledged_by_key: lower(trim(acknowledged_by)), matched with people.name_key
--   line_no: line (or record) of the page in its file
--   source_file: the file the row was read from
with source as (
    select * from src_pages
),

final as (
    select
        page_id,
        sent_at,
        recipient,
        team,
        service,
        incident_id,
        acknowledged_at,
        acknowledged_by,
        escalated_at,
        urgency,
        lower(trim(recipient)) as recipient_key,
        lower(trim(acknowledged_by)) as acknowledged_by_key,
        line_no,
        source_file,
    from source
)

select * from final
