-- model: severity_audit
-- kind: view
-- layer: marts
-- depends: incidents, stg_incidents, policy, macros.sql
-- grain: incident_id
--
-- Severity audit (docs/metrics.md): one row per incident (unique incident_id): the declared severity
-- against the severity its recorded impact shows. Evidence of SEV-1: data lost, 100% of users
-- affected, or a [severity_audit] sev1_phrases phrase in the title or IMPACT; of SEV-2: more
-- than 50% of users affected or a sev2_phrases phrase; else SEV-3; none when no impact was
-- recorded (no IMPACT facts or text and no phrase in the title). Phrases match whole-word,
-- case-insensitively. Payroll still pays a SEV-1 bonus on sev1_without_evidence and says so.
--   incident_id: the incident
--   declared_severity: the severity written in the document (or imported), 1..3
--   evidence_severity: 1, 2 or 3 from the recorded impact; NULL when no impact was recorded
--   evidence: the facts that decided evidence_severity, e.g. data_loss; users_affected_pct = 100; "complete outage" in title
--   finding: consistent, under_declared (evidence more severe than declared), over_declared (declared 2, evidence 3), sev1_without_evidence (declared 1, evidence 2 or 3), no_impact_recorded
with

incidents as (
    select
        i.incident_id,
        i.severity,
        i.title,
        i.users_affected,
        i.users_affected_pct,
        i.revenue_impact_usd,
        i.data_loss,
        s.impact_text,
    from incidents as i
    left join stg_incidents as s
        on s.incident_id = i.incident_id and s.source_file = i.source_file
),

phrases as (
    select 1 as level, unnest(sev1_phrases) as phrase, from policy
    union all
    select 2 as level, unnest(sev2_phrases) as phrase, from policy
),

phrase_facts as (
    select
        i.incident_id,
        p.level,
        '"' || p.phrase || '" in '
        || case
            when whole_word_in(coalesce(i.title, ''), p.phrase, true) then 'title' else 'IMPACT'
        end
            as fact,
    from incidents as i
    cross join phrases as p
    where
        whole_word_in(coalesce(i.title, ''), p.phrase, true)
        or whole_word_in(coalesce(i.impact_text, ''), p.phrase, true)
),

field_facts as (
    select incident_id, 1 as level, 'data_loss' as fact,
    from incidents
    where data_loss
    union all
    select incident_id, 1 as level, 'users_affected_pct = 100' as fact,
    from incidents
    where users_affected_pct = 100
    union all
    select
        incident_id,
        2 as level,
        'users_affected_pct = ' || printf('%g', users_affected_pct) || ' (> 50)' as fact,
    from incidents
    where users_affected_pct > 50 and users_affected_pct < 100
),

facts as (
    select incident_id, level, fact, 0 as fact_order, from field_facts
    union all
    select incident_id, level, fact, 1 as fact_order, from phrase_facts
),

strongest as (
    select
        incident_id,
        min(level) as level,
    from facts
    group by incident_id
),

evidence as (
    select
        f.incident_id,
        s.level,
        string_agg(f.fact, '; ' order by f.fact_order, f.fact) as evidence,
    from facts as f
    inner join strongest as s on s.incident_id = f.incident_id and s.level = f.level
    group by f.incident_id, s.level
),

impact_recorded as (
    select
        incident_id,
        users_affected is not null
        or users_affected_pct is not null
        or revenue_impact_usd is not null
        or data_loss is not null
        or nullif(trim(impact_text), '') is not null as has_impact,
    from incidents
),

assessed as (
    select
        i.incident_id,
        i.severity as declared_severity,
        case
            when e.level is not null then e.level
            when r.has_impact then 3
        end as evidence_severity,
        coalesce(
            e.evidence,
            case when r.has_impact then 'recorded impact shows no SEV-1 or SEV-2 fact' end
        ) as evidence,
    from incidents as i
    inner join impact_recorded as r on r.incident_id = i.incident_id
    left join evidence as e on e.incident_id = i.incident_id
),

final as (
    select
        incident_id,
        declared_severity,
        evidence_severity,
        evidence,
        case
            when evidence_severity is null then 'no_impact_recorded'
            when evidence_severity = declared_severity then 'consistent'
            when evidence_severity < declared_severity then 'under_declared'
            when declared_severity = 1 then 'sev1_without_evidence'
            else 'over_declared'
        end as finding,
    from assessed
)

select * from final
