//! The tenant check: a path that names a cloud id must name this
//! installation's, or the app would act on another tenant with this user's
//! credential (the gateway routes by the cloud id in the path).
//!
//! Where a cloud id sits is read from the matched catalogue route, never from
//! a hard-coded prefix: every segment a template writes `{cloudId}` in (JSM
//! Ops `/jsm/ops/api/{cloudId}/v1/…`, stakeholder comms
//! `/jsm/ops/stakeholder-comms/cloudId/{cloudId}/…`, and any route the
//! catalogue gains, with or without text around the parameter in its
//! segment). A template's parameter matches within exactly one segment, so
//! the path's segment at the same place is the one the route names the cloud
//! id in; it must be that segment of the template with the parameter
//! replaced by the installation's cloud id. The check compares it as written (not decoded): an installation's
//! cloud id is letters, digits and `-`, so any escape in its place is refused
//! rather than interpreted.

use kiln_manifest::{Product, Route};

use crate::policy::path::ValidatedPath;

/// The template segment that holds a cloud id.
const CLOUD_ID_PARAMETER: &str = "{cloudId}";

/// Why a path's tenant was refused. Shown to the guest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("the path names another site's cloud id; use the cloud id from the invocation context")]
    OtherCloudId,
    #[error("the JSM Ops route {0} names no cloud id, so its tenant cannot be checked")]
    NoCloudId(&'static str),
}

/// The index (in `template.split('/')`, the leading empty segment counted)
/// and the template text of each segment the route names the cloud id in.
pub fn cloud_id_segments(route: &Route) -> impl Iterator<Item = (usize, &'static str)> {
    route
        .template
        .split('/')
        .enumerate()
        .filter(|(_, segment)| segment.contains(CLOUD_ID_PARAMETER))
}

/// Whether `template_segment` (holding `{cloudId}`) filled in with
/// `cloud_id` is exactly `segment`. A segment with another parameter beside
/// the cloud id cannot be told apart and never passes.
fn names(template_segment: &str, segment: &str, cloud_id: &str) -> bool {
    let Some((prefix, suffix)) = template_segment.split_once(CLOUD_ID_PARAMETER) else {
        return false;
    };
    !prefix.contains('{')
        && !suffix.contains('{')
        && segment.len() == prefix.len() + cloud_id.len() + suffix.len()
        && segment.starts_with(prefix)
        && segment.ends_with(suffix)
        && &segment[prefix.len()..prefix.len() + cloud_id.len()] == cloud_id
}

/// Checks that every cloud id `path` names, as `route` places it, is
/// `cloud_id`. A JSM Ops route must name one: its gateway URL carries the
/// tenant nowhere else.
pub fn check_tenant(
    route: &'static Route,
    path: &ValidatedPath,
    cloud_id: &str,
) -> Result<(), TenantError> {
    let mut places = cloud_id_segments(route).peekable();
    if places.peek().is_none() {
        return if route.product == Product::JsmOps {
            Err(TenantError::NoCloudId(route.template))
        } else {
            Ok(())
        };
    }
    let segments: Vec<&str> = path.raw().split('/').collect();
    for (index, template_segment) in places {
        let named = segments
            .get(index)
            .is_some_and(|segment| names(template_segment, segment, cloud_id));
        if !named {
            return Err(TenantError::OtherCloudId);
        }
    }
    Ok(())
}

/// `template` with `{cloudId}` filled in as `cloud_id` and every other
/// parameter as `p-1`, the text around a parameter in its segment kept.
#[cfg(test)]
pub(crate) fn concrete_path(template: &str, cloud_id: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&rest[..open]);
        out.push_str(if &rest[open..close] == CLOUD_ID_PARAMETER {
            cloud_id
        } else {
            "p-1"
        });
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::path::validate_path;
    use kiln_manifest::{Method, catalogue};

    const OURS: &str = "c0ffee-1";

    /// The route a concrete path matches, and the check's decision.
    fn decide(method: Method, path: &str) -> Result<(), TenantError> {
        let path = validate_path(path).unwrap();
        let route = catalogue()
            .match_route(method, path.decoded())
            .unwrap_or_else(|| panic!("{path:?} matches no route"));
        check_tenant(route, &path, OURS)
    }

    #[test]
    fn a_cloud_id_within_a_segment() {
        assert!(names("{cloudId}", "c1", "c1"));
        assert!(names("site-{cloudId}.json", "site-c1.json", "c1"));
        assert!(!names("site-{cloudId}.json", "site-c2.json", "c1"));
        assert!(!names("site-{cloudId}.json", "site-c1.jsonx", "c1"));
        assert!(!names("{other}-{cloudId}", "x-c1", "c1"));
        assert!(!names("{cloudId}", "c1x", "c1"));
        assert_eq!(
            concrete_path("/a/{cloudId}/b/{id}.ics", "c1"),
            "/a/c1/b/p-1.ics"
        );
    }

    #[test]
    fn table() {
        use TenantError::OtherCloudId;
        let cases: &[(Method, &str, Result<(), TenantError>)] = &[
            (Method::Get, "/jsm/ops/api/c0ffee-1/v1/schedules", Ok(())),
            (
                Method::Get,
                "/jsm/ops/api/other-site/v1/schedules",
                Err(OtherCloudId),
            ),
            (
                Method::Get,
                "/jsm/ops/api/C0FFEE-1/v1/schedules",
                Err(OtherCloudId),
            ),
            (
                Method::Get,
                "/jsm/ops/api/c0ffee-1x/v1/schedules",
                Err(OtherCloudId),
            ),
            (
                Method::Get,
                "/jsm/ops/api/c0ffee%2D1/v1/schedules",
                Err(OtherCloudId),
            ),
            (
                Method::Get,
                "/jsm/ops/api/%63offee-1/v1/schedules",
                Err(OtherCloudId),
            ),
            (
                Method::Get,
                "/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p-1",
                Ok(()),
            ),
            (
                Method::Get,
                "/jsm/ops/stakeholder-comms/cloudId/other-site/api/pages/p-1",
                Err(OtherCloudId),
            ),
            (
                Method::Post,
                "/jsm/ops/stakeholder-comms/cloudId/c0ffee-1/api/pages/p-1/update",
                Ok(()),
            ),
            // A path without a cloud id is not the tenant check's business.
            (Method::Get, "/rest/api/3/myself", Ok(())),
        ];
        for (method, path, expected) in cases {
            assert_eq!(&decide(*method, path), expected, "{method} {path}");
        }
    }

    /// Every catalogued route that names a cloud id, filled in with ours,
    /// passes; with another, fails. Every JSM Ops route names one (else its
    /// tenant could not be checked), the 74 stakeholder-comms routes included.
    #[test]
    fn every_catalogued_cloud_id_place_is_checked() {
        let mut checked = 0;
        let mut stakeholder = 0;
        for route in catalogue().routes() {
            let places: Vec<_> = cloud_id_segments(route).collect();
            if route.product == Product::JsmOps {
                assert!(!places.is_empty(), "{route}");
            }
            if places.is_empty() {
                continue;
            }
            let concrete = |cloud_id: &str| concrete_path(route.template, cloud_id);
            for (cloud_id, allowed) in [(OURS, true), ("another-tenant", false)] {
                let path = validate_path(&concrete(cloud_id)).unwrap();
                // The concrete path reaches this route or a more literal one
                // of the same shape; either way the tenant is checked.
                let matched = catalogue()
                    .match_route(route.method, path.decoded())
                    .unwrap_or_else(|| panic!("{path:?}"));
                assert_eq!(
                    check_tenant(matched, &path, OURS).is_ok(),
                    allowed,
                    "{route} as {path:?}"
                );
            }
            checked += 1;
            if route.template.starts_with("/jsm/ops/stakeholder-comms/") {
                stakeholder += 1;
            }
        }
        assert_eq!(stakeholder, 74);
        assert!(checked >= 74 + 162, "{checked}");
    }
}
