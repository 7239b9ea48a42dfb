fn main() {
    let _ = kiln_sdk::route!("/rest/api/3/search?jql=x");
    let _ = kiln_sdk::route!("rest/api/3/myself");
    let _ = kiln_sdk::route!("/rest/api/3/../admin/{}", 1);
}
