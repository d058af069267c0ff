-- model: pages
-- kind: view
-- layer: intermediate
-- depends: pages_sent, people, stg_page_acks
-- grain: page_id
--
-- Pages: one row per page_id (unique): the pages sent (`pages_sent`: names spelled as in
-- people.csv when known, only the latest version's file of a vendor incident found in several,
-- a PagerDuty incident a document names under the document's id) with who acknowledged them.
-- An Opsgenie alert without its own ack time takes the first acknowledge of its alert log.
--   acknowledged_at: when the page was acknowledged (UTC; else the first acknowledge in its Opsgenie alert log)
--   acknowledged_by: who acknowledged it

-- The columns not documented above pass on from pages_sent, whose docs they keep.
with source as (
    select * from pages_sent
),

people as (
    select name_key, engineer from people
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
        s.recipient,
        s.team,
        s.service,
        s.incident_id,
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
    left join people as a on a.name_key = s.acknowledged_by_key
    left join log_acks as k on k.page_id = s.page_id
    left join people as la on la.name_key = k.acknowledged_by_key
)

select * from final
