//! Segment-wise route matching, indexed by method and segment count.
//!
//! Every `request-jira` call matches once, so the hot path allocates nothing: the
//! path is split once, onto the stack, and compared against pre-split templates
//! (hundreds of candidates share a method and segment count, so re-splitting
//! the path per candidate used to dominate the host call's cost).

use std::sync::OnceLock;

use super::generated::ROUTES;
use super::route::{Method, Route};

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
    route: &'static Route,
    segments: Box<[Segment]>,
    /// Per segment, how specific it is (see [`Segment::rank`]); the matching
    /// template with the lexicographically greatest ranks wins.
    ranks: Box<[u8]>,
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
    fn new(route: &'static Route) -> Template {
        let segments: Box<[Segment]> = path_segments(route.template).map(Segment::parse).collect();
        let ranks = segments.iter().map(Segment::rank).collect();
        Template {
            route,
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
        CATALOGUE.get_or_init(|| Catalogue::index(&ROUTES))
    }

    fn index(routes: &'static [Route]) -> Catalogue {
        let mut by_method: [Vec<Vec<Template>>; Method::ALL.len()] = Default::default();
        for route in routes {
            let template = Template::new(route);
            let by_count = &mut by_method[route.method as usize];
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
    /// segment (`//`, trailing `/`) or a dot-segment never matches.
    pub fn match_route(&self, method: Method, path: &str) -> Option<&'static Route> {
        if !path.starts_with('/') {
            return None;
        }
        let mut split = [""; MAX_SEGMENTS];
        let mut count = 0;
        for segment in path_segments(path) {
            if is_unmatchable(segment) || count == MAX_SEGMENTS {
                return None;
            }
            split[count] = segment;
            count += 1;
        }
        // Jira's REST API v2 has v3's operations and scopes ("the same collection
        // of operations"; v3 adds the Atlassian Document Format); the specs
        // describe v3 only, so a v2 path matches its v3 route. The path sent is
        // the app's: only the lookup reads it as v3.
        if split[..count.min(3)] == ["rest", "api", "2"] {
            split[2] = "3";
        }
        let path = &split[..count];
        let candidates = self.by_method[method as usize].get(count)?;
        candidates
            .iter()
            .filter(|template| template.matches(path))
            .max_by(|a, b| a.ranks.cmp(&b.ranks))
            .map(|template| template.route)
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
            .map(|route| path_segments(route.template).count())
            .max();
        assert!(longest.is_some_and(|n| n < MAX_SEGMENTS), "{longest:?}");
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
