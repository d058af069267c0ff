-- model: none
-- kind: query
-- layer: queries
-- depends: summary_scope, postmortem_reviews, incident_communication
-- grain: grp
--
-- Metrics summary: MTTA/MTTR/MTTD/MTTM and response compliance per group of the incidents
-- started in a period (metrics.summary, `incident-analytics metrics`), then the post-mortem
-- review, communication and status-cadence counts and rates and where the status updates came
-- from. Reads the TEMP table summary_scope (metrics/summary_scope.sql) of the same period and
-- grouping. The bootstrap interval columns are NULL here: metrics.summary fills them.
-- Parameters: $grouping (VARCHAR: severity, team or service, the same as summary_scope's).
-- Grain: one row per group, sorted by group, missing team or service last; by severity
-- always the rows '1', '2', '3' (zeros included); metrics.summary names the column after the
-- grouping and gives severity back as an integer. Rates are met / (met + breached), NULL
-- when nothing is decided. A zero-duration status-page incident is left out of MTTR and MTTM
-- and counted in zero_duration, not as missing.
--   grp: the group as text: severity ('1', '2', '3'), team or service
--   incidents: incidents started in the period
--   mtta_mean_s: mean time to acknowledge, seconds
--   mtta_median_s: median time to acknowledge, seconds
--   mtta_p90_s: 90th percentile of the time to acknowledge, seconds
--   mttr_mean_s: mean time to resolve, seconds
--   mttr_median_s: median time to resolve, seconds
--   mttr_p90_s: 90th percentile of the time to resolve, seconds
--   response_met: incidents whose response status is met
--   response_breached: incidents whose response status is breached
--   response_pending: incidents whose response status is pending
--   response_compliance: response_met / (response_met + response_breached), a fraction
--   mtta_missing: incidents without a time to acknowledge
--   mttr_missing: incidents without a time to resolve (zero-duration ones left out)
--   mtta_n: incidents with a time to acknowledge
--   mttr_n: incidents with a time to resolve
--   mtta_mean_lo_s: low end of the mean's interval, seconds (NULL here)
--   mtta_mean_hi_s: high end of the mean's interval, seconds (NULL here)
--   mtta_median_lo_s: low end of the median's interval, seconds (NULL here)
--   mtta_median_hi_s: high end of the median's interval, seconds (NULL here)
--   mttr_mean_lo_s: low end of the mean's interval, seconds (NULL here)
--   mttr_mean_hi_s: high end of the mean's interval, seconds (NULL here)
--   mttr_median_lo_s: low end of the median's interval, seconds (NULL here)
--   mttr_median_hi_s: high end of the median's interval, seconds (NULL here)
--   mttd_mean_s: mean time to detect, seconds
--   mttd_median_s: median time to detect, seconds
--   mttd_p90_s: 90th percentile of the time to detect, seconds
--   mttd_n: incidents with a time to detect
--   mttd_missing: incidents without a time to detect
--   mttd_mean_lo_s: low end of the mean's interval, seconds (NULL here)
--   mttd_mean_hi_s: high end of the mean's interval, seconds (NULL here)
--   mttd_median_lo_s: low end of the median's interval, seconds (NULL here)
--   mttd_median_hi_s: high end of the median's interval, seconds (NULL here)
--   mttm_mean_s: mean time to mitigate, seconds
--   mttm_median_s: median time to mitigate, seconds
--   mttm_p90_s: 90th percentile of the time to mitigate, seconds
--   mttm_n: incidents with a time to mitigate
--   mttm_missing: incidents without a time to mitigate (zero-duration ones left out)
--   mttm_mean_lo_s: low end of the mean's interval, seconds (NULL here)
--   mttm_mean_hi_s: high end of the mean's interval, seconds (NULL here)
--   mttm_median_lo_s: low end of the median's interval, seconds (NULL here)
--   mttm_median_hi_s: high end of the median's interval, seconds (NULL here)
--   response_n_a: incidents whose response status is n/a
--   open_incidents: incidents not resolved at as_of
--   zero_duration: status-page incidents resolved at the instant they started
--   review_met: post-mortem reviews met (postmortem_reviews.review_status)
--   review_breached: post-mortem reviews breached
--   review_pending: post-mortem reviews pending
--   review_rate: review_met / (review_met + review_breached), a fraction
--   communication_met: communication requirements met (incident_communication, one per incident and requirement)
--   communication_breached: communication requirements breached
--   communication_pending: communication requirements pending
--   communication_rate: communication_met / (communication_met + communication_breached), a fraction
--   status_cadence_met: incidents whose status-page cadence is met (summary_scope.status_cadence_status)
--   status_cadence_breached: incidents whose status-page cadence is breached
--   status_cadence_pending: incidents whose status-page cadence is pending
--   status_cadence_rate: status_cadence_met / (status_cadence_met + status_cadence_breached), a fraction
--   status_source_statuspage: incidents whose status updates came from the status page
--   status_source_timeline: incidents whose status updates came from the timeline
--   status_source_none: incidents without status updates
with

group_keys as (
    select grp from unnest(['1', '2', '3']) as severities (grp)
    where $grouping = 'severity'
    union all
    select distinct grp from summary_scope
    where $grouping != 'severity'
),

aggregated as (
    select
        grp,
        count(*) as incidents,
        avg(tta_s) as mtta_mean_s,
        quantile_cont(tta_s, 0.5) as mtta_median_s,
        quantile_cont(tta_s, 0.9) as mtta_p90_s,
        count(tta_s) as mtta_n,
        count(*) filter (where tta_s is null) as mtta_missing,
        avg(ttr_s) as mttr_mean_s,
        quantile_cont(ttr_s, 0.5) as mttr_median_s,
        quantile_cont(ttr_s, 0.9) as mttr_p90_s,
        count(ttr_s) as mttr_n,
        count(*) filter (where ttr_s is null and not is_zero_duration) as mttr_missing,
        avg(ttd_s) as mttd_mean_s,
        quantile_cont(ttd_s, 0.5) as mttd_median_s,
        quantile_cont(ttd_s, 0.9) as mttd_p90_s,
        count(ttd_s) as mttd_n,
        count(*) filter (where ttd_s is null) as mttd_missing,
        avg(ttm_s) as mttm_mean_s,
        quantile_cont(ttm_s, 0.5) as mttm_median_s,
        quantile_cont(ttm_s, 0.9) as mttm_p90_s,
        count(ttm_s) as mttm_n,
        count(*) filter (where ttm_s is null and not is_zero_duration) as mttm_missing,
        count(*) filter (where response_status = 'met') as response_met,
        count(*) filter (where response_status = 'breached') as response_breached,
        count(*) filter (where response_status = 'pending') as response_pending,
        count(*) filter (where response_status = 'n/a') as response_n_a,
        count(*) filter (where resolved_at is null) as open_incidents,
        count(*) filter (where is_zero_duration) as zero_duration,
    from summary_scope
    group by grp
),

statuses as (
    select
        s.grp,
        'review' as rule,
        r.review_status as status,
    from summary_scope as s
    inner join postmortem_reviews as r on r.incident_id = s.incident_id
    union all
    select
        s.grp,
        'communication' as rule,
        c.status,
    from summary_scope as s
    inner join incident_communication as c on c.incident_id = s.incident_id
    union all
    select
        grp,
        'status_cadence' as rule,
        status_cadence_status as status,
    from summary_scope
    union all
    select
        grp,
        'source_' || status_source as rule,
        null as status,
    from summary_scope
),

rules as (
    select
        grp,
        count(*) filter (where rule = 'review' and status = 'met') as review_met,
        count(*) filter (where rule = 'review' and status = 'breached') as review_breached,
        count(*) filter (where rule = 'review' and status = 'pending') as review_pending,
        count(*) filter (where rule = 'communication' and status = 'met') as communication_met,
        count(*) filter (
            where rule = 'communication' and status = 'breached'
        ) as communication_breached,
        count(*) filter (
            where rule = 'communication' and status = 'pending'
        ) as communication_pending,
        count(*) filter (where rule = 'status_cadence' and status = 'met') as status_cadence_met,
        count(*) filter (
            where rule = 'status_cadence' and status = 'breached'
        ) as status_cadence_breached,
        count(*) filter (
            where rule = 'status_cadence' and status = 'pending'
        ) as status_cadence_pending,
        count(*) filter (where rule = 'source_statuspage') as status_source_statuspage,
        count(*) filter (where rule = 'source_timeline') as status_source_timeline,
        count(*) filter (where rule = 'source_none') as status_source_none,
    from statuses
    group by grp
),

final as (
    select
        group_keys.grp,
        coalesce(a.incidents, 0) as incidents,
        a.mtta_mean_s,
        a.mtta_median_s,
        a.mtta_p90_s,
        a.mttr_mean_s,
        a.mttr_median_s,
        a.mttr_p90_s,
        coalesce(a.response_met, 0) as response_met,
        coalesce(a.response_breached, 0) as response_breached,
        coalesce(a.response_pending, 0) as response_pending,
        case
            when a.response_met + a.response_breached > 0
                then
                    cast(a.response_met as double)
                    / cast(a.response_met + a.response_breached as double)
        end as response_compliance,
        coalesce(a.mtta_missing, 0) as mtta_missing,
        coalesce(a.mttr_missing, 0) as mttr_missing,
        coalesce(a.mtta_n, 0) as mtta_n,
        coalesce(a.mttr_n, 0) as mttr_n,
        cast(null as double) as mtta_mean_lo_s,
        cast(null as double) as mtta_mean_hi_s,
        cast(null as double) as mtta_median_lo_s,
        cast(null as double) as mtta_median_hi_s,
        cast(null as double) as mttr_mean_lo_s,
        cast(null as double) as mttr_mean_hi_s,
        cast(null as double) as mttr_median_lo_s,
        cast(null as double) as mttr_median_hi_s,
        a.mttd_mean_s,
        a.mttd_median_s,
        a.mttd_p90_s,
        coalesce(a.mttd_n, 0) as mttd_n,
        coalesce(a.mttd_missing, 0) as mttd_missing,
        cast(null as double) as mttd_mean_lo_s,
        cast(null as double) as mttd_mean_hi_s,
        cast(null as double) as mttd_median_lo_s,
        cast(null as double) as mttd_median_hi_s,
        a.mttm_mean_s,
        a.mttm_median_s,
        a.mttm_p90_s,
        coalesce(a.mttm_n, 0) as mttm_n,
        coalesce(a.mttm_missing, 0) as mttm_missing,
        cast(null as double) as mttm_mean_lo_s,
        cast(null as double) as mttm_mean_hi_s,
        cast(null as double) as mttm_median_lo_s,
        cast(null as double) as mttm_median_hi_s,
        coalesce(a.response_n_a, 0) as response_n_a,
        coalesce(a.open_incidents, 0) as open_incidents,
        coalesce(a.zero_duration, 0) as zero_duration,
        coalesce(r.review_met, 0) as review_met,
        coalesce(r.review_breached, 0) as review_breached,
        coalesce(r.review_pending, 0) as review_pending,
        case
            when coalesce(r.review_met, 0) + coalesce(r.review_breached, 0) > 0
                then
                    cast(coalesce(r.review_met, 0) as double)
                    / cast(coalesce(r.review_met, 0) + coalesce(r.review_breached, 0) as double)
        end as review_rate,
        coalesce(r.communication_met, 0) as communication_met,
        coalesce(r.communication_breached, 0) as communication_breached,
        coalesce(r.communication_pending, 0) as communication_pending,
        case
            when coalesce(r.communication_met, 0) + coalesce(r.communication_breached, 0) > 0
                then
                    cast(coalesce(r.communication_met, 0) as double)
                    / cast(
                        coalesce(r.communication_met, 0) + coalesce(r.communication_breached, 0)
                        as double
                    )
        end as communication_rate,
        coalesce(r.status_cadence_met, 0) as status_cadence_met,
        coalesce(r.status_cadence_breached, 0) as status_cadence_breached,
        coalesce(r.status_cadence_pending, 0) as status_cadence_pending,
        case
            when coalesce(r.status_cadence_met, 0) + coalesce(r.status_cadence_breached, 0) > 0
                then
                    cast(coalesce(r.status_cadence_met, 0) as double)
                    / cast(
                        coalesce(r.status_cadence_met, 0)
                        + coalesce(r.status_cadence_breached, 0) as double
                    )
        end as status_cadence_rate,
        coalesce(r.status_source_statuspage, 0) as status_source_statuspage,
        coalesce(r.status_source_timeline, 0) as status_source_timeline,
        coalesce(r.status_source_none, 0) as status_source_none,
    from group_keys
    left join aggregated as a on a.grp is not distinct from group_keys.grp
    left join rules as r on r.grp is not distinct from group_keys.grp
    order by group_keys.grp nulls last
)

select * from final
