-- Stores `review_facts_live` as the table `review_facts` (every ingest, with the views): the
-- as_of-independent part of postmortem_reviews, with the policy_version it was computed under.
-- A reader given another policy shadows it with a TEMP table computed the same way.
create or replace table review_facts as select * from review_facts_live;
comment on table review_facts is 'Post-mortem review facts that do not depend on as_of (document, sections, whys, blame, deadline), stored at ingest under policy_version; read by postmortem_reviews (docs/warehouse.md).';
