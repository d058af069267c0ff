-- model: none
-- kind: query
-- layer: queries
-- depends: incident_facts, review_facts, stg_reviews, macros.sql
-- grain: incident_id
--
-- Weekly report incidents: the incidents the weekly report shows (docs/reports.md): started
-- in the trend window (which holds the week before the report week too), or with a
-- post-mortem published or due in the report week, whenever they started. The report's
-- reader computes the incident views for these only (~4,400 of 100,000 at the benchmark's
-- size; db.scope_incidents), as every row of those views depends on its own incident.
-- Review documents are read as loaded (stg_reviews).
-- Parameters: $trend_start (TIMESTAMPTZ, the first week of the trend, or the week before
-- the report week when earlier), $period_start, $period_end (TIMESTAMPTZ, the report week;
-- end excluded).
-- Grain: one row per incident (unique incident_id).
--   incident_id: an incident the report shows
select incident_id from incident_facts
where started_at >= $trend_start and started_at < $period_end
union
select incident_id from stg_reviews
where published_at >= $period_start and published_at < $period_end
union
select incident_id from review_facts
where published_at >= $period_start and published_at < $period_end
union
select incident_id from incident_facts
where
    postmortem_due_at(severity, resolved_at) >= $period_start
    and postmortem_due_at(severity, resolved_at) < $period_end
