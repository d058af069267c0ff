-- model: none
-- kind: query
-- layer: queries
-- depends: summary_scope
-- grain: grp
--
-- Metrics summary samples: per group of the TEMP table summary_scope
-- (metrics/summary_scope.sql), the known durations of each metric as a list, what the
-- bootstrap of metrics.summary resamples for the *_lo_s/*_hi_s intervals.
-- Parameters: none (the period and grouping are summary_scope's).
-- Grain: one row per group that has incidents (a group without any has no row).
--   grp: the group as text, as summary_scope has it
--   tta_s: the group's times to acknowledge, seconds, NULLs left out (MTTA's sample)
--   ttr_s: the group's times to resolve, seconds, NULLs left out (MTTR's sample)
--   ttd_s: the group's times to detect, seconds, NULLs left out (MTTD's sample)
--   ttm_s: the group's times to mitigate, seconds, NULLs left out (MTTM's sample)
select
    grp,
    coalesce(list(tta_s) filter (where tta_s is not null), []) as tta_s,
    coalesce(list(ttr_s) filter (where ttr_s is not null), []) as ttr_s,
    coalesce(list(ttd_s) filter (where ttd_s is not null), []) as ttd_s,
    coalesce(list(ttm_s) filter (where ttm_s is not null), []) as ttm_s,
from summary_scope
group by grp
