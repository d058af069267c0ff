-- model: none
-- kind: query
-- layer: queries
-- depends: severity_audit, pay_sev1
-- grain: incident_id
--
-- Pay SEV-1s without evidence: the period's SEV-1s (the pay_sev1 TEMP table) that the severity
-- audit finds declared without evidence in the recorded impact. Their bonus is still paid;
-- the explanation row says so (docs/payroll.md). Read while the period's candidate SEV-1s
-- (pay_sev1_candidates.sql) shadow the `incidents` view, so the audit judges those only.
-- Parameters: none.
--   incident_id: a SEV-1 of the period declared without evidence
with

unevidenced as (
    select incident_id,
    from severity_audit
    where finding = 'sev1_without_evidence'
)

select incident_id
from unevidenced
where incident_id in (select p.incident_id from pay_sev1 as p)
