//! The WIT `request` record, as a guest can pass it to `request-jira`, through
//! the host's whole policy pipeline (quota, path, catalogue route, scopes,
//! tenant, headers, body, credential, URL builder) and out to the embedded
//! simulator on loopback.
//!
//! Invariants, for every input:
//! * no panic, and every refusal is a typed `request-error`;
//! * a policy refusal (`invalid-request`, `unknown-route`, `scope-denied`) or
//!   a missing credential sends nothing: the simulator's request log does not
//!   grow;
//! * a request that is sent reaches the configured site (the simulator is the
//!   only listener at that origin), on the path the guest gave, authenticated
//!   with the host's credential for the user (never something the guest
//!   supplied), with exactly one `Authorization` header and no `Cookie` or
//!   `Proxy-Authorization`;
//! * the credential appears in no error text, response and audit line.
//!
//! The simulator holds only a user credential, so `principal: app` always
//! ends in `needs-authentication` after the policy checks.

#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use kiln_manifest::{DeclaredScopes, Scope, catalogue};
use kiln_runtime::bindings::{Method, Principal, Request, RequestError};
use kiln_runtime::jira::session::{Door, JiraSession, SessionConfig};
use kiln_runtime::{Credential, Credentials, HttpLimits, JiraClient, MemoryAudit, Site};
use kiln_sim::{AuthKind, SimConfig, Simulator};
use libfuzzer_sys::fuzz_target;

/// The simulated site, its client and runtime, started once per process.
struct Fixture {
    tokio: tokio::runtime::Runtime,
    sim: Simulator,
    client: Arc<JiraClient>,
    token: String,
    account_id: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let sim = tokio
            .block_on(Simulator::start(SimConfig::default()))
            .expect("simulator starts");
        let user = sim.users().first().expect("a seeded user").clone();
        let site = Site::new(sim.base_url(), sim.base_url(), sim.cloud_id()).expect("site");
        let credentials = Credentials {
            user: Some(Credential::ApiToken {
                email: user.email.clone(),
                token: user.api_token.clone().into(),
            }),
            app: None,
        };
        let limits = HttpLimits {
            // Short enough that a stalled exchange shows up as a typed
            // timeout instead of libFuzzer's hang detector.
            request_timeout: Duration::from_secs(5),
            ..HttpLimits::default()
        };
        let client = JiraClient::new(site, credentials, limits).expect("client");
        Fixture {
            tokio,
            sim,
            client: Arc::new(client),
            token: user.api_token.clone(),
            account_id: user.account_id.clone(),
        }
    })
}

/// Header names the guest may try, weighted towards the ones the host must
/// refuse, in any letter case.
#[derive(Debug, Arbitrary)]
enum HeaderName {
    Authorization,
    Cookie,
    ProxyAuthorization,
    Host,
    XForwardedHost,
    ContentLength,
    ContentType,
    Accept,
    Other(String),
}

#[derive(Debug, Arbitrary)]
struct Header {
    name: HeaderName,
    uppercase: bool,
    value: String,
}

impl Header {
    fn into_pair(self) -> (String, String) {
        let name = match self.name {
            HeaderName::Authorization => "authorization".to_owned(),
            HeaderName::Cookie => "cookie".to_owned(),
            HeaderName::ProxyAuthorization => "proxy-authorization".to_owned(),
            HeaderName::Host => "host".to_owned(),
            HeaderName::XForwardedHost => "x-forwarded-host".to_owned(),
            HeaderName::ContentLength => "content-length".to_owned(),
            HeaderName::ContentType => "content-type".to_owned(),
            HeaderName::Accept => "accept".to_owned(),
            HeaderName::Other(name) => name,
        };
        let name = if self.uppercase {
            name.to_ascii_uppercase()
        } else {
            name
        };
        (name, self.value)
    }
}

/// The path: a catalogued route with its `{params}` filled by the fuzzer (so
/// inputs reach the scope, header and send steps), or any text at all.
#[derive(Debug)]
enum PathShape {
    Route { index: usize, params: Vec<String> },
    Raw(String),
}

impl<'a> Arbitrary<'a> for PathShape {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        if u.arbitrary()? {
            let routes = catalogue().routes();
            Ok(PathShape::Route {
                index: u.choose_index(routes.len())?,
                params: u.arbitrary()?,
            })
        } else {
            Ok(PathShape::Raw(u.arbitrary()?))
        }
    }
}

impl PathShape {
    fn render(&self, cloud_id: &str) -> (Option<Method>, String) {
        let (index, params) = match self {
            PathShape::Raw(path) => return (None, path.clone()),
            PathShape::Route { index, params } => (*index, params),
        };
        let route = &catalogue().routes()[index];
        let mut params = params.iter();
        let mut path = String::new();
        for (i, segment) in route.template.split('/').enumerate() {
            if i > 0 {
                path.push('/');
            }
            if segment == "{cloudId}" {
                path.push_str(cloud_id);
            } else if segment.starts_with('{') {
                path.push_str(params.next().map_or("KILN-1", String::as_str));
            } else {
                path.push_str(segment);
            }
        }
        (Some(wit_method(route.method)), path)
    }
}

fn wit_method(method: kiln_manifest::Method) -> Method {
    match method {
        kiln_manifest::Method::Get => Method::Get,
        kiln_manifest::Method::Post => Method::Post,
        kiln_manifest::Method::Put => Method::Put,
        kiln_manifest::Method::Patch => Method::Patch,
        kiln_manifest::Method::Delete => Method::Delete,
    }
}

/// The WIT request record, field for field, plus the app's declared scopes.
#[derive(Debug, Arbitrary)]
struct Input {
    app_principal: bool,
    /// Index into the five WIT methods; the route's own method when `None`.
    method: Option<u8>,
    path: PathShape,
    query: Vec<(String, String)>,
    headers: Vec<Header>,
    body: Option<Vec<u8>>,
    /// Indices into `Scope::ALL`: the manifest's `permissions.scopes`.
    scopes: Vec<u16>,
}

const METHODS: [Method; 5] = [
    Method::Get,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
];

fuzz_target!(|input: Input| {
    let fx = fixture();
    let (route_method, path) = input.path.render(fx.sim.cloud_id());
    let method = match (input.method, route_method) {
        (Some(i), _) => METHODS[usize::from(i) % METHODS.len()],
        (None, Some(method)) => method,
        (None, None) => Method::Get,
    };
    let headers: Vec<(String, String)> = input.headers.into_iter().map(Header::into_pair).collect();
    let guest_sets_identity = headers.iter().any(|(name, _)| {
        let name = name.to_ascii_lowercase();
        name == "authorization" || name == "cookie" || name.starts_with("proxy-")
    });
    let scopes: DeclaredScopes = input
        .scopes
        .iter()
        .map(|&i| Scope::ALL[usize::from(i) % Scope::ALL.len()])
        .collect();
    let request = Request {
        principal: if input.app_principal {
            Principal::App
        } else {
            Principal::User
        },
        method,
        path: path.clone(),
        query: input.query,
        headers,
        body: input.body,
    };

    // libFuzzer learns the token from the comparisons that check it (the
    // simulator's credential check, this target's own canary checks) and
    // writes it into guest fields. What a guest already holds is no leak
    // when echoed back (e.g. an unknown-route error quoting the path), so the
    // canary checks below apply only when the guest's input lacks it.
    let guest_knows_token = format!("{request:?}").contains(&fx.token)
        || request.body.as_deref().is_some_and(|body| contains(body, &fx.token));

    let audit = Arc::new(MemoryAudit::default());
    let session = JiraSession::new(SessionConfig {
        client: fx.client.clone(),
        scopes: Arc::new(scopes),
        audit: audit.clone(),
        app_id: Arc::from("kiln-fuzz"),
        invocation_id: "fuzz-invocation".to_owned(),
        deadline: tokio::time::Instant::now() + Duration::from_secs(10),
        max_requests: 100,
        max_egress_requests: 0,
        door: Door::App,
    });
    let before = fx.sim.requests().len();
    let outcome = fx.tokio.block_on(session.request(request));
    let sent = &fx.sim.requests()[before..];

    match &outcome {
        Ok(response) => {
            assert!(!guest_sets_identity, "a guest identity header passed the policy");
            assert_eq!(sent.len(), 1, "one call, one request on the wire");
            let seen = &sent[0];
            assert_eq!(seen.path, path, "the path on the wire is the guest's, verbatim");
            assert_eq!(seen.auth, AuthKind::Basic, "the host's credential was used");
            assert_eq!(seen.account_id.as_deref(), Some(fx.account_id.as_str()));
            let count = |wanted: &str| seen.header_names.iter().filter(|n| *n == wanted).count();
            assert_eq!(count("authorization"), 1);
            assert_eq!(count("cookie"), 0);
            assert_eq!(count("proxy-authorization"), 0);
            assert!(
                guest_knows_token || !contains(&response.body, &fx.token),
                "a response echoes the credential"
            );
        }
        Err(
            RequestError::InvalidRequest(_)
            | RequestError::UnknownRoute(_)
            | RequestError::ScopeDenied(_)
            | RequestError::NeedsAuthentication(_)
            | RequestError::QuotaExceeded(_),
        ) => {
            // A transfer quota may trip on the response, after sending; every
            // other refusal happens before a byte leaves the host.
            if !matches!(outcome, Err(RequestError::QuotaExceeded(_))) {
                assert!(sent.is_empty(), "a refused request reached the site: {outcome:?}");
            }
        }
        Err(RequestError::Timeout | RequestError::Transport(_)) => {}
    }
    if guest_knows_token {
        fx.sim.clear_requests();
        return;
    }
    if let Err(error) = &outcome {
        assert!(!format!("{error:?}").contains(&fx.token), "an error quotes the credential");
    }
    for record in audit.records() {
        assert!(!format!("{record:?}").contains(&fx.token), "an audit line quotes the credential");
    }
    fx.sim.clear_requests();
});

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}
