// Characters RFC 3986 allows in a path but the host refuses (`@`, `;`, `&`),
// and escapes it refuses once decoded: the SDK shares the host's grammar.
fn main() {
    let _ = kiln_sdk::route!("/rest/api/3/user/@me");
    let _ = kiln_sdk::route!("/rest/api/3/issue/..;/admin");
    let _ = kiln_sdk::route!("/rest/api/3/issue/a%2Fb");
}
