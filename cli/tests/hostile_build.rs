//! Building an app must not hand it the credentials (issue 12 §3), through
//! the real `runtime run` binary: the hostile guest's build script
//! (`tests/guests/hostile-build/build.rs`) tries the environment, the
//! user's home, Kiln's token store and credentials file, a loopback
//! listener and the source folder, and reports what it found.
//!
//! With a working bubblewrap the build runs in the sandbox and finds
//! nothing; without one, a build for a real site is refused before any of
//! the app's code runs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

/// What every secret in this test contains.
const CANARY: &str = "kiln-canary-7f3a9c";

/// The guest folder copied into a temporary directory, with the secrets
/// placed where a build script would look for them.
struct Scene {
    root: tempfile::TempDir,
    app: PathBuf,
    home: PathBuf,
    token_store: PathBuf,
    credentials: PathBuf,
    listener: TcpListener,
}

impl Scene {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("app");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/hostile-build"),
            &app,
        );
        let home = root.path().join("home");
        let write = |path: &Path, text: &str| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            set_private(path);
        };
        write(
            &home.join(".config/kiln/tokens.json"),
            &format!("{{\"access_token\":\"{CANARY}\"}}"),
        );
        write(&home.join(".ssh/id_ed25519"), CANARY);
        let token_store = root.path().join("elsewhere/tokens.json");
        write(&token_store, &format!("{{\"refresh_token\":\"{CANARY}\"}}"));
        let credentials = root.path().join("secrets/credentials.toml");
        write(
            &credentials,
            &format!(
                "site = \"https://kiln-hostile.atlassian.net\"\n[user]\nemail = \"a@example.com\"\napi_token = \"{CANARY}\"\n"
            ),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let mut targets = String::new();
        for file in [
            home.join(".config/kiln/tokens.json"),
            home.join(".ssh/id_ed25519"),
            token_store.clone(),
            credentials.clone(),
        ] {
            targets.push_str(&format!("file {}\n", file.display()));
        }
        targets.push_str(&format!("dir {}\n", home.display()));
        targets.push_str(&format!("connect {}\n", listener.local_addr().unwrap()));
        std::fs::write(app.join("probe-targets.txt"), targets).unwrap();
        Self {
            root,
            app,
            home,
            token_store,
            credentials,
            listener,
        }
    }

    /// `runtime run APP --credentials FILE` (a real site, named by the
    /// file) with every secret also in the environment, and `path` as PATH.
    fn run(&self, path: &std::ffi::OsStr) -> Output {
        let real_home = std::env::var_os("HOME").map(PathBuf::from).unwrap();
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| real_home.join(".rustup"));
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| real_home.join(".cargo"));
        crate::support::runtime()
            .arg("run")
            .arg(&self.app)
            .arg("--credentials")
            .arg(&self.credentials)
            .args(["--cloud-id", "c0ffee-1"])
            .env_clear()
            .env("PATH", path)
            .env("HOME", &self.home)
            .env("RUSTUP_HOME", rustup_home)
            .env("CARGO_HOME", cargo_home)
            .envs(std::env::var_os("RUSTUP_TOOLCHAIN").map(|t| ("RUSTUP_TOOLCHAIN", t)))
            .env("KILN_CACHE_DIR", self.root.path().join("cache"))
            .env("KILN_TOKEN_STORE", &self.token_store)
            .env("JIRA_API_TOKEN", CANARY)
            .env("JIRA_EMAIL", "a@example.com")
            .env("KILN_APP_CLIENT_ID", "svc")
            .env("KILN_APP_CLIENT_SECRET", CANARY)
            .env("AWS_SECRET_ACCESS_KEY", CANARY)
            .output()
            .expect("the runtime binary starts")
    }

    /// The build script's report, if it ran.
    fn findings(&self) -> Option<String> {
        find_file(&self.root.path().join("cache/builds"), "findings.txt")
            .map(|path| std::fs::read_to_string(path).unwrap())
    }

    fn listener_was_contacted(&self) -> bool {
        self.listener.accept().is_ok()
    }
}

#[test]
fn a_hostile_build_script_finds_no_secret_no_file_and_no_network() {
    if kiln_guest_build::Sandbox::available().is_none() {
        eprintln!("bubblewrap cannot make a sandbox here: the refusal is tested by the other test");
        return a_real_site_build_without_a_sandbox_is_refused_unless_trusted();
    }
    let scene = Scene::new();
    let output = scene.run(&std::env::var_os("PATH").unwrap());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let findings = scene
        .findings()
        .unwrap_or_else(|| panic!("the build script did not run: {stderr}"));
    assert!(
        !findings.contains(CANARY),
        "a secret reached the build:\n{findings}"
    );
    let leaks: Vec<&str> = findings.lines().filter(|l| l.starts_with("LEAK")).collect();
    assert!(leaks.is_empty(), "{leaks:#?}");
    for line in findings.lines().filter(|l| l.starts_with("env ")) {
        let name = line["env ".len()..].split('=').next().unwrap();
        assert!(
            !name.starts_with("JIRA_") && !name.starts_with("KILN_") && !name.starts_with("AWS_"),
            "{line}"
        );
    }
    // Each attempt was made and denied (the script is not silently broken).
    for attempt in [
        "denied read",
        "denied list",
        "denied connect",
        "denied write",
    ] {
        assert!(findings.contains(attempt), "{attempt} missing:\n{findings}");
    }
    assert!(
        !scene.listener_was_contacted(),
        "the build reached loopback"
    );
    assert!(!scene.app.join("planted-by-build.rs").exists());
    assert!(!stderr.contains(CANARY) && !String::from_utf8_lossy(&output.stdout).contains(CANARY));
    // What the build printed for the app reached the terminal without its
    // controls (cargo drops them from a warning; Kiln escapes the rest).
    assert!(stderr.contains("kiln-build-script"), "{stderr}");
    assert!(
        !output.stderr.contains(&0x1b),
        "a raw escape reached stderr"
    );
    // The run went on to consent after the build (nobody to ask here).
    assert!(stderr.contains("--approve-scopes"), "{stderr}");
    assert!(scene.home.join(".config/kiln/tokens.json").exists());
}

#[test]
fn a_real_site_build_without_a_sandbox_is_refused_unless_trusted() {
    let scene = Scene::new();
    // A PATH with cargo and rustup but no bubblewrap.
    let tools = scene.root.path().join("tools");
    std::fs::create_dir(&tools).unwrap();
    for tool in ["cargo", "rustc", "rustup"] {
        let real = which(tool).unwrap_or_else(|| panic!("{tool} on PATH"));
        std::os::unix::fs::symlink(real, tools.join(tool)).unwrap();
    }
    let output = scene.run(tools.as_os_str());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("--trust-build"), "{stderr}");
    assert!(stderr.contains("bubblewrap"), "{stderr}");
    assert!(scene.findings().is_none(), "the app's build code ran");
    assert!(!scene.listener_was_contacted());
    assert!(!stderr.contains(CANARY));
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|path| path.is_file())
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}
