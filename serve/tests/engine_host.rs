//! One engine for every site (`kiln_runtime::engine_host`): `runtime serve` with two real
//! sites (two `runtime sim` processes, as in `consent.rs`) and serve-app installed on both.
//! Each site's event runs the app against that site with that site's credentials, and the
//! server reserves one instance pool, not one per site: its address space with two sites is
//! that of one. (Before, each site's runtime reserved its own pool of ≈ 2 TiB of address
//! space and compiled its own copy of every app.) `[limits] instances` sizes that pool.
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use std::path::Path;

use crate::consent::{Site, deliver_to, manifest_without_schedule, serve_app_component};
use crate::support::{self, Serve, WEBHOOK_SECRET, wait_for};

/// `runtime serve` on `sites` (name, site), serve-app installed on each, from `dir`.
fn serve_on(dir: &Path, sites: &[(&str, &Site)]) -> Serve {
    let mut config = String::from(
        "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n\
         [[app]]\npath = \"app.wasm\"\nmanifest = \"manifest.yml\"\n",
    );
    for (name, site) in sites {
        let user = site.user(support::APP_ACCOUNT);
        support::write_private(
            &dir.join(format!("credentials-{name}.toml")),
            &format!(
                "[user]\nemail = {:?}\napi_token = {:?}\n",
                support::APP_ACCOUNT,
                user["apiToken"].as_str().unwrap()
            ),
        );
        config.push_str(&format!(
            "[[site]]\nname = {name:?}\nurl = {url:?}\ngateway = {url:?}\ncloud_id = {cloud:?}\n\
             credentials = \"credentials-{name}.toml\"\nwebhook_secret_file = \"webhook-secret\"\n\
             account_id = {account:?}\n\
             [[installation]]\napp = \"serve-app\"\nsite = {name:?}\nenvironment = \"production\"\n",
            url = site.base_url(),
            cloud = site.info["cloudId"].as_str().unwrap(),
            account = user["accountId"].as_str().unwrap(),
        ));
    }
    let path = dir.join("kiln.toml");
    std::fs::write(&path, config).unwrap();
    support::spawn_config(&path, &[], Some(&dir.join("serve.log"))).serving()
}

/// The process's virtual size (`VmSize`), KiB: what its instance pools reserve, mostly.
fn address_space_kib(serve: &Serve) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", serve.child.id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmSize in /proc/PID/status")
}

#[test]
fn two_sites_share_one_engine_and_each_keeps_its_own_credentials() {
    let a = Site::start();
    let b = Site::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.yml"), manifest_without_schedule()).unwrap();
    std::fs::write(dir.path().join("app.wasm"), serve_app_component()).unwrap();
    support::write_private(&dir.path().join("webhook-secret"), WEBHOOK_SECRET);

    let one_site = address_space_kib(&serve_on(dir.path(), &[("a", &a)]));
    let serve = serve_on(dir.path(), &[("a", &a), ("b", &b)]);
    let two_sites = address_space_kib(&serve);
    assert!(
        two_sites < one_site + one_site / 2,
        "two sites reserve {two_sites} KiB, one site {one_site} KiB: a pool per site"
    );

    // Each site's delivery runs the app on that site: its comment appears there, as the
    // site's own account (each `runtime sim` accepts only its own tokens), and not on the
    // other site.
    assert_eq!(deliver_to(&serve, "a", "a-1", "ran-on-a"), 202);
    assert_eq!(deliver_to(&serve, "b", "b-1", "ran-on-b"), 202);
    wait_for("site a's comment", || a.has_comment("KILN-1", "ran-on-a"));
    wait_for("site b's comment", || b.has_comment("KILN-1", "ran-on-b"));
    assert!(!a.has_comment("KILN-1", "ran-on-b"));
    assert!(!b.has_comment("KILN-1", "ran-on-a"));
}

/// `[limits] instances` sizes the one pool: a pool of one slot reserves a sliver of the
/// default's address space, and requests arriving together take the slot in turn, each
/// answered.
#[test]
fn a_pool_of_one_slot_serves_requests_arriving_together_in_turn() {
    let serve = Serve::start("instances = 1");
    assert!(
        address_space_kib(&serve) < 64 * 1024 * 1024,
        "a pool of one reserves far less than 64 GiB: {} KiB",
        address_space_kib(&serve)
    );
    let echo = serve.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let answers: Vec<u16> = std::thread::scope(|scope| {
        let sent: Vec<_> = (0..8)
            .map(|n| {
                let echo = &echo;
                scope.spawn(move || {
                    support::client()
                        .post(echo)
                        .body(format!("{{\"n\": {n}}}"))
                        .send()
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        sent.into_iter().map(|s| s.join().unwrap()).collect()
    });
    assert_eq!(answers, [200; 8]);
}
