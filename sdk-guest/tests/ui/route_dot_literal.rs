fn main() {
    let _ = kiln_sdk::route!("/rest/api/3/issue/{}", "..");
    let _ = kiln_sdk::route!("/rest/api/3/issue/{}", ".");
}
