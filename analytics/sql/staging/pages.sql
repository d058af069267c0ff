-- Pages: one row per page_id (unique). Names spelled as in people.csv when known.
--   page_id: the page's id
--   sent_at: when the page was sent (UTC)
--   recipient: who was paged
--   team: the team paged, trimmed and lower-cased
--   service: the service, trimmed and lower-cased
--   incident_id: the incident the page belongs to (NULL for noise)
--   acknowledged_at: when the page was acknowledged (UTC)
--   acknowledged_by: who acknowledged it
--   escalated_at: when the page was escalated (UTC)
--   urgency: the page's urgency (high, low ...)
--   source_file: the file the row was read from
with source as (
    select * from src_pages
),

people as (
    select name_key, engineer from people
),

final as (
    select
        s.page_id,
        s.sent_at,
        coalesce(r.engineer, s.recipient) as recipient,
        s.team,
        s.service,
        s.incident_id,
        s.acknowledged_at,
        coalesce(a.engineer, s.acknowledged_by) as acknowledged_by,
        s.escalated_at,
        s.urgency,
        s.source_file,
    from source as s
    left join people as r on r.name_key = lower(trim(s.recipient))
    left join people as a on a.name_key = lower(trim(s.acknowledged_by))
)

select * from final
