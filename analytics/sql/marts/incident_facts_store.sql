-- Stores `incident_facts_live` as the table `incident_facts` (run at every ingest, when the
-- views are installed, after the policy is written): the as_of-independent part of
-- incident_responses and incident_metrics, with the policy_version it was computed under.
-- A reader given another policy shadows it with a TEMP table computed the same way
-- (analytics/db.py), so a different policy never reads facts of the stored one.
create or replace table incident_facts as select * from incident_facts_live;
comment on table incident_facts is 'Incident facts that do not depend on as_of (durations, business clock at detection and acknowledgement, cadence of resolved incidents, status source, first escalation), stored at ingest under policy_version; read by incident_responses and incident_metrics (docs/warehouse.md).';
