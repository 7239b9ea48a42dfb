//! Builds a real JavaScript app with Kiln's pinned toolchain, in the
//! sandbox: the first run installs the toolchain from npm into the test's
//! cache (about 400 MB, once), later runs are offline.

use std::path::{Path, PathBuf};

use kiln_guest_build::Sandbox;
use kiln_guest_build::js::{JsBuild, JsBuildError, build_js, installed_toolchain, toolchain_id};

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kiln-js-cache")
}

/// Kiln's wizer, as this crate's own program (`runtime` is the same wizer).
fn wizer() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kiln-wizer"))
}

fn sandbox() -> Option<Sandbox> {
    let sandbox = Sandbox::available();
    if sandbox.is_none() {
        eprintln!("skipped: no working bubblewrap here");
    }
    sandbox
}

/// The build of the app in `app_dir` (handler `index.run`) into `work_dir`,
/// in `sandbox`, with the test cache and nothing else declared.
fn js_build(app_dir: PathBuf, work_dir: PathBuf, sandbox: Sandbox) -> JsBuild {
    JsBuild {
        app_dir,
        handler_modules: vec!["index".into()],
        work_dir,
        cache_dir: cache_dir(),
        sandbox: Some(sandbox),
        wizer: wizer(),
        fetch_backends: Vec::new(),
        entities: Vec::new(),
        consumers: Vec::new(),
        app_id: "kiln-test-app".into(),
        scopes: Vec::new(),
        licensed: false,
        node_runtime: None,
        architecture: None,
        limits: None,
    }
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Builds the app of `files` (a sandbox permitting): its build report and
/// its bundle's text.
fn build_report_and_bundle(files: &[(&str, &str)]) -> Option<(serde_json::Value, String)> {
    let sandbox = sandbox()?;
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(app.path(), files);
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox,
    );
    let built = build_js(&build).expect("builds");
    let report = serde_json::from_slice(
        &std::fs::read(built.path.with_file_name("build-report.json")).unwrap(),
    )
    .unwrap();
    let bundle = std::fs::read_to_string(built.path.with_file_name("bundle.js")).unwrap();
    Some((report, bundle))
}

#[test]
fn a_forge_app_builds_into_a_component_of_kilns_0_5_0_world() {
    let Some(sandbox) = sandbox() else { return };
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(
        app.path(),
        &[
            ("package.json", r#"{"name":"probe","type":"module"}"#),
            (
                "manifest.yml",
                "app:\n  id: probe\nmodules:\n  function:\n    - key: main\n      handler: index.run\n",
            ),
            (
                "src/index.ts",
                "import api, { route, storage } from '@forge/api';\n\
                 import { helper } from './lib/helper';\n\
                 export const run = async (event: { key: string }) => {\n\
                   const r = await api.asApp().requestJira(route`/rest/api/3/issue/${event.key}`);\n\
                   await storage.set('last', event.key);\n\
                   return helper(r.status);\n\
                 };\n",
            ),
            (
                "src/lib/helper.ts",
                "export const helper = (n: number): string => `status ${n}`;\n",
            ),
        ],
    );
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox,
    );
    let built = build_js(&build).expect("builds");
    assert_eq!(built.package, "probe");
    let wasm = std::fs::read(&built.path).unwrap();
    // A component (layer 1), not a core module.
    assert_eq!(&wasm[..8], b"\0asm\x0d\x00\x01\x00");
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(built.path.with_file_name("build-report.json")).unwrap(),
    )
    .unwrap();
    let imports: Vec<String> = report["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap().to_owned())
        .collect();
    // Kiln's world, plus the environment the Forge layer builds
    // `process.env` from (the build-only world `kiln:forge-js/app`).
    assert!(
        imports
            .iter()
            .all(|i| (i.starts_with("kiln:app/") && i.ends_with("@0.5.0"))
                || i == "wasi:cli/environment@0.2.12"),
        "{imports:?}"
    );
    assert!(imports.iter().any(|i| i == "wasi:cli/environment@0.2.12"));
    assert!(imports.iter().any(|i| i == "kiln:app/jira@0.5.0"));
    assert!(imports.iter().any(|i| i == "kiln:app/storage@0.5.0"));
    // Forge SQL's door, for every app: the host opens it only to one whose
    // manifest declares a `sql` module.
    assert!(imports.iter().any(|i| i == "kiln:app/sql@0.5.0"));
    // The app's TypeScript was bundled (the two files and the Forge layer).
    let bundle = std::fs::read_to_string(built.path.with_file_name("bundle.js")).unwrap();
    assert!(
        bundle.contains("status ${n}") || bundle.contains("status "),
        "helper bundled"
    );
    assert!(
        !bundle.contains("__forge_fetch__"),
        "npm's @forge/api is never bundled"
    );
    // An app that formats nothing for people carries no Intl (its polyfills and data are
    // megabytes of snapshot).
    assert_eq!(report["intl"], serde_json::Value::Null, "{report}");
    assert!(!bundle.contains("@formatjs"), "no Intl bundled");

    // The toolchain is installed once, under the digest of what Kiln ships.
    let toolchain = cache_dir().join("js-toolchain").join(toolchain_id());
    assert!(toolchain.join(".kiln-complete").is_file());

    // Nothing changed: the last build is reused, as it was.
    assert!(!built.reused);
    let again = build_js(&build).expect("reuses");
    assert!(again.reused, "an unchanged app is not built again");
    assert_eq!(again.path, built.path);
    assert_eq!(std::fs::read(&again.path).unwrap(), wasm);
    // One source file changed: built again, with the change.
    write(
        app.path(),
        &[(
            "src/lib/helper.ts",
            "export const helper = (n: number): string => `changed ${n}`;\n",
        )],
    );
    let rebuilt = build_js(&build).expect("rebuilds");
    assert!(!rebuilt.reused, "a changed app is built again");
    let bundle = std::fs::read_to_string(rebuilt.path.with_file_name("bundle.js")).unwrap();
    assert!(
        bundle.contains("changed "),
        "the change is in the new build"
    );
    assert_ne!(std::fs::read(&rebuilt.path).unwrap(), wasm);
}

/// Whether `haystack` holds `needle` anywhere.
fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn the_same_app_builds_into_the_same_bytes_wherever_it_lives() {
    let Some(sandbox) = sandbox() else { return };
    // The same sources in two folders at different depths, each built in a
    // build folder of its own: nothing of where they are may reach the bytes.
    // The top-level code reads the clock and draws a random number (which
    // Forge's snapshots allow): both are fixed for the build.
    let near = tempfile::tempdir().unwrap();
    let far = tempfile::tempdir().unwrap();
    let far_app = far.path().join("deeper/still/app");
    let mut built = Vec::new();
    for app in [near.path().to_owned(), far_app] {
        write(
            &app,
            &[
                ("package.json", r#"{"name":"same","type":"module"}"#),
                (
                    "src/index.js",
                    "import api, { route } from '@forge/api';\n\
                     const table = new Map([['a', 1], ['b', 2]]);\n\
                     const builtAt = Date.now();\n\
                     const drawnAtBuild = Math.random();\n\
                     export const run = async (event) => {\n\
                       const r = await api.asApp().requestJira(route`/rest/api/3/issue/${event.key}`);\n\
                       return { status: r.status, size: table.size, builtAt, drawnAtBuild, random: Math.random() };\n\
                     };\n",
                ),
            ],
        );
        let work = tempfile::tempdir().unwrap();
        let build = js_build(
            app.canonicalize().unwrap(),
            work.path().join("nested/work"),
            sandbox.clone(),
        );
        let component = build_js(&build).expect("builds");
        let bytes = std::fs::read(&component.path).unwrap();
        for host_path in [&build.app_dir, &build.work_dir, &cache_dir()] {
            let host_path = host_path.display().to_string();
            assert!(
                !contains(&bytes, &host_path),
                "the component names the host folder {host_path}"
            );
        }
        built.push(bytes);
    }
    assert!(
        built[0] == built[1],
        "two builds of the same sources differ ({} and {} bytes)",
        built[0].len(),
        built[1].len()
    );
}

/// The compiled modules in the wizer's compile cache of the build folder
/// `work`: each file's path, inode and modification time.
fn compile_cache(work: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt as _;
    let dir = work.join(kiln_guest_build::wizer_cache::CACHE_DIR_NAME);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            (path, meta.ino(), meta.modified().unwrap())
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn a_rebuild_after_an_edit_loads_the_compiled_engine_and_builds_the_same_bytes() {
    let Some(sandbox) = sandbox() else { return };
    let app = tempfile::tempdir().unwrap();
    let source = |greeting: &str| {
        format!(
            "const greeting = {greeting:?};\n\
             export const run = async (event) => ({{ greeting, key: event.key }});\n"
        )
    };
    write(
        app.path(),
        &[
            ("package.json", r#"{"name":"cached","type":"module"}"#),
            ("src/index.js", &source("first")),
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().join("work"),
        sandbox,
    );
    let read = |built: &kiln_guest_build::js::BuiltJsComponent| std::fs::read(&built.path).unwrap();

    // The first build compiles the engine module and keeps it, in the app's
    // build folder.
    let first = read(&build_js(&build).expect("builds"));
    let cached = compile_cache(&build.work_dir);
    assert_eq!(cached.len(), 1, "one compiled module: {cached:?}");

    // An edit: built again, and the engine module (the same: the app's code
    // is read during initialization, not compiled in) is loaded, not
    // compiled and written again.
    write(app.path(), &[("src/index.js", &source("second"))]);
    let second = build_js(&build).expect("rebuilds");
    assert!(!second.reused);
    let second = read(&second);
    assert_ne!(second, first, "the edit is in the new build");
    assert_eq!(
        compile_cache(&build.work_dir),
        cached,
        "the compiled module was loaded, not replaced"
    );

    // The same sources with an empty cache: the same bytes.
    let cold_work = tempfile::tempdir().unwrap();
    let cold = JsBuild {
        work_dir: cold_work.path().join("work"),
        ..build.clone()
    };
    assert!(
        read(&build_js(&cold).expect("builds with an empty cache")) == second,
        "a build that loaded the compiled engine differs from one that compiled it"
    );
    assert_eq!(compile_cache(&cold.work_dir).len(), 1);
    assert_eq!(
        compile_cache(&cold.work_dir)[0].0.file_name(),
        cached[0].0.file_name(),
        "the cache's key does not depend on where the build folder is"
    );

    // A damaged entry (garbage where the compiled module was) is compiled
    // again: the build succeeds, with the same bytes, and the entry is
    // replaced by a good one.
    let entry = &cached[0].0;
    let garbage = b"garbage, not a compiled module".to_vec();
    std::fs::write(entry, &garbage).unwrap();
    write(app.path(), &[("src/index.js", &source("first"))]);
    let third = build_js(&build).expect("builds past a damaged cache entry");
    assert!(
        read(&third) == first,
        "a build past a damaged entry differs from the first"
    );
    let after = compile_cache(&build.work_dir);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(&after[0].0, entry);
    assert_ne!(
        std::fs::read(entry).unwrap(),
        garbage,
        "the entry was replaced"
    );
}

#[test]
fn a_host_file_outside_the_mounts_cannot_be_bundled() {
    let Some(sandbox) = sandbox() else { return };
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let secret_dir = tempfile::tempdir().unwrap();
    std::fs::write(secret_dir.path().join("token"), "s3cret").unwrap();
    // esbuild resolves imports at bundle time: an import of a host file
    // outside the mounted folders cannot be found.
    let secret = secret_dir.path().join("token").display().to_string();
    write(
        app.path(),
        &[
            ("package.json", r#"{"name":"hostile"}"#),
            ("manifest.yml", ""),
            (
                "src/index.js",
                &format!(
                    "import s from {secret:?} with {{ type: 'text' }};\nexport const run = () => s;\n"
                ),
            ),
        ],
    );
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox.protect(secret_dir.path()),
    );
    let error = build_js(&build).unwrap_err();
    assert!(matches!(error, JsBuildError::StepFailed { .. }), "{error}");
    let out = work.path().join("out");
    assert!(!out.join("component.wasm").exists());
    assert!(
        !std::fs::read_dir(app.path())
            .unwrap()
            .any(|e| e.unwrap().file_name() == "node_modules")
    );
}

#[test]
fn a_handler_module_outside_src_is_refused() {
    let Some(sandbox) = sandbox() else { return };
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(
        app.path(),
        &[
            ("package.json", "{}"),
            ("src/index.js", "export const run = () => 1;\n"),
        ],
    );
    let build = JsBuild {
        handler_modules: vec!["../../etc/passwd".into()],
        ..js_build(
            app.path().canonicalize().unwrap(),
            work.path().to_owned(),
            sandbox,
        )
    };
    assert!(matches!(
        build_js(&build),
        Err(JsBuildError::StepFailed { .. })
    ));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The Forge layer's own tests (`forge/kiln-forge-api/test`, `node --test`:
/// Forge's documented behaviour, and Node's own modules compared with the
/// layer's) run against the dependencies Kiln's toolchain installs, the
/// ones every JS app is bundled with.
#[test]
fn the_forge_layer_passes_its_own_tests_with_the_toolchains_dependencies() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        // `.ci/run` installs Node.js and sets this: there a skip is a failure.
        assert!(
            std::env::var_os("KILN_REQUIRE_NODE").is_none(),
            "Node.js is missing"
        );
        eprintln!("skipped: Node.js is needed");
        return;
    }
    let toolchain = installed_toolchain(&cache_dir()).expect("the toolchain installs");
    let layer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forge/kiln-forge-api");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("forge-api");
    copy_tree(&layer.join("src"), &copy.join("src"));
    copy_tree(&layer.join("test"), &copy.join("test"));
    std::fs::copy(layer.join("package.json"), copy.join("package.json")).unwrap();
    // Where Node looks for the layer's dependencies, as in the toolchain.
    std::os::unix::fs::symlink(
        toolchain.join("node_modules"),
        dir.path().join("node_modules"),
    )
    .unwrap();
    // The test files by name: Node.js 22 and later read a directory given to `--test`
    // as a module to run, not as a place to look for tests (and `fake-host.js` there is
    // a helper, not a test).
    let mut tests: Vec<String> = std::fs::read_dir(copy.join("test"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.js"))
        .map(|name| format!("forge-api/test/{name}"))
        .collect();
    tests.sort();
    assert!(tests.len() > 10, "the layer's tests are found: {tests:?}");
    let output = std::process::Command::new("node")
        .arg("--test")
        .args(&tests)
        .current_dir(dir.path())
        .output()
        .expect("node starts");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_packages_browser_map_names_its_files_as_module_paths() {
    let Some(sandbox) = sandbox() else { return };
    // tests/fixtures/browser-map-package: each of its files needs a Node
    // module Kiln refuses, and its `browser` field names the replacements as
    // module paths (`./lib/read.browser` for read.browser.js, a folder for
    // its index.js, `false`), as @smithy/util-stream's does. It is installed
    // as an app's dependency is, by `npm ci` from a lockfile: a tarball
    // packed here, named by its absolute path (only package.json and the
    // lockfile reach npm).
    let bundle = bundle_with_fixtures(
        sandbox,
        "browser-map",
        &[(
            "browser-map-package",
            "kiln-browser-map-fixture",
            serde_json::json!({}),
        )],
        "import { read, stream, diskExports } from 'kiln-browser-map-fixture';\n\
         export const run = () => `${read()} ${stream()} ${diskExports()}`;\n",
    );
    assert!(bundle.contains("read: the browser version"), "{bundle}");
    assert!(bundle.contains("stream: the browser version"), "{bundle}");
    // The package's files see a browser's `process` (its top-level Node sniff, run
    // while the snapshot was taken, found none: the build would have failed), the
    // app's own Node's.
    assert!(bundle.contains("kiln.browser-process"), "{bundle}");
    // None of the Node versions' code is bundled, the one mapped to `false` neither.
    for node_only in ["/etc/hostname", "example.com", "/tmp/out"] {
        assert!(!bundle.contains(node_only), "{node_only} bundled");
    }
}

/// `npm pack`s the fixture package in `tests/fixtures/<folder>` into `into`:
/// its tarball's `file:` URL, as an app's lockfile would name it.
fn packed_fixture(folder: &str, tarball: &str, into: &Path) -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    let status = std::process::Command::new("npm")
        .args([
            "pack",
            "--ignore-scripts",
            "--loglevel=error",
            "--pack-destination",
        ])
        .arg(into)
        .arg(&fixture)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("npm starts");
    assert!(status.success(), "npm pack {folder}");
    format!("file:{}", into.join(tarball).display())
}

/// The bundle of an app `name` whose `src/index.js` is `source` and which
/// installs the fixture packages `packages` (folder under tests/fixtures,
/// package name at version 1.0.0, its own dependencies), the first being the
/// app's dependency: each packed here and named by its tarball in a v3
/// lockfile, installed by `npm ci` as an app's dependencies are (only
/// package.json and the lockfile reach npm).
fn bundle_with_fixtures(
    sandbox: Sandbox,
    name: &str,
    packages: &[(&str, &str, serde_json::Value)],
    source: &str,
) -> String {
    let packed = tempfile::tempdir().unwrap();
    let mut locked = serde_json::Map::new();
    let mut tarballs = Vec::new();
    for (folder, package, dependencies) in packages {
        let tarball = packed_fixture(folder, &format!("{package}-1.0.0.tgz"), packed.path());
        locked.insert(
            format!("node_modules/{package}"),
            serde_json::json!({ "version": "1.0.0", "resolved": tarball, "dependencies": dependencies }),
        );
        tarballs.push(tarball);
    }
    let dependencies = serde_json::json!({ packages[0].1: tarballs[0] });
    locked.insert(
        String::new(),
        serde_json::json!({ "name": name, "dependencies": dependencies }),
    );
    let package_json =
        serde_json::json!({ "name": name, "type": "module", "dependencies": dependencies });
    let lock = serde_json::json!({
        "name": name,
        "lockfileVersion": 3,
        "requires": true,
        "packages": locked,
    });
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(
        app.path(),
        &[
            ("package.json", &package_json.to_string()),
            ("package-lock.json", &lock.to_string()),
            (
                "manifest.yml",
                &format!(
                    "app:\n  id: {name}\nmodules:\n  function:\n    - key: main\n      handler: index.run\n"
                ),
            ),
            ("src/index.js", source),
        ],
    );
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox,
    );
    let built = build_js(&build).expect("builds with the browser versions");
    std::fs::read_to_string(built.path.with_file_name("bundle.js")).unwrap()
}

#[test]
fn a_node_only_package_is_left_out_by_its_importers_browser_version() {
    let Some(sandbox) = sandbox() else { return };
    // tests/fixtures/node-only-package needs `net` and has no browser
    // version; tests/fixtures/importer-package reaches it through a file its
    // `browser` field replaces. The retry takes the importer's browser
    // version, not only the refusing package's (there is none), as the AWS
    // SDK's clients need (@smithy/node-http-handler through runtimeConfig).
    let bundle = bundle_with_fixtures(
        sandbox,
        "importer-chain",
        &[
            (
                "importer-package",
                "kiln-importer-fixture",
                serde_json::json!({ "kiln-node-only-fixture": "1.0.0" }),
            ),
            (
                "node-only-package",
                "kiln-node-only-fixture",
                serde_json::json!({}),
            ),
        ],
        "import { describe } from 'kiln-importer-fixture';\n\
         export const run = () => describe();\n",
    );
    assert!(bundle.contains("config: the browser version"), "{bundle}");
    assert!(
        !bundle.contains("node-only: "),
        "the Node-only package was bundled"
    );
    assert!(
        !bundle.contains("the Node version on"),
        "the Node config was bundled"
    );
}

#[test]
fn an_app_using_intl_gets_it_with_the_locales_it_names() {
    let Some((report, bundle)) = build_report_and_bundle(&[
        ("package.json", r#"{"name":"intl","type":"module"}"#),
        (
            "manifest.yml",
            "app:\n  id: intl\nmodules:\n  function:\n    - key: main\n      handler: index.run\n",
        ),
        (
            "src/index.js",
            "const LOCALE = 'en-GB';\n\
                 export const run = () => [\n\
                   new Date(0).toLocaleString(LOCALE, { timeZone: 'Europe/London' }),\n\
                   (1234.5).toLocaleString('de'),\n\
                   new Intl.NumberFormat('xx-YY').format(1),\n\
                   new Intl.DateTimeFormat(['it'], { month: 'long' }).format(0),\n\
                   // Forge's default runtime, nodejs22.x, has no DurationFormat (Node 23 has).\n\
                   typeof Intl.DurationFormat,\n\
                 ];\n",
        ),
    ]) else {
        return;
    };
    // English always (the default locale), and the locales the code names: a region
    // literal anywhere, a call's literal first argument or each of a literal list;
    // one without data is left out.
    assert_eq!(
        report["intl"],
        serde_json::json!(["en", "de", "en-GB", "it"]),
        "{report}"
    );
    assert!(
        bundle.contains("node_modules/@formatjs/intl-datetimeformat"),
        "the polyfill is bundled"
    );
    // Those the app does not name cost it nothing, nor DurationFormat, which the
    // app names but the Node of its runtime (Forge's default) does not have.
    for named_only in [
        "intl-displaynames",
        "intl-segmenter",
        "intl-durationformat",
        "intl-supportedvaluesof/polyfill-force",
    ] {
        assert!(
            !bundle.contains(&format!("node_modules/@formatjs/{named_only}")),
            "{named_only} is bundled for an app that does not name it"
        );
    }
    // Node's space before AM/PM (not CLDR's U+202F) is checked by what the app prints:
    // tests/tests/forge_intl.rs.
}

/// A locale the app learns only when it runs (a user's `locale` from Jira)
/// cannot be named in its code: its package.json declares it, and the build
/// gives it that locale's data as for one the code names.
#[test]
fn an_app_declares_the_locales_it_learns_at_run_time() {
    let Some((report, bundle)) = build_report_and_bundle(&[
        (
            "package.json",
            r#"{"name":"intl-declared","type":"module","kiln":{"locales":["de_DE","ja"]}}"#,
        ),
        (
            "manifest.yml",
            "app:\n  id: intl-declared\nmodules:\n  function:\n    - key: main\n      handler: index.run\n",
        ),
        (
            "src/index.js",
            "export const run = (event) => new Intl.DateTimeFormat(event.locale).format(0);\n",
        ),
    ]) else {
        return;
    };
    assert_eq!(
        report["intl"],
        serde_json::json!(["en", "de", "ja"]),
        "{report}"
    );
    assert!(bundle.contains("intl-datetimeformat/locale-data/ja.js"));
}

/// A declaration that is not a list of locale tags fails the build; it
/// never reaches a path.
#[test]
fn a_declared_locale_that_is_no_tag_fails_the_build() {
    let Some(sandbox) = sandbox() else { return };
    for declared in [r#"["../../etc/passwd"]"#, r#""de""#, "[5]"] {
        let app = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let package =
            format!(r#"{{"name":"bad","type":"module","kiln":{{"locales":{declared}}}}}"#);
        write(
            app.path(),
            &[
                ("package.json", package.as_str()),
                (
                    "src/index.js",
                    "export const run = (e) => new Intl.NumberFormat(e.locale).format(1);\n",
                ),
            ],
        );
        let build = js_build(
            app.path().canonicalize().unwrap(),
            work.path().to_owned(),
            sandbox.clone(),
        );
        assert!(
            matches!(build_js(&build), Err(JsBuildError::StepFailed { .. })),
            "{declared}"
        );
    }
}

/// What the app is given (Intl and its locales, the collator, normalize) is
/// decided by the code the bundle keeps: not by a module it drops (a barrel's
/// unused export, as `date-fns`' index re-exports `intlFormat`), nor by a
/// comment (`date-fns`' JSDoc names `'ko-KR'`). Such an app got Intl with
/// three locales it never used: a 40 MB component where 14 MB do.
#[test]
fn a_module_or_a_comment_the_bundle_leaves_out_gives_the_app_nothing() {
    let Some((report, bundle)) = build_report_and_bundle(&[
        ("package.json", r#"{"name":"dropped","type":"module"}"#),
        (
            "manifest.yml",
            "app:\n  id: dropped\nmodules:\n  function:\n    - key: main\n      handler: index.run\n",
        ),
        (
            "src/index.js",
            "import { used } from './lib.js';\nexport const run = () => used(1);\n",
        ),
        (
            "src/lib.js",
            "export { used } from './used.js';\nexport { formatKo } from './unused.js';\n",
        ),
        (
            "src/used.js",
            "/**\n * Like `new Intl.DateTimeFormat('de-DE').format(d)`, or\n * `a.localeCompare(b)`, `s.normalize('NFC')`, `s.toLocaleUpperCase('tr')`.\n */\n\
                 export const used = (x) => /* Intl */ x + 1;\n",
        ),
        (
            "src/unused.js",
            "export const formatKo = (d) =>\n\
                   new Intl.DateTimeFormat('ko-KR').format(d) + 'a'.localeCompare('b') + 'x'.normalize('NFC');\n",
        ),
    ]) else {
        return;
    };
    assert_eq!(report["intl"], serde_json::Value::Null, "{report}");
    assert!(
        !bundle.contains("formatKo"),
        "the unused module was bundled"
    );
    for feature in [
        "@formatjs",
        "intl_collator",
        "intl_casing",
        "normalize_data",
    ] {
        assert!(
            !bundle.contains(feature),
            "{feature} is bundled for an app whose code does not use it"
        );
    }
}

/// An ES module of the app that assigns to CommonJS's `exports` as well
/// (jbyun-atlassian/forge_aar_checker_jira's `src/index.js`: `export {
/// handler } from './resolvers'` beside `exports.runWebTrigger = …`), as
/// Forge's webpack leaves it: `exports` is the bundle's own, where the
/// dispatcher finds the handler. Its top-level code threw "exports is not
/// defined", so the build fell back to lazy and every function failed.
#[test]
fn an_es_module_assigning_to_commonjs_exports_builds_eagerly() {
    let Some((report, bundle)) = build_report_and_bundle(&[
        ("package.json", r#"{"name":"mixed"}"#),
        (
            "manifest.yml",
            "app:\n  id: mixed\nmodules:\n  function:\n    - key: main\n      handler: index.runWebTrigger\n",
        ),
        (
            "src/index.js",
            "import { route } from '@forge/api';\nimport { legacy } from './legacy';\nexport { handler } from './resolvers';\n\
                 exports.runWebTrigger = async () => ({ statusCode: 200, body: `${route`/rest/api/3/myself`}${legacy()}` });\n",
        ),
        (
            "src/resolvers.js",
            "export const handler = () => 'resolved';\n\
                 // A parameter of its own is no module variable: left alone.\n\
                 export const copy = (exports) => { exports.x = 1; return exports; };\n",
        ),
        (
            "src/legacy.js",
            "// A CommonJS module keeps its own `exports`.\nexports.legacy = () => 1;\n",
        ),
    ]) else {
        return;
    };
    assert_eq!(report["lazy"], serde_json::Value::Bool(false), "{report}");
    // The layer names the symbol too (handler.js); only a declaration assigns it.
    assert_eq!(
        bundle.matches("kiln.bundle-exports\")] ??= {}").count(),
        1,
        "only src/index.js is given the bundle's exports:\n{bundle}"
    );
}

/// What the build keeps its largest `Intl` app under: 64 MiB, half of what
/// Kiln loads (`runtime/src/sandbox/component_check.rs`'s
/// `MAX_COMPONENT_BYTES`, 128 MiB; this crate does not depend on the runtime),
/// so that an app's own packages have room beside the engine and its data.
const MAX_COMPONENT_BYTES: u64 = 64 * 1024 * 1024;

#[test]
fn an_app_naming_the_most_locales_stays_under_the_component_limit() {
    let Some(sandbox) = sandbox() else { return };
    // Twelve locales with data besides English (the most the build takes),
    // with every polyfill the build gives only on use (DisplayNames with each
    // locale's data, Segmenter, DurationFormat, supportedValuesOf, the
    // collator and locale-sensitive casing), the
    // largest case: the date patterns worked out at build for English only
    // (intl.mjs), so the component still loads.
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(
        app.path(),
        &[
            ("package.json", r#"{"name":"intl-many","type":"module"}"#),
            (
                "manifest.yml",
                "app:\n  id: intl-many\nmodules:\n  function:\n    - key: main\n      handler: index.run\n",
            ),
            (
                "src/index.js",
                "const LOCALES = ['en-GB', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'ja-JP', 'zh-CN', \
                 'pt-BR', 'ru-RU', 'ko-KR', 'nl-NL', 'pl-PL', 'sv-SE'];\n\
                 export const run = () => LOCALES.map((l) => [\n\
                   new Date(0).toLocaleString(l, { timeZone: 'UTC' }),\n\
                   new Intl.DisplayNames(l, { type: 'region' }).of('GB'),\n\
                   [...new Intl.Segmenter(l, { granularity: 'word' }).segment('a b')].length,\n\
                   new Intl.DurationFormat(l, { style: 'long' }).format({ hours: 1 }),\n\
                   Intl.supportedValuesOf('unit').length,\n\
                   'résumé'.localeCompare('resume', l, { sensitivity: 'base' }),\n\
                   'istanbul'.toLocaleUpperCase(l),\n\
                 ]);\n",
            ),
        ],
    );
    let mut build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox,
    );
    // The manifest's `app.runtime.name`: DurationFormat is Node 23's and later.
    build.node_runtime = Some("nodejs24.x".into());
    let built = build_js(&build).expect("builds");
    let bundle = std::fs::read_to_string(built.path.with_file_name("bundle.js")).unwrap();
    for named in [
        "intl-displaynames/locale-data/pl.js",
        "intl-segmenter",
        "intl-durationformat",
        "intl-supportedvaluesof/polyfill-force",
    ] {
        assert!(
            bundle.contains(&format!("node_modules/@formatjs/{named}")),
            "{named} is not bundled"
        );
    }
    for layer in ["intl_collator_data.js", "intl_casing.js"] {
        assert!(
            bundle.contains(&format!("kiln-forge-api/src/{layer}")),
            "{layer} is not bundled"
        );
    }
    let size = std::fs::metadata(&built.path).unwrap().len();
    eprintln!("the largest Intl component: {size} bytes");
    assert!(
        size <= MAX_COMPONENT_BYTES,
        "{size} bytes, over the {MAX_COMPONENT_BYTES}-byte component limit"
    );
}

/// A loopback npm registry that serves nothing: every request is answered
/// 404, as npm answers for a version it no longer serves
/// (`@atlaskit/tokens` 3.0.0, FacundoDuarte/carga-masiva-scarlett's). Its
/// base URL.
fn registry_serving_nothing() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 64 * 1024 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot found",
            );
        }
    });
    format!("http://{address}")
}

/// A UI Kit app's one `package.json` and v3 lockfile: the Forge packages,
/// `kiln-plain-fixture` (packed here, installable) and a frontend package
/// `registry` does not serve, with a dependency of its own (not served
/// either). Its backend is `source`. The app folder, the work folder and
/// the folder holding the fixture's tarball (kept while the app is built).
fn app_naming_an_unserved_package(
    registry: &str,
    source: &str,
) -> (tempfile::TempDir, tempfile::TempDir, tempfile::TempDir) {
    let packed = tempfile::tempdir().unwrap();
    let plain = packed_fixture(
        "plain-package",
        "kiln-plain-fixture-1.0.0.tgz",
        packed.path(),
    );
    let dependencies = serde_json::json!({
        "@atlaskit/tokens": "3.0.0",
        "@forge/api": "^5.0.0",
        "@forge/react": "^11.0.0",
        "kiln-plain-fixture": plain,
    });
    let package_json = serde_json::json!({
        "name": "unserved",
        "dependencies": dependencies,
        "devDependencies": { "typescript": "^5.0.0" },
    });
    // No integrity: Kiln moves only tarballs its lockfile pins by hash to the
    // public registry (npm_registry.rs), so these stay on the loopback one.
    let lock = serde_json::json!({
        "name": "unserved",
        "lockfileVersion": 3,
        "requires": true,
        "packages": {
            "": {
                "name": "unserved",
                "dependencies": dependencies,
                "devDependencies": { "typescript": "^5.0.0" },
            },
            "node_modules/@atlaskit/tokens": {
                "version": "3.0.0",
                "resolved": format!("{registry}/@atlaskit/tokens/-/tokens-3.0.0.tgz"),
                "dependencies": { "@babel/runtime": "^7.0.0" },
            },
            "node_modules/@babel/runtime": {
                "version": "7.0.0",
                "resolved": format!("{registry}/@babel/runtime/-/runtime-7.0.0.tgz"),
            },
            "node_modules/@forge/api": {
                "version": "5.0.0",
                "resolved": format!("{registry}/@forge/api/-/api-5.0.0.tgz"),
            },
            "node_modules/@forge/react": {
                "version": "11.0.0",
                "resolved": format!("{registry}/@forge/react/-/react-11.0.0.tgz"),
                "dependencies": { "@atlaskit/tokens": "^3.0.0" },
            },
            "node_modules/kiln-plain-fixture": { "version": "1.0.0", "resolved": plain },
            "node_modules/typescript": {
                "version": "5.0.0",
                "resolved": format!("{registry}/typescript/-/typescript-5.0.0.tgz"),
                "dev": true,
            },
        },
    });
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(
        app.path(),
        &[
            ("package.json", &package_json.to_string()),
            ("package-lock.json", &lock.to_string()),
            (
                "manifest.yml",
                "app:\n  id: unserved\nmodules:\n  function:\n    - key: main\n      handler: index.run\n",
            ),
            ("src/index.js", source),
        ],
    );
    (app, work, packed)
}

#[test]
fn a_package_npm_no_longer_serves_is_not_installed_when_the_backend_does_not_import_it() {
    let Some(sandbox) = sandbox() else { return };
    let registry = registry_serving_nothing();
    let (app, work, _packed) = app_naming_an_unserved_package(
        &registry,
        "import api from '@forge/api';\n\
         import { plain } from 'kiln-plain-fixture/index.js';\n\
         export const run = () => `${typeof api.asApp} ${plain()}`;\n",
    );
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox.clone(),
    );
    let built = build_js(&build).unwrap_or_else(|error| panic!("builds: {error}"));
    let bundle = std::fs::read_to_string(built.path.with_file_name("bundle.js")).unwrap();
    assert!(bundle.contains("plain: from the fixture"), "{bundle}");
    let deps = work.path().join("deps");
    assert!(deps.join("node_modules/kiln-plain-fixture").is_dir());
    assert!(!deps.join("node_modules/@atlaskit").exists());
    // What npm was given: the imported package only, its entry as the app's
    // lockfile pins it.
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(deps.join("package-lock.json")).unwrap()).unwrap();
    let kept: Vec<&str> = lock["packages"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(kept, ["", "node_modules/kiln-plain-fixture"]);

    // Built again unchanged, it reuses its install (and its component).
    let marker = deps.join(".kiln-complete");
    let installed_at = std::fs::metadata(&marker).unwrap().modified().unwrap();
    let again = build_js(&build).unwrap_or_else(|error| panic!("builds again: {error}"));
    assert!(again.reused);
    assert_eq!(
        std::fs::metadata(&marker).unwrap().modified().unwrap(),
        installed_at
    );

    // A backend that imports the package still fails, at its install.
    std::fs::write(
        app.path().join("src/index.js"),
        "import { token } from '@atlaskit/tokens';\nexport const run = () => token('x');\n",
    )
    .unwrap();
    let error = build_js(&build).unwrap_err();
    assert!(
        matches!(error, JsBuildError::InstallFailed { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("a version npm no longer serves"),
        "{error}"
    );
}

#[test]
fn an_app_without_a_lockfile_builds_when_its_backend_imports_only_what_kiln_serves() {
    let Some(sandbox) = sandbox() else { return };
    let registry = registry_serving_nothing();
    // Driver Telemetry's shape: one package.json naming the frontend's
    // packages, no lockfile, a backend that imports only Forge's.
    let (app, work, _packed) = app_naming_an_unserved_package(
        &registry,
        "import api, { route } from '@forge/api';\n\
         export const run = () => `${typeof api.asApp} ${typeof route}`;\n",
    );
    std::fs::remove_file(app.path().join("package-lock.json")).unwrap();
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox.clone(),
    );
    build_js(&build).unwrap_or_else(|error| panic!("builds: {error}"));
    assert!(!work.path().join("deps/node_modules").exists());

    // Importing one of its other packages needs the lockfile that pins it.
    std::fs::write(
        app.path().join("src/index.js"),
        "import { plain } from 'kiln-plain-fixture/index.js';\nexport const run = () => plain();\n",
    )
    .unwrap();
    let error = build_js(&build).unwrap_err();
    assert!(matches!(error, JsBuildError::NoLockfile { .. }), "{error}");
}

/// An app `name` depending on `kiln-plain-fixture` only (packed here, named
/// by its tarball in a v3 lockfile), with `source` as its backend: the app
/// folder, the work folder and the folder of the tarball.
fn app_with_the_plain_fixture(
    name: &str,
    source: &str,
) -> (tempfile::TempDir, tempfile::TempDir, tempfile::TempDir) {
    let packed = tempfile::tempdir().unwrap();
    let plain = packed_fixture(
        "plain-package",
        "kiln-plain-fixture-1.0.0.tgz",
        packed.path(),
    );
    let dependencies = serde_json::json!({ "kiln-plain-fixture": plain });
    let lock = serde_json::json!({
        "name": name,
        "lockfileVersion": 3,
        "requires": true,
        "packages": {
            "": { "name": name, "dependencies": dependencies },
            "node_modules/kiln-plain-fixture": { "version": "1.0.0", "resolved": plain },
        },
    });
    let app = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    write(
        app.path(),
        &[
            (
                "package.json",
                &serde_json::json!({ "name": name, "dependencies": dependencies }).to_string(),
            ),
            ("package-lock.json", &lock.to_string()),
            (
                "manifest.yml",
                &format!(
                    "app:\n  id: {name}\nmodules:\n  function:\n    - key: main\n      handler: index.run\n"
                ),
            ),
            ("src/index.js", source),
        ],
    );
    (app, work, packed)
}

#[test]
fn a_backend_the_scan_cannot_read_gets_every_dependency_and_the_bundles_error() {
    let Some(sandbox) = sandbox() else { return };
    let (app, work, _packed) =
        app_with_the_plain_fixture("unreadable", "export const run = ( => 1;\n");
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox,
    );
    let error = build_js(&build).unwrap_err();
    // Installed as without a scan; the bundle step failed on the app's code.
    assert!(matches!(error, JsBuildError::StepFailed { .. }), "{error}");
    assert!(
        work.path()
            .join("deps/node_modules/kiln-plain-fixture")
            .is_dir()
    );
}

#[test]
fn a_backend_importing_a_package_the_app_does_not_name_fails_to_bundle_as_before() {
    let Some(sandbox) = sandbox() else { return };
    // `left-pad` is in no file of the app's: the install is what it was
    // without a scan (the named package), and esbuild cannot resolve it.
    let (app, work, _packed) = app_with_the_plain_fixture(
        "undeclared",
        "import { plain } from 'kiln-plain-fixture';\n\
         import leftPad from 'left-pad';\n\
         export const run = () => leftPad(plain(), 40);\n",
    );
    let build = js_build(
        app.path().canonicalize().unwrap(),
        work.path().to_owned(),
        sandbox,
    );
    let error = build_js(&build).unwrap_err();
    assert!(matches!(error, JsBuildError::StepFailed { .. }), "{error}");
    assert!(
        work.path()
            .join("deps/node_modules/kiln-plain-fixture")
            .is_dir()
    );
}
