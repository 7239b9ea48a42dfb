fn main() {
    let _ = kiln_sdk::as_user().get("/rest/api/3/myself");
}
