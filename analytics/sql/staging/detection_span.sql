-- model: detection_span
-- kind: view
-- layer: staging
-- depends: src_incidents
-- grain: none
--
-- Detection span: one row, the first and last detected_at of every loaded incident version
-- (src_incidents holds every version of every incident, so its span covers the incidents
-- view's, or more). Read for speed where only the span matters (business_windows' calendar),
-- without the incidents view's deduplication pass.
--   first_detected_at: the earliest detected_at of any loaded incident version (UTC; NULL without any)
--   last_detected_at: the latest detected_at or acknowledged_at of any loaded incident version, so the calendar reaches the last acknowledgement (UTC; NULL without any)
select
    min(detected_at) as first_detected_at,
    greatest(max(detected_at), max(acknowledged_at)) as last_detected_at,
from src_incidents
