fn main() {
    let _ = kiln_sdk::route!("/rest/api/3/issue/{}");
    let _ = kiln_sdk::route!("/rest/api/3/issue/{}", 1, 2);
    let _ = kiln_sdk::route!("/rest/api/3/issue/{:?}", 1);
    let _ = kiln_sdk::route!("/rest/api/3/issue/{");
    let _ = kiln_sdk::route!();
    let path = "/rest/api/3/myself";
    let _ = kiln_sdk::route!(path);
}
