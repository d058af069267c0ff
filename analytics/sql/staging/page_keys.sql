-- model: page_keys
-- kind: view
-- layer: staging
-- depends: src_pages
-- grain: none
--
-- Page keys: one row per loaded page row (src_pages) with an incident, keyed the way pay
-- matches people: the recipient lower-cased and trimmed, the incident trimmed. Read for speed
-- by the comp-time look-back (counted_overnight_pages: earlier pages of the same person and
-- incident), which needs no spelling from people.csv: the pages view's people joins cost
-- seconds over 10 million rows and change no key. Pages without an incident are left out
-- where the scan can skip them (most pages have none).
--   name_key: lower(trim(recipient))
--   incident_id: the incident, trimmed (never NULL)
--   sent_at: when the page was sent (UTC)
select
    lower(trim(recipient)) as name_key,
    trim(incident_id) as incident_id,
    sent_at,
from src_pages
where incident_id is not null and trim(incident_id) <> ''
