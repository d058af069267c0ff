-- Stores `event_coverage_live` as the table `event_coverage` (every ingest, with the views):
-- per event source and file, the span and count of its events. It depends on neither as_of
-- nor the policy.
create or replace table event_coverage as select * from event_coverage_live;
comment on table event_coverage is 'Per event source and file, the first and last event and the number of rows, stored at ingest; read by data_coverage instead of every page and action item (docs/warehouse.md).';
