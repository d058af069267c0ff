-- model: none
-- kind: query
-- layer: queries
-- depends: ingest_log
-- grain: none
--
-- Weekly rejected files: the files an ingest run rejected, for the weekly report's data
-- quality note (the report passes the last run).
-- Parameters: $run_id (VARCHAR, an ingest run; NULL: no rows).
-- Grain: one row per rejected file logged in the run.
--   file: absolute path of the input file
--   error: file:line: reason lines (the first 50)
--   run_started_at: when the run started (UTC)
select
    file,
    error,
    run_started_at,
from ingest_log
where status = 'rejected' and run_id = $run_id
order by file
