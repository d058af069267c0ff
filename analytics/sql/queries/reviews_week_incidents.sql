-- model: none
-- kind: query
-- layer: queries
-- depends: incident_metrics
-- grain: incident_id
--
-- Reviews week incidents: the incidents started in the report week, the only ones whose
-- severity audit the weekly report reads (db.incidents_only shadows the incidents view with
-- them while it does: the audit's phrase matching costs ~0.3 s CPU over every incident).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per incident (unique incident_id).
--   incident_id: an incident started in the week
select incident_id from incident_metrics
where started_at >= $period_start and started_at < $period_end
