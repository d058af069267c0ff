-- model: none
-- kind: query
-- layer: queries
-- depends: stg_reviews, incident_metrics, postmortem_reviews, params
-- grain: incident_id, source_file
--
-- Reviews presented: the review documents published in the report week by the report time,
-- oldest first, for the weekly report's "post-mortems to present". A timeline document that
-- is its own review counts like a reviews/ document. Review documents are read as loaded
-- (stg_reviews).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per review document (unique incident_id, source_file).
--   incident_id: the incident reviewed
--   team: the incident's team
--   service: the incident's service
--   severity: the incident's severity, 1..3
--   title: the review's title, else the incident's
--   source_file: the review document's file
--   published_at: when the review was published (UTC), at or before as_of
--   review_status: the incident's post-mortem review status (met, breached, pending, n/a)
select
    r.incident_id,
    m.team,
    m.service,
    m.severity,
    coalesce(r.title, m.title) as title,
    r.source_file,
    r.published_at,
    p.review_status,
from stg_reviews as r
left join incident_metrics as m on m.incident_id = r.incident_id
left join postmortem_reviews as p on p.incident_id = r.incident_id
where
    r.published_at >= $period_start and r.published_at < $period_end
    and r.published_at <= (select as_of from params) -- not yet published at the report time
order by r.published_at, r.incident_id, r.source_file
