-- Stores `communication_facts_live` as the table `communication_facts` (every ingest, with the
-- views): the as_of-independent part of incident_communication, with the policy_version it was
-- computed under. A reader given another policy shadows it with a TEMP table computed the same way.
create or replace table communication_facts as select * from communication_facts_live;
comment on table communication_facts is 'Communication facts that do not depend on as_of (due time, first matching timeline event per requirement), stored at ingest under policy_version; read by incident_communication (docs/warehouse.md).';
