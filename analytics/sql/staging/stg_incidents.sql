-- model: stg_incidents
-- kind: view
-- layer: staging
-- depends: src_incidents
-- grain: incident_id, source_file
--
-- Incident rows as loaded: one row per incident and file that holds it (a post-mortem
-- document, or a version of a vendor incident: PagerDuty, Opsgenie, Statuspage). Renamed and
-- typed for the layers above; no row is picked here (`incidents` picks the winner).
--   incident_id: the document's ID: header, else its file name stem; or the vendor's id
--   title: the INCIDENT: line
--   severity: 1, 2 or 3 (SEV-1 is the most severe)
--   team: owning team, trimmed and lower-cased
--   service: affected service, trimmed and lower-cased
--   started_at: when impact started (UTC)
--   detected_at: when the incident was detected (UTC)
--   detection_method: how it was detected (alert, customer report, monitoring ...)
--   acknowledged_at: when a responder acknowledged (UTC)
--   acknowledged_by: who acknowledged, as the file spells it
--   mitigated_at: when impact was mitigated (UTC)
--   mitigation: what mitigated it
--   resolved_at: when it was resolved (UTC); NULL while open
--   users_affected: users affected, a count (NULL when given as a percentage or unknown)
--   users_affected_pct: users affected as a percentage 0..100
--   revenue_impact_usd: revenue impact in USD (NULL when unknown)
--   data_loss: whether data was lost
--   data_loss_detail: the details written after yes/no
--   root_cause: the ROOT CAUSE section
--   postmortem_published_at: the timeline's POSTMORTEM: (UTC)
--   stated_duration_s: the DURATION line in seconds, as written by the author
--   source_kind: timeline (a post-mortem document) or an importer (pagerduty)
--   severity_source: where the severity came from: document, pagerduty_priority, pagerduty_urgency, opsgenie_priority, statuspage_impact
--   source_updated_at: when the vendor last changed this version (UTC; NULL for a document)
--   source_file: the file the row was read from
--   linked_pagerduty_id: the PagerDuty incident the document names (PAGERDUTY: header)
--   linked_opsgenie_id: the Opsgenie incident the document names (OPSGENIE: header)
--   linked_statuspage_id: the Statuspage incident the document names (STATUS PAGE: header)
--   impact_text: the IMPACT section as written (its bullets), read by the severity audit
with source as (
    select * from src_incidents
),

final as (
    select
        incident_id,
        title,
        severity,
        team,
        service,
        started_at,
        detected_at,
        detection_method,
        acknowledged_at,
        acknowledged_by,
        mitigated_at,
        mitigation,
        resolved_at,
        users_affected,
        users_affected_pct,
        revenue_impact_usd,
        data_loss,
        data_loss_detail,
        root_cause,
        postmortem_published_at,
        stated_duration_s,
        source_kind,
        coalesce(severity_source, 'document') as severity_source,
        source_updated_at,
        source_file,
        linked_pagerduty_id,
        linked_opsgenie_id,
        linked_statuspage_id,
        impact_text,
    from source
)

select * from final
