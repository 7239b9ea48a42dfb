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
    /// for a route every app may read (`anonymous_read`).
    pub alternatives: Vec<Vec<String>>,
    /// A `GET` the spec opens to anonymous callers and to any OAuth 2.0 token
    /// with no scope (`serverInfo`): rendered as `Access::AnonymousRead`.
    pub anonymous_read: bool,
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
        let open = self.routes.iter().filter(|r| r.anonymous_read).count();
        format!(
            "catalogue: {} routes {per_product:?}, {open} of them open to every app; {} scopes ({} used by routes); skipped {:?}",
            self.routes.len(),
            self.scopes.len(),
            used.len(),
            self.skipped
        )
    }
}
