-- model: page_span
-- kind: view
-- layer: staging
-- depends: src_pages
-- grain: none
--
-- Page span: one row, the first and last sent_at of every loaded page (src_pages, all vendor
-- versions: it covers the pages view, or more). Read for speed where only the span matters
-- (page_metrics' time-zone day table): DuckDB answers it from the table's zone maps, without
-- the pages view's joins.
--   first_sent_at: the earliest sent_at of any loaded page (UTC; NULL without pages)
--   last_sent_at: the latest sent_at of any loaded page (UTC; NULL without pages)
select
    min(sent_at) as first_sent_at,
    max(sent_at) as last_sent_at,
from src_pages
