-- model: business_clock
-- kind: view
-- layer: intermediate
-- depends: business_windows
-- grain: window_start_at
--
-- The business clock: one row per business-hours window (unique window_start_at), with the
-- business seconds from the first window to the window's start. A window is one business day
-- and windows never overlap, so an ASOF join on window_start_at reads the clock at any instant:
-- before_s + least(seconds since window_start_at, window_s). The one body of the SEV-3
-- response clock's counting: incident_facts reads it at detection and acknowledgement,
-- incident_responses at as_of.
--   window_start_at: start of the business day's window (UTC)
--   window_s: length of the window, seconds
--   before_s: business seconds of every earlier window, seconds
select
    window_start_at,
    window_s,
    coalesce(
        sum(window_s) over (
            order by window_start_at rows between unbounded preceding and 1 preceding
        ),
        0
    ) as before_s,
from business_windows
