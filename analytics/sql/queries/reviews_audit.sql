-- model: none
-- kind: query
-- layer: queries
-- depends: severity_audit, incident_metrics
-- grain: incident_id
--
-- Reviews audit: the possible misclassifications among the incidents started in the report
-- week (severity_audit findings other than consistent), in start order, for the weekly
-- report. Titles and evidence are scrubbed by the report before they are shown.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per incident (unique incident_id).
--   incident_id: the incident
--   team: the incident's team
--   service: the incident's service
--   declared_severity: the severity written in the document (or imported), 1..3
--   evidence_severity: 1, 2 or 3 from the recorded impact; NULL when no impact was recorded
--   evidence: the facts that decided evidence_severity
--   finding: under_declared, over_declared, sev1_without_evidence or no_impact_recorded
select
    a.incident_id,
    m.team,
    m.service,
    a.declared_severity,
    a.evidence_severity,
    a.evidence,
    a.finding,
from severity_audit as a
inner join incident_metrics as m on m.incident_id = a.incident_id
where m.started_at >= $period_start and m.started_at < $period_end and a.finding <> 'consistent'
order by m.started_at, a.incident_id
