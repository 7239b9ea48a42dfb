//! Segment-wise route matching, indexed by method and segment count.
//!
//! Every `request-jira` call matches once, so the hot path allocates nothing: the
//! path is split once, onto the stack, and compared against pre-split templates
//! (hundreds of candidates share a method and segment count, so re-splitting
//! the path per candidate used to dominate the host call's cost).

use std::sync::OnceLock;

use super::generated::{ROUTES, UNSCOPED};
use super::route::{Method, Route, UnscopedOperation};

/// The most segments a matchable path may have. Longer than every catalogued
/// template (a test checks), so a longer path matches nothing: refusing it is
/// the deny-by-default answer, and the bound keeps the split on the stack.
const MAX_SEGMENTS: usize = 16;

/// The route table plus a match index built once per process.
#[derive(Debug)]
pub struct Catalogue {
    routes: &'static [Route],
    /// `by_method[method][segment_count]`: the candidates of that shape.
    by_method: [Vec<Vec<Template>>; Method::ALL.len()],
}

/// A route's template, split into segments once.
#[derive(Debug)]
struct Template {
    target: Target,
    segments: Box<[Segment]>,
    /// Per segment, how specific it is (see [`Segment::rank`]); the matching
    /// template with the lexicographically greatest ranks wins.
    ranks: Box<[u8]>,
}

/// What a template stands for. Operations no scope opens are indexed beside the
/// catalogued routes so that they win where they are more specific: Jira serves
/// `GET /rest/api/3/priority/search` (`searchPriorities`, unscoped), so that path
/// must not fall through to `GET /rest/api/3/priority/{id}` (`getPriority`) and
/// be granted with `getPriority`'s scopes. The route checked is the route served.
#[derive(Debug, Clone, Copy)]
enum Target {
    Route(&'static Route),
    Unscoped(&'static UnscopedOperation),
}

#[derive(Debug)]
enum Segment {
    Literal(&'static str),
    /// `{name}`, or `prefix{name}suffix` (e.g. `{scheduleId}.ics`): the parameter
    /// part must be non-empty.
    Parameter {
        prefix: &'static str,
        suffix: &'static str,
    },
}

impl Segment {
    fn parse(text: &'static str) -> Segment {
        match (text.find('{'), text.rfind('}')) {
            (Some(open), Some(close)) if open < close => Segment::Parameter {
                prefix: &text[..open],
                suffix: &text[close + 1..],
            },
            _ => Segment::Literal(text),
        }
    }

    /// Literal beats affixed parameter beats bare parameter, so
    /// `/issue/bulk` wins over `/issue/{issueIdOrKey}`.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Parameter { prefix, suffix } if !prefix.is_empty() || !suffix.is_empty() => 1,
            Segment::Parameter { .. } => 0,
        }
    }

    fn matches(&self, segment: &str) -> bool {
        match self {
            Segment::Literal(literal) => *literal == segment,
            Segment::Parameter { prefix, suffix } => {
                segment.len() > prefix.len() + suffix.len()
                    && segment.starts_with(prefix)
                    && segment.ends_with(suffix)
            }
        }
    }
}

impl Template {
    fn new(target: Target, template: &'static str) -> Template {
        let segments: Box<[Segment]> = path_segments(template).map(Segment::parse).collect();
        let ranks = segments.iter().map(Segment::rank).collect();
        Template {
            target,
            segments,
            ranks,
        }
    }

    /// `path` is already split and has as many segments as the template.
    /// Compared from the end: templates of one shape mostly share their
    /// leading `/rest/api/3`, so the last segments tell them apart soonest.
    fn matches(&self, path: &[&str]) -> bool {
        self.segments
            .iter()
            .zip(path)
            .rev()
            .all(|(template, segment)| template.matches(segment))
    }
}

/// `path`'s segments, split into `into` (a `/rest/api/2` path read as v3), or
/// `None` when no template could match it: not absolute, an empty or dot
/// segment, or more than [`MAX_SEGMENTS`].
fn split_path<'p, 'a>(
    path: &'p str,
    into: &'a mut [&'p str; MAX_SEGMENTS],
) -> Option<&'a [&'p str]> {
    if !path.starts_with('/') {
        return None;
    }
    let mut count = 0;
    for segment in path_segments(path) {
        if is_unmatchable(segment) || count == MAX_SEGMENTS {
            return None;
        }
        into[count] = segment;
        count += 1;
    }
    // Jira's REST API v2 has v3's operations and scopes ("the same collection
    // of operations"; v3 adds the Atlassian Document Format); the specs
    // describe v3 only, so a v2 path matches its v3 route. The path sent is
    // the app's: only the lookup reads it as v3.
    if into[..count.min(3)] == ["rest", "api", "2"] {
        into[2] = "3";
    }
    Some(&into[..count])
}

/// The segments after the leading `/`.
fn path_segments(path: &str) -> std::str::Split<'_, char> {
    let mut segments = path.split('/');
    segments.next();
    segments
}

/// A segment no template may match: empty (`//`, trailing `/`) or a dot-segment,
/// which URL parsers resolve, so the route checked would not be the route sent.
fn is_unmatchable(segment: &str) -> bool {
    segment.is_empty() || segment == "." || segment == ".."
}

impl Catalogue {
    pub(super) fn get() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| Catalogue::index(&ROUTES, &UNSCOPED))
    }

    fn index(routes: &'static [Route], unscoped: &'static [UnscopedOperation]) -> Catalogue {
        let mut by_method: [Vec<Vec<Template>>; Method::ALL.len()] = Default::default();
        let targets = routes
            .iter()
            .map(|route| {
                (
                    route.method,
                    Template::new(Target::Route(route), route.template),
                )
            })
            .chain(unscoped.iter().map(|operation| {
                let template = Template::new(Target::Unscoped(operation), operation.template);
                (operation.method, template)
            }));
        for (method, template) in targets {
            let by_count = &mut by_method[method as usize];
            let count = template.segments.len();
            if by_count.len() <= count {
                by_count.resize_with(count + 1, Vec::new);
            }
            by_count[count].push(template);
        }
        Catalogue { routes, by_method }
    }

    /// Every catalogued route, sorted by template then method.
    pub fn routes(&self) -> &'static [Route] {
        self.routes
    }

    /// The route `method path` reaches, or `None` when no catalogued route does.
    ///
    /// `path` is already validated and percent-decoded once by the runtime's URL
    /// policy, and has no query. A template's `{param}` matches exactly one
    /// non-empty segment; literal segments beat parameters. A path with an empty
    /// segment (`//`, trailing `/`) or a dot-segment never matches, nor does one
    /// that reaches an operation no scope opens (see [`Target`]).
    pub fn match_route(&self, method: Method, path: &str) -> Option<&'static Route> {
        match self.target(method, path)? {
            Target::Route(route) => Some(route),
            Target::Unscoped(_) => None,
        }
    }

    /// The most specific template `method path` matches, catalogued or not.
    fn target(&self, method: Method, path: &str) -> Option<Target> {
        let mut split = [""; MAX_SEGMENTS];
        let path = split_path(path, &mut split)?;
        let candidates = self.by_method[method as usize].get(path.len())?;
        candidates
            .iter()
            .filter(|template| template.matches(path))
            .max_by(|a, b| a.ranks.cmp(&b.ranks))
            .map(|template| template.target)
    }

    /// The operation of Atlassian's specs `method path` reaches when no
    /// catalogued route does because no OAuth 2.0 scope opens it (as
    /// `GET /rest/api/3/data-policy`): so a refusal can say so rather than
    /// "no such route". Matched as [`Catalogue::match_route`] matches.
    pub fn unscoped_operation(
        &self,
        method: Method,
        path: &str,
    ) -> Option<&'static UnscopedOperation> {
        match self.target(method, path)? {
            Target::Unscoped(operation) => Some(operation),
            Target::Route(_) => None,
        }
    }

    /// The route with exactly this method and template (as written in the specs).
    pub fn route(&self, method: Method, template: &str) -> Option<&'static Route> {
        self.routes
            .iter()
            .find(|route| route.method == method && route.template == template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_fits_the_stack_split() {
        let longest = ROUTES
            .iter()
            .map(|route| route.template)
            .chain(UNSCOPED.iter().map(|operation| operation.template))
            .map(|template| path_segments(template).count())
            .max();
        assert!(longest.is_some_and(|n| n < MAX_SEGMENTS), "{longest:?}");
    }

    #[test]
    fn an_operation_no_scope_opens_is_named_and_never_catalogued() {
        let catalogue = Catalogue::get();
        for path in ["/rest/api/3/data-policy", "/rest/api/2/data-policy"] {
            assert_eq!(catalogue.match_route(Method::Get, path), None, "{path}");
            let operation = catalogue.unscoped_operation(Method::Get, path);
            assert_eq!(
                operation.map(|o| o.operation_id),
                Some("getPolicy"),
                "{path}"
            );
        }
        // Parameters match as in the catalogue; other methods and shapes do not.
        assert_eq!(
            catalogue
                .unscoped_operation(Method::Delete, "/rest/api/3/priority/10001")
                .map(|o| o.operation_id),
            Some("deletePriority")
        );
        for (method, path) in [
            (Method::Post, "/rest/api/3/data-policy"),
            (Method::Get, "/rest/api/3/data-policy/x"),
            (Method::Get, "/rest/api/3/nothing"),
            (Method::Get, "/rest/api/3/../3/data-policy"),
            (Method::Get, "rest/api/3/data-policy"),
            // Catalogued, open to every app: not unscoped.
            (Method::Get, "/rest/api/3/serverInfo"),
        ] {
            assert_eq!(
                catalogue.unscoped_operation(method, path),
                None,
                "{method} {path}"
            );
        }
        // The two lists never share an operation: an unscoped one is never granted.
        for operation in &UNSCOPED {
            assert!(
                catalogue
                    .route(operation.method, operation.template)
                    .is_none(),
                "{} {} is both catalogued and unscoped",
                operation.method,
                operation.template
            );
        }
    }

    /// `GET /rest/api/3/priority/search` is `searchPriorities`, which no scope
    /// opens; matched against the catalogue alone it would be
    /// `getPriority` (`/priority/{id}`, `read:jira-work`). Every unscoped
    /// operation's own path reaches it and nothing catalogued.
    #[test]
    fn a_path_an_unscoped_operation_serves_is_not_granted_by_a_broader_route() {
        let catalogue = Catalogue::get();
        let path = "/rest/api/3/priority/search";
        assert_eq!(catalogue.match_route(Method::Get, path), None);
        assert_eq!(
            catalogue
                .unscoped_operation(Method::Get, path)
                .map(|o| o.operation_id),
            Some("searchPriorities")
        );
        assert!(
            catalogue
                .match_route(Method::Get, "/rest/api/3/priority/10001")
                .is_some()
        );
        for operation in &UNSCOPED {
            let concrete: String = path_segments(operation.template)
                .map(|segment| match Segment::parse(segment) {
                    Segment::Literal(literal) => format!("/{literal}"),
                    Segment::Parameter { prefix, suffix } => format!("/{prefix}1{suffix}"),
                })
                .collect();
            assert_eq!(
                catalogue.match_route(operation.method, &concrete),
                None,
                "{} {concrete}",
                operation.method
            );
            assert!(
                catalogue
                    .unscoped_operation(operation.method, &concrete)
                    .is_some(),
                "{} {concrete}",
                operation.method
            );
        }
    }

    #[test]
    fn a_rest_api_v2_path_matches_its_v3_route_and_nothing_more() {
        let catalogue = Catalogue::get();
        for (method, v2, v3) in [
            (
                Method::Get,
                "/rest/api/2/issue/KILN-1",
                "/rest/api/3/issue/KILN-1",
            ),
            (
                Method::Post,
                "/rest/api/2/issue/KILN-1/comment",
                "/rest/api/3/issue/KILN-1/comment",
            ),
            (
                Method::Get,
                "/rest/api/2/search/jql",
                "/rest/api/3/search/jql",
            ),
        ] {
            let matched = catalogue.match_route(method, v2).expect(v2);
            assert_eq!(Some(matched), catalogue.match_route(method, v3), "{v2}");
        }
        for unmatched in [
            "/rest/api/2",
            "/rest/api/2/not-a-route",
            "/rest/api/22/issue/K-1",
            "/rest/agile/2/board",
        ] {
            assert!(
                catalogue.match_route(Method::Get, unmatched).is_none(),
                "{unmatched}"
            );
        }
    }

    #[test]
    fn a_path_longer_than_the_bound_matches_nothing() {
        let long = "/rest/api/3".to_owned() + &"/x".repeat(MAX_SEGMENTS);
        assert!(Catalogue::get().match_route(Method::Get, &long).is_none());
    }
}
