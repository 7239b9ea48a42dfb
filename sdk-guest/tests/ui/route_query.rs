fn main() {
    let _ = kiln_sdk::route!("/rest/api/3/search/jql?jql=project=KILN&maxResults=5");
    let _ = kiln_sdk::route!("/rest/api/3/issue/{}?expand", "KILN-1");
}
