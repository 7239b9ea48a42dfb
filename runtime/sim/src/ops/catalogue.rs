//! Every JSM Ops operation Atlassian documents under `/jsm/ops/api/{cloudId}/v1`,
//! so that one the simulator does not model is told apart from a path that is no
//! operation at all.
//!
//! Generated from `jsm-ops-routes.tsv` (Atlassian's `service-desk-ops/swagger.v3.json`,
//! fetched 2026-09-05; see the specs README for provenance): its 166 `/api/{cloudId}/v1`
//! operations (the `/stakeholder-comms` ones live under another prefix), as method,
//! path relative to `/jsm/ops/api/{cloudId}`, operationId. `tests/ops_contract.rs`
//! checks the table against the TSV when the specs are on the machine.

/// `(method, path, operationId)`, sorted by path then method.
pub(crate) const OPERATIONS: [(&str, &str, &str); 166] = [
    ("GET", "/v1/alerts", "listAlerts"),
    ("POST", "/v1/alerts", "createAlert"),
    ("GET", "/v1/alerts/alias", "getAlertWithAlias"),
    ("GET", "/v1/alerts/policies", "listGlobalPolicies"),
    ("POST", "/v1/alerts/policies", "createGlobalPolicy"),
    (
        "DELETE",
        "/v1/alerts/policies/{policyId}",
        "deleteGlobalPolicies",
    ),
    ("GET", "/v1/alerts/policies/{policyId}", "getGlobalPolicies"),
    ("PUT", "/v1/alerts/policies/{policyId}", "putGlobalPolicies"),
    (
        "POST",
        "/v1/alerts/policies/{policyId}/change-order",
        "createGlobalPolicy",
    ),
    (
        "POST",
        "/v1/alerts/policies/{policyId}/disable",
        "disableGlobalPolicy",
    ),
    (
        "POST",
        "/v1/alerts/policies/{policyId}/enable",
        "enableGlobalPolicy",
    ),
    ("GET", "/v1/alerts/requests/{id}", "getRequestStatus"),
    ("GET", "/v1/alerts/{alertId}/attachments", "getAttachments"),
    ("POST", "/v1/alerts/{alertId}/attachments", "addAttachment"),
    (
        "DELETE",
        "/v1/alerts/{alertId}/attachments/{id}",
        "deleteAttachment",
    ),
    (
        "GET",
        "/v1/alerts/{alertId}/attachments/{id}",
        "getAttachment",
    ),
    (
        "DELETE",
        "/v1/alerts/{alertId}/notes/{id}",
        "deleteAlertNote",
    ),
    (
        "PATCH",
        "/v1/alerts/{alertId}/notes/{id}",
        "updateAlertNote",
    ),
    ("DELETE", "/v1/alerts/{id}", "deleteAlert"),
    ("GET", "/v1/alerts/{id}", "getAlertWithId"),
    ("POST", "/v1/alerts/{id}/acknowledge", "ackAlert"),
    ("POST", "/v1/alerts/{id}/action", "executeAlertAction"),
    ("POST", "/v1/alerts/{id}/assign", "assignAlert"),
    ("POST", "/v1/alerts/{id}/close", "closeAlert"),
    (
        "PATCH",
        "/v1/alerts/{id}/description",
        "updateAlertDescription",
    ),
    ("POST", "/v1/alerts/{id}/escalate", "escalateAlert"),
    (
        "DELETE",
        "/v1/alerts/{id}/extra-properties",
        "deleteExtraPropertyFromAlert",
    ),
    (
        "POST",
        "/v1/alerts/{id}/extra-properties",
        "addExtraPropertyToAlert",
    ),
    ("GET", "/v1/alerts/{id}/logs", "getAlertLogs"),
    ("PATCH", "/v1/alerts/{id}/message", "updateAlertMessage"),
    ("GET", "/v1/alerts/{id}/notes", "getAlertNotes"),
    ("POST", "/v1/alerts/{id}/notes", "addAlertNote"),
    ("PATCH", "/v1/alerts/{id}/priority", "updateAlertPriority"),
    ("POST", "/v1/alerts/{id}/responders", "addResponder"),
    ("POST", "/v1/alerts/{id}/snooze", "snoozeAlert"),
    ("DELETE", "/v1/alerts/{id}/tags", "deleteTags"),
    ("POST", "/v1/alerts/{id}/tags", "addTags"),
    ("POST", "/v1/alerts/{id}/unacknowledge", "unackAlert"),
    ("GET", "/v1/forwarding-rules", "listForwardings"),
    ("POST", "/v1/forwarding-rules", "createForwarding"),
    ("DELETE", "/v1/forwarding-rules/{id}", "deleteForwarding"),
    ("GET", "/v1/forwarding-rules/{id}", "getForwarding"),
    ("PUT", "/v1/forwarding-rules/{id}", "updateForwarding"),
    ("GET", "/v1/integrations", "list"),
    ("POST", "/v1/integrations", "create"),
    ("DELETE", "/v1/integrations/{id}", "delete_1"),
    ("GET", "/v1/integrations/{id}", "get_2"),
    ("PATCH", "/v1/integrations/{id}", "update_2"),
    ("GET", "/v1/integrations/{integrationId}/actions", "list_1"),
    (
        "POST",
        "/v1/integrations/{integrationId}/actions",
        "create_1",
    ),
    (
        "DELETE",
        "/v1/integrations/{integrationId}/actions/{id}",
        "delete",
    ),
    (
        "GET",
        "/v1/integrations/{integrationId}/actions/{id}",
        "get_1",
    ),
    (
        "PATCH",
        "/v1/integrations/{integrationId}/actions/{id}",
        "update_1",
    ),
    (
        "PATCH",
        "/v1/integrations/{integrationId}/actions/{id}/order",
        "reorder",
    ),
    (
        "GET",
        "/v1/integrations/{integrationId}/outgoing/alert-filter/main",
        "get",
    ),
    (
        "PATCH",
        "/v1/integrations/{integrationId}/outgoing/alert-filter/main",
        "update",
    ),
    ("POST", "/v1/jec/action", "sendJecAction"),
    ("GET", "/v1/jec/channels", "listJecChannel"),
    ("POST", "/v1/jec/channels", "createJecChannel"),
    ("DELETE", "/v1/jec/channels/{id}", "deleteJecChannel"),
    ("GET", "/v1/jec/channels/{id}", "getJecChannel"),
    ("GET", "/v1/logs", "listLogs"),
    ("GET", "/v1/maintenances", "listGlobalMaintenances"),
    ("POST", "/v1/maintenances", "createGlobalMaintenance"),
    ("DELETE", "/v1/maintenances/{id}", "deleteGlobalMaintenance"),
    ("GET", "/v1/maintenances/{id}", "getGlobalMaintenance"),
    ("PATCH", "/v1/maintenances/{id}", "updateGlobalMaintenance"),
    (
        "POST",
        "/v1/maintenances/{id}/cancel",
        "cancelGlobalMaintenance",
    ),
    ("GET", "/v1/notification-rules", "listNotificationRule"),
    ("POST", "/v1/notification-rules", "createNotificationRule"),
    (
        "DELETE",
        "/v1/notification-rules/{id}",
        "deleteNotificationRule",
    ),
    ("GET", "/v1/notification-rules/{id}", "getNotificationRule"),
    (
        "PATCH",
        "/v1/notification-rules/{id}",
        "updateNotificationRule",
    ),
    (
        "GET",
        "/v1/notification-rules/{ruleId}/steps",
        "listNotificationRuleSteps",
    ),
    (
        "POST",
        "/v1/notification-rules/{ruleId}/steps",
        "createNotificationRuleStep",
    ),
    (
        "DELETE",
        "/v1/notification-rules/{ruleId}/steps/{id}",
        "deleteNotificationRuleStep",
    ),
    (
        "GET",
        "/v1/notification-rules/{ruleId}/steps/{id}",
        "getNotificationRuleStep",
    ),
    (
        "PATCH",
        "/v1/notification-rules/{ruleId}/steps/{id}",
        "updateNotificationRuleStep",
    ),
    ("GET", "/v1/roles", "getRoles"),
    ("POST", "/v1/roles", "createCustomRole"),
    ("POST", "/v1/roles/assign", "assignCustomRole"),
    ("DELETE", "/v1/roles/{identifier}", "delete"),
    ("GET", "/v1/roles/{identifier}", "getRole"),
    ("PUT", "/v1/roles/{identifier}", "update"),
    ("GET", "/v1/schedules", "listSchedules"),
    ("POST", "/v1/schedules", "createSchedule"),
    (
        "GET",
        "/v1/schedules/on-calls/{userIdentifier}.ics",
        "exportOnCalls",
    ),
    ("DELETE", "/v1/schedules/{id}", "deleteSchedule"),
    ("GET", "/v1/schedules/{id}", "getSchedule"),
    ("PATCH", "/v1/schedules/{id}", "updateSchedule"),
    ("GET", "/v1/schedules/{scheduleId}.ics", "exportTimeline"),
    (
        "GET",
        "/v1/schedules/{scheduleId}/next-on-calls",
        "getNextOnCalls",
    ),
    ("GET", "/v1/schedules/{scheduleId}/on-calls", "getOnCalls"),
    (
        "GET",
        "/v1/schedules/{scheduleId}/overrides",
        "listOverrides",
    ),
    (
        "POST",
        "/v1/schedules/{scheduleId}/overrides",
        "createOverride",
    ),
    (
        "DELETE",
        "/v1/schedules/{scheduleId}/overrides/{alias}",
        "deleteOverride",
    ),
    (
        "GET",
        "/v1/schedules/{scheduleId}/overrides/{alias}",
        "getOverride",
    ),
    (
        "PUT",
        "/v1/schedules/{scheduleId}/overrides/{alias}",
        "updateOverride",
    ),
    (
        "GET",
        "/v1/schedules/{scheduleId}/rotations",
        "listRotations",
    ),
    (
        "POST",
        "/v1/schedules/{scheduleId}/rotations",
        "createRotation",
    ),
    (
        "DELETE",
        "/v1/schedules/{scheduleId}/rotations/{id}",
        "deleteRotation",
    ),
    (
        "GET",
        "/v1/schedules/{scheduleId}/rotations/{id}",
        "getRotation",
    ),
    (
        "PATCH",
        "/v1/schedules/{scheduleId}/rotations/{id}",
        "updateRotation",
    ),
    ("GET", "/v1/schedules/{scheduleId}/timeline", "getTimeline"),
    ("GET", "/v1/syncs", "list"),
    ("POST", "/v1/syncs", "createSync"),
    ("DELETE", "/v1/syncs/{id}", "deleteSync"),
    ("GET", "/v1/syncs/{id}", "getSync"),
    ("PATCH", "/v1/syncs/{id}", "updateSync"),
    ("GET", "/v1/syncs/{syncId}/action-groups", "list_2"),
    ("POST", "/v1/syncs/{syncId}/action-groups", "create_1"),
    (
        "DELETE",
        "/v1/syncs/{syncId}/action-groups/{id}",
        "delete_1",
    ),
    ("GET", "/v1/syncs/{syncId}/action-groups/{id}", "get_1"),
    ("PATCH", "/v1/syncs/{syncId}/action-groups/{id}", "update_1"),
    (
        "PATCH",
        "/v1/syncs/{syncId}/action-groups/{id}/order",
        "reorder_1",
    ),
    ("GET", "/v1/syncs/{syncId}/actions", "list_1"),
    ("POST", "/v1/syncs/{syncId}/actions", "create"),
    ("DELETE", "/v1/syncs/{syncId}/actions/{id}", "delete"),
    ("GET", "/v1/syncs/{syncId}/actions/{id}", "get"),
    ("PATCH", "/v1/syncs/{syncId}/actions/{id}", "update"),
    ("PATCH", "/v1/syncs/{syncId}/actions/{id}/order", "reorder"),
    ("GET", "/v1/teams", "getTeams"),
    ("POST", "/v1/teams/{teamId}/enable-ops", "enableOperations"),
    ("GET", "/v1/teams/{teamId}/escalations", "listEscalation"),
    ("POST", "/v1/teams/{teamId}/escalations", "createEscalation"),
    (
        "DELETE",
        "/v1/teams/{teamId}/escalations/{id}",
        "deleteEscalation",
    ),
    (
        "GET",
        "/v1/teams/{teamId}/escalations/{id}",
        "getEscalation",
    ),
    (
        "PATCH",
        "/v1/teams/{teamId}/escalations/{id}",
        "updateEscalation",
    ),
    ("DELETE", "/v1/teams/{teamId}/heartbeats", "deleteHeartbeat"),
    ("GET", "/v1/teams/{teamId}/heartbeats", "listHeartbeats"),
    ("PATCH", "/v1/teams/{teamId}/heartbeats", "updateHeartbeat"),
    ("POST", "/v1/teams/{teamId}/heartbeats", "createHeartbeat"),
    ("GET", "/v1/teams/{teamId}/heartbeats/ping", "pingHeartbeat"),
    (
        "GET",
        "/v1/teams/{teamId}/maintenances",
        "listTeamMaintenances",
    ),
    (
        "POST",
        "/v1/teams/{teamId}/maintenances",
        "createTeamMaintenance",
    ),
    (
        "DELETE",
        "/v1/teams/{teamId}/maintenances/{id}",
        "deleteTeamMaintenance",
    ),
    (
        "GET",
        "/v1/teams/{teamId}/maintenances/{id}",
        "getTeamMaintenance",
    ),
    (
        "PATCH",
        "/v1/teams/{teamId}/maintenances/{id}",
        "updateTeamMaintenance",
    ),
    (
        "POST",
        "/v1/teams/{teamId}/maintenances/{id}/cancel",
        "cancelTeamMaintenance",
    ),
    ("GET", "/v1/teams/{teamId}/policies", "listTeamPolicies"),
    ("POST", "/v1/teams/{teamId}/policies", "putTeamPolicies"),
    (
        "DELETE",
        "/v1/teams/{teamId}/policies/{policyId}",
        "deleteGlobalPolicies",
    ),
    (
        "GET",
        "/v1/teams/{teamId}/policies/{policyId}",
        "getTeamPolicies",
    ),
    (
        "PUT",
        "/v1/teams/{teamId}/policies/{policyId}",
        "putTeamPolicies",
    ),
    (
        "POST",
        "/v1/teams/{teamId}/policies/{policyId}/change-order",
        "createGlobalPolicy",
    ),
    (
        "POST",
        "/v1/teams/{teamId}/policies/{policyId}/disable",
        "disableGlobalPolicy",
    ),
    (
        "POST",
        "/v1/teams/{teamId}/policies/{policyId}/enable",
        "enableGlobalPolicy",
    ),
    (
        "GET",
        "/v1/teams/{teamId}/requests/{requestId}",
        "getTeamRequestStatus",
    ),
    ("GET", "/v1/teams/{teamId}/roles", "getRole"),
    ("POST", "/v1/teams/{teamId}/roles", "create"),
    ("DELETE", "/v1/teams/{teamId}/roles/{identifier}", "delete"),
    ("GET", "/v1/teams/{teamId}/roles/{identifier}", "getRole"),
    ("PATCH", "/v1/teams/{teamId}/roles/{identifier}", "update"),
    (
        "GET",
        "/v1/teams/{teamId}/routing-rules",
        "listRoutingRules",
    ),
    (
        "POST",
        "/v1/teams/{teamId}/routing-rules",
        "createRoutingRule",
    ),
    (
        "DELETE",
        "/v1/teams/{teamId}/routing-rules/{id}",
        "deleteRoutingRule",
    ),
    (
        "GET",
        "/v1/teams/{teamId}/routing-rules/{id}",
        "getRoutingRule",
    ),
    (
        "PATCH",
        "/v1/teams/{teamId}/routing-rules/{id}",
        "updateRoutingRule",
    ),
    (
        "PATCH",
        "/v1/teams/{teamId}/routing-rules/{id}/change-order",
        "changeRoutingRuleOrder",
    ),
    ("GET", "/v1/users/contacts", "list"),
    ("POST", "/v1/users/contacts", "create"),
    ("DELETE", "/v1/users/contacts/{id}", "delete_1"),
    ("GET", "/v1/users/contacts/{id}", "get"),
    ("PATCH", "/v1/users/contacts/{id}", "update_1"),
    ("PATCH", "/v1/users/contacts/{id}/activate", "activate"),
    ("PATCH", "/v1/users/contacts/{id}/deactivate", "deactivate"),
];

/// The documented operation `method path` (`/v1/...`) reaches, if any: the
/// template with the most literal segments among those that match.
pub(crate) fn find(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    let segments: Vec<&str> = path.split('/').collect();
    OPERATIONS
        .iter()
        .filter(|(m, _, _)| *m == method)
        .filter_map(|(_, template, id)| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in parts.iter().zip(&segments) {
                if t.starts_with('{') && !s.is_empty() {
                    continue;
                }
                if t == s {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, (*template, *id)))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, found)| found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_operations_are_found_by_their_paths() {
        assert_eq!(
            find("GET", "/v1/teams/t-1/escalations"),
            Some(("/v1/teams/{teamId}/escalations", "listEscalation"))
        );
        assert_eq!(find("GET", "/v1/nothing"), None);
        assert_eq!(find("PUT", "/v1/teams"), None);
    }

    /// The table is the TSV's, when the specs are on this machine
    /// (`$KILN_SPECS_DIR`, `../shared/specs` beside the clone, `/work/shared/specs`).
    #[test]
    fn the_table_matches_atlassians_route_list() {
        let candidates = [
            std::env::var_os("KILN_SPECS_DIR").map(std::path::PathBuf::from),
            Some(
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs"),
            ),
            Some(std::path::PathBuf::from("/work/shared/specs")),
        ];
        let Some(text) = candidates
            .into_iter()
            .flatten()
            .find_map(|dir| std::fs::read_to_string(dir.join("jsm-ops-routes.tsv")).ok())
        else {
            eprintln!("skipping: jsm-ops-routes.tsv is not on this machine");
            return;
        };
        let mut from_tsv: Vec<(String, String, String)> = text
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut cells = line.split('\t');
                let (method, path, id) = (cells.next()?, cells.next()?, cells.next()?);
                let path = path.strip_prefix("/api/{cloudId}")?;
                path.starts_with("/v1/")
                    .then(|| (method.to_owned(), path.to_owned(), id.to_owned()))
            })
            .collect();
        from_tsv.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        let table: Vec<(String, String, String)> = OPERATIONS
            .iter()
            .map(|(m, p, i)| ((*m).to_owned(), (*p).to_owned(), (*i).to_owned()))
            .collect();
        assert_eq!(table, from_tsv);
    }
}
