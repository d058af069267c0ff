-- Incidents: one row per incident_id (unique). A post-mortem document wins over an imported
-- (PagerDuty) row of the same id. Timestamps UTC; acknowledged_by spelled as in people.csv.
--   incident_id: the document's ID: header, else its file name stem; or the vendor's id
--   title: the INCIDENT: line
--   severity: 1, 2 or 3 (SEV-1 is the most severe)
--   team: owning team, trimmed and lower-cased
--   service: affected service, trimmed and lower-cased
--   started_at: when impact started (UTC)
--   detected_at: when the incident was detected (UTC)
--   detection_method: how it was detected (alert, customer report, monitoring ...)
--   acknowledged_at: when a responder acknowledged (UTC)
--   acknowledged_by: who acknowledged, as spelled in people.csv when known
--   mitigated_at: when impact was mitigated (UTC)
--   mitigation: what mitigated it
--   resolved_at: when it was resolved (UTC); NULL while open
--   users_affected: users affected, a count (NULL when given as a percentage or unknown)
--   users_affected_pct: users affected as a percentage 0..100
--   revenue_impact_usd: revenue impact in USD (NULL when unknown)
--   data_loss: whether data was lost
--   data_loss_detail: the details written after yes/no
--   root_cause: the ROOT CAUSE section
--   postmortem_published_at: when the post-mortem was published (UTC): the earliest PUBLISHED: of its review documents, else the timeline's POSTMORTEM:
--   stated_duration_s: the DURATION line in seconds, as written by the author
--   source_kind: timeline (a post-mortem document) or an importer (pagerduty)
--   source_file: the file the row was read from
with source as (
    select * from src_incidents
),

ranked as (
    select
        *,
        row_number() over (
            partition by incident_id
            order by case when source_kind = 'timeline' then 0 else 1 end, source_file
        ) as rank_in_id,
    from source
),

people as (
    select name_key, engineer from people
),

-- PUBLISHED: of a review document wins over the timeline's POSTMORTEM: (SPEC §14)
reviews as (
    select incident_id, min(published_at) as published_at,
    from src_reviews
    group by incident_id
),

final as (
    select
        r.incident_id,
        r.title,
        r.severity,
        r.team,
        r.service,
        r.started_at,
        r.detected_at,
        r.detection_method,
        r.acknowledged_at,
        coalesce(p.engineer, r.acknowledged_by) as acknowledged_by,
        r.mitigated_at,
        r.mitigation,
        r.resolved_at,
        r.users_affected,
        r.users_affected_pct,
        r.revenue_impact_usd,
        r.data_loss,
        r.data_loss_detail,
        r.root_cause,
        coalesce(rv.published_at, r.postmortem_published_at) as postmortem_published_at,
        r.stated_duration_s,
        r.source_kind,
        r.source_file,
    from ranked as r
    left join people as p on p.name_key = lower(trim(r.acknowledged_by))
    left join reviews as rv on rv.incident_id = r.incident_id
    where r.rank_in_id = 1
)

select * from final
