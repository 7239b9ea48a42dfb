//! The generator's in-memory catalogue, before it is rendered as Rust.

use std::collections::{BTreeMap, BTreeSet};

/// Methods the runtime can express (mirrors `kiln:app/types.method`).
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Product {
    Platform,
    Software,
    JsmOps,
}

impl Product {
    pub fn rust_name(self) -> &'static str {
        match self {
            Product::Platform => "Platform",
            Product::Software => "Software",
            Product::JsmOps => "JsmOps",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Platform" => Some(Product::Platform),
            "Software" => Some(Product::Software),
            "JsmOps" => Some(Product::JsmOps),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct RouteSpec {
    pub method: String,
    pub template: String,
    pub operation_id: String,
    pub product: Product,
    /// Each alternative is a non-empty, sorted, de-duplicated scope set; none
    /// for a route every app may read ([`Access::AnonymousRead`]).
    pub alternatives: Vec<Vec<String>>,
    pub access: Access,
}

/// Who may be granted a route: rendered as the runtime's `catalogue::Access`
/// variant of the same name, whose documentation says why each is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The apps that declare one of the route's alternatives.
    Scoped,
    /// Every app: a read the spec opens to anonymous callers and to any OAuth
    /// 2.0 token with no scope (`serverInfo`).
    AnonymousRead,
    /// Every app: an operation on the calling app's own data, current with no
    /// scope and otherwise named only by an app-data scope
    /// (`sources::own_app_data`).
    OwnAppData,
}

impl Access {
    pub fn rust_name(self) -> &'static str {
        match self {
            Access::Scoped => "Scoped",
            Access::AnonymousRead => "AnonymousRead",
            Access::OwnAppData => "OwnAppData",
        }
    }
}

/// An operation a spec defines, scoped or not: what a real site answers, and so what
/// the simulator must either model or name as missing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub template: String,
    pub method: String,
    pub operation_id: String,
}

/// Everything the generator emits.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub routes: Vec<RouteSpec>,
    /// Every operation of every source, sorted by template then method.
    pub operations: Vec<Operation>,
    /// The operations no OAuth 2.0 scope opens (none named, or only empty
    /// sets): never catalogued, listed so that a refusal can say why.
    pub unscoped: Vec<Operation>,
    /// Scope name → description (from the specs' `securitySchemes`, where given).
    pub scopes: BTreeMap<String, Option<String>>,
    /// Operations left out, with the reason, for the summary.
    pub skipped: BTreeMap<&'static str, usize>,
}

impl Catalogue {
    pub fn summary(&self) -> String {
        let mut per_product = BTreeMap::new();
        for route in &self.routes {
            *per_product.entry(route.product).or_insert(0usize) += 1;
        }
        let used: BTreeSet<&str> = self
            .routes
            .iter()
            .flat_map(|r| r.alternatives.iter().flatten())
            .map(String::as_str)
            .collect();
        let count = |access| self.routes.iter().filter(|r| r.access == access).count();
        format!(
            "catalogue: {} routes {per_product:?}, {} of them open to every app, {} to every app on its own data; {} scopes ({} used by routes); skipped {:?}",
            self.routes.len(),
            count(Access::AnonymousRead),
            count(Access::OwnAppData),
            self.scopes.len(),
            used.len(),
            self.skipped
        )
    }
}
