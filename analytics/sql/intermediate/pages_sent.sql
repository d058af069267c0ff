-- model: pages_sent
-- kind: view
-- layer: intermediate
-- depends: stg_pages, people, vendor_versions, stg_incidents
-- grain: page_id
--
-- Pages sent: one row per page_id (unique), who was paged and the incident the page belongs
-- to; `pages` adds who acknowledged it. Names spelled as in people.csv when known. Of a vendor
-- incident found in several files, only the latest version's file gives its pages
-- (docs/importers.md). The pages of a PagerDuty incident a document names (PAGERDUTY: header)
-- belong to the document's. Read where no acknowledgement is needed (counted_overnight_pages):
-- resolving it (the alert logs, the acknowledger's spelling) costs as much again over a
-- month's pages.
--   recipient: who was paged
--   incident_id: the incident the page belongs to (NULL for noise; a linked document's id)
--   recipient_key: lower(trim(recipient)), matched with people.name_key: the same for the file's spelling and people.csv's
-- The columns not documented above pass on from stg_pages, whose docs they keep: the
-- acknowledgement as the file has it (acknowledged_at, acknowledged_by, acknowledged_by_key).
with source as (
    select * from stg_pages
),

people as (
    select name_key, engineer from people
),

-- older versions of vendor incidents: their pages give way
superseded as (
    select incident_id, source_file from vendor_versions where not is_latest
),

-- PagerDuty incidents named by a timeline document
pagerduty_links as (
    select linked_pagerduty_id as vendor_id, min(incident_id) as document_id,
    from stg_incidents
    where source_kind = 'timeline' and linked_pagerduty_id is not null
    group by linked_pagerduty_id
),

final as (
    select
        s.page_id,
        s.sent_at,
        coalesce(r.engineer, s.recipient) as recipient,
        s.team,
        s.service,
        coalesce(pl.document_id, s.incident_id) as incident_id,
        s.recipient_key,
        s.acknowledged_at,
        s.acknowledged_by,
        s.acknowledged_by_key,
        s.escalated_at,
        s.urgency,
        s.source_file,
    from source as s
    anti join superseded as o
        on o.incident_id = s.incident_id and o.source_file = s.source_file
    left join people as r on r.name_key = s.recipient_key
    left join pagerduty_links as pl on pl.vendor_id = s.incident_id
)

select * from final
