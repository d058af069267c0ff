-- model: pages
-- kind: view
-- layer: intermediate
-- depends: stg_pages, people, vendor_versions, stg_incidents, stg_page_acks
-- grain: page_id
--
-- Pages: one row per page_id (unique). Names spelled as in people.csv when known. Of a vendor
-- incident found in several files, only the latest version's file gives its pages (docs/importers.md).
-- An Opsgenie alert without its own ack time takes the first acknowledge of its alert log. The
-- pages of a PagerDuty incident a document names (PAGERDUTY: header) belong to the document's.
--   recipient: who was paged
--   incident_id: the incident the page belongs to (NULL for noise; a linked document's id)
--   acknowledged_at: when the page was acknowledged (UTC; else the first acknowledge in its Opsgenie alert log)
--   acknowledged_by: who acknowledged it

-- The columns not documented above pass on from stg_pages, whose docs they keep.
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

-- the first acknowledge log of each alert (Opsgenie alert logs)
log_acks as (
    select page_id, acknowledged_at, acknowledged_by, acknowledged_by_key,
    from stg_page_acks
    qualify row_number() over (
        partition by page_id order by acknowledged_at, source_file
    ) = 1
),

final as (
    select
        s.page_id,
        s.sent_at,
        coalesce(r.engineer, s.recipient) as recipient,
        s.team,
        s.service,
        coalesce(pl.document_id, s.incident_id) as incident_id,
        coalesce(s.acknowledged_at, k.acknowledged_at) as acknowledged_at,
        coalesce(
            a.engineer,
            s.acknowledged_by,
            case when s.acknowledged_at is null then coalesce(la.engineer, k.acknowledged_by) end
        ) as acknowledged_by,
        s.escalated_at,
        s.urgency,
        s.source_file,
    from source as s
    anti join superseded as o
        on o.incident_id = s.incident_id and o.source_file = s.source_file
    left join people as r on r.name_key = s.recipient_key
    left join people as a on a.name_key = s.acknowledged_by_key
    left join log_acks as k on k.page_id = s.page_id
    left join pagerduty_links as pl on pl.vendor_id = s.incident_id
    left join people as la on la.name_key = k.acknowledged_by_key
)

select * from final
