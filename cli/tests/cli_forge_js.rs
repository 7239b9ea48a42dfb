//! A Forge-style JavaScript app through the CLI: `runtime new --template
//! forge-js` writes it, `runtime build` builds it with Kiln's pinned JS
//! toolchain in the sandbox, `runtime inspect` lists its Forge UI module as
//! not served. Needs Node.js and npm (the first run installs the toolchain
//! into this test's cache, later runs are offline).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Shared by the tests and kept between runs: the JS toolchain and the
/// artifact cache.
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kiln-js-cli-cache")
}

fn runtime(dir: &Path, args: &[&str]) -> Output {
    crate::support::runtime()
        .args(args)
        .current_dir(dir)
        .env("KILN_CACHE_DIR", cache_dir())
        .output()
        .expect("the runtime binary starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn node_available() -> bool {
    let found = Command::new("node").arg("--version").output().is_ok()
        && Command::new("npm").arg("--version").output().is_ok();
    if !found {
        // `.ci/run` installs them and sets this: there a skipped test is a failure.
        assert!(
            std::env::var_os("KILN_REQUIRE_NODE").is_none(),
            "KILN_REQUIRE_NODE is set but Node.js or npm is missing"
        );
        eprintln!("skipped: Node.js and npm are needed to build JavaScript apps");
    }
    found
}

#[test]
fn a_forge_js_app_is_created_built_and_inspected() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let created = runtime(dir.path(), &["new", "demo", "--template", "forge-js"]);
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let app = dir.path().join("demo");
    for file in [
        "package.json",
        "package-lock.json",
        "manifest.yml",
        "src/index.js",
    ] {
        assert!(app.join(file).is_file(), "{file}");
    }

    let built = runtime(dir.path(), &["build", "demo"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let wasm = std::fs::read(app.join("demo.wasm")).unwrap();
    assert_eq!(&wasm[..8], b"\0asm\x0d\x00\x01\x00", "a component");
    // The build wrote nothing into the app folder but the component.
    assert!(!app.join("node_modules").exists());
}

#[test]
fn inspect_lists_forge_ui_modules_as_not_served() {
    if !node_available() {
        return;
    }
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/forge-hello");
    let work = tempfile::tempdir().unwrap();
    let app = work.path().join("forge-hello");
    std::fs::create_dir_all(app.join("src")).unwrap();
    for file in ["package.json", "manifest.yml", "src/index.js"] {
        std::fs::copy(example.join(file), app.join(file)).unwrap();
    }
    let inspected = runtime(work.path(), &["inspect", "forge-hello", "--json"]);
    assert_eq!(inspected.status.code(), Some(0), "{}", stderr(&inspected));
    let report: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(report["notServed"][0]["kind"], "jira:issuePanel");
    assert_eq!(report["notServed"][0]["key"], "hello-panel");
    assert_eq!(report["functions"][0]["handler"], "index.run");
    let imports: Vec<&str> = report["component"]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i.as_str())
        .collect();
    assert!(
        imports.iter().any(|i| i.starts_with("kiln:app/jira@0.5.0")),
        "{imports:?}"
    );
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:http")),
        "{imports:?}"
    );
    // Its code is the vetted engine, which every JS app shares.
    let engine = report["component"]["engine"].as_str().unwrap_or_default();
    assert!(
        engine.starts_with("StarlingMonkey") && engine.contains("kiln:app@0.5.0"),
        "{engine:?}"
    );
}

/// The end-to-end run: `runtime build` builds the example with Kiln's JS
/// toolchain; `runtime run` compiles the 12 MB engine within its compile
/// allowance (CPU time, so a loaded machine does not refuse it) and runs
/// `index.run` on the simulator; running it again loads the compiled
/// artifact from the cache instead of compiling it again.
#[test]
fn the_forge_hello_example_runs_on_the_simulator_then_from_the_cache() {
    if !node_available() {
        return;
    }
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/forge-hello");
    let work = tempfile::tempdir().unwrap();
    let app = work.path().join("forge-hello");
    std::fs::create_dir_all(app.join("src")).unwrap();
    for file in ["package.json", "manifest.yml", "src/index.js"] {
        std::fs::copy(example.join(file), app.join(file)).unwrap();
    }
    let built = runtime(work.path(), &["build", "forge-hello"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));

    let run = || {
        crate::support::runtime()
            .args([
                "run",
                "forge-hello/forge-hello.wasm",
                "-p",
                r#"{"issueKey": "KILN-1"}"#,
            ])
            .current_dir(work.path())
            .env("KILN_CACHE_DIR", cache_dir())
            .env("RUST_LOG", "kiln_runtime::runtime=info")
            .output()
            .expect("the runtime binary starts")
    };
    let loaded_from_cache = |output: &Output| {
        let text = stderr(output);
        if text.contains("component loaded from the artifact cache") {
            true
        } else {
            assert!(text.contains("component compiled"), "{text}");
            false
        }
    };

    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let result: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(result["key"], "KILN-1");
    assert_eq!(result["status"], 200);
    assert!(result["summary"].is_string(), "{result}");
    assert_eq!(result["moduleKey"], "main");
    // Compiled, or loaded if an earlier run of this test cached the same
    // component (the toolchain builds the same bytes from the same app).
    let _ = loaded_from_cache(&first);

    let second = run();
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let again: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(again["key"], "KILN-1");
    assert_eq!(again["summary"], result["summary"]);
    assert!(loaded_from_cache(&second), "{}", stderr(&second));
}

/// A JS app's top-level code and an app's own build (`runtime new`'s template).
fn app_with_top_level_code(dir: &Path, name: &str, top_level: &str) -> PathBuf {
    let created = runtime(dir, &["new", name, "--template", "forge-js"]);
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let app = dir.join(name);
    std::fs::write(
        app.join("src/index.js"),
        format!("{top_level}\nexport const run = async () => ({{}});\n"),
    )
    .unwrap();
    app
}

/// What a JS build prints is the app's text (its top-level code runs while
/// the engine is snapshot, and its errors are quoted): it reaches the
/// terminal escaped, as a guest's output does.
#[test]
fn what_a_js_build_prints_for_the_app_reaches_the_terminal_escaped() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    app_with_top_level_code(
        dir.path(),
        "loud",
        "console.error('kiln-top-level \\u001b]0;owned\\u0007\\u001b[2Jcleared');\n\
         throw new Error('kiln-thrown \\u001b[31mred');",
    );
    // The top level throws at build: the build says so, quoting what the app
    // printed and threw, and builds the app to run it per invocation (lazily).
    let built = runtime(dir.path(), &["build", "loud"]);
    let text = stderr(&built);
    assert_eq!(built.status.code(), Some(0), "{text}");
    assert!(
        text.contains("top-level code failed while Kiln built it"),
        "{text}"
    );
    for escaped in [
        "kiln-top-level \\u{1b}]0;owned\\u{7}\\u{1b}[2Jcleared",
        "kiln-thrown \\u{1b}[31mred",
    ] {
        assert!(text.contains(escaped), "{escaped} in: {text}");
    }
    assert!(!built.stderr.contains(&0x1b), "a raw escape reached stderr");
    // Run, the top level prints and throws again, in the invocation: escaped too.
    let ran = runtime(dir.path(), &["run", "loud", "-p", "{}"]);
    let text = stderr(&ran);
    assert_ne!(ran.status.code(), Some(0), "{text}");
    for escaped in [
        "kiln-top-level \\u{1b}]0;owned\\u{7}\\u{1b}[2Jcleared",
        "kiln-thrown \\u{1b}[31mred",
    ] {
        assert!(text.contains(escaped), "{escaped} in: {text}");
    }
    assert!(!ran.stderr.contains(&0x1b), "a raw escape reached stderr");
    assert!(!ran.stdout.contains(&0x1b), "a raw escape reached stdout");
}

/// A JS build runs the app's top-level code (the wizer snapshots the engine
/// after it), so it runs under the build limits like a Rust build script:
/// top-level code that never ends is killed at the deadline with the whole
/// build.
#[test]
fn top_level_code_that_never_ends_is_stopped_at_the_build_deadline() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_top_level_code(dir.path(), "endless", "while (true) {}");
    let started = std::time::Instant::now();
    let built = crate::support::runtime()
        .args(["build", "endless"])
        .current_dir(dir.path())
        .env("KILN_CACHE_DIR", cache_dir())
        // Well above a normal build of this app on a loaded two-core machine.
        .env("KILN_BUILD_TIMEOUT_SECS", "90")
        .output()
        .expect("the runtime binary starts");
    let text = stderr(&built);
    assert_ne!(built.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ran longer than its limit of 90 s"),
        "the deadline stopped it: {text}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(400),
        "killed, not waited for"
    );
    assert!(!app.join("endless.wasm").exists());
}

/// The build of an app whose top-level code is `code` fails, and its
/// messages hold every one of `said`.
fn build_refuses(name: &str, code: &str, said: &[&str]) {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    app_with_top_level_code(dir.path(), name, code);
    let built = runtime(dir.path(), &["build", name]);
    let text = stderr(&built);
    assert_ne!(built.status.code(), Some(0), "{text}");
    for needle in said {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
}

/// A Node.js module Kiln does not provide (files, sockets, processes) fails
/// the build naming it and what Kiln provides, not with esbuild's advice to
/// bundle for Node.
#[test]
fn a_node_module_kiln_does_not_provide_is_refused_by_name() {
    build_refuses(
        "files",
        "import { connect } from 'node:net';\nconsole.log(connect);",
        &[
            "Node.js's `net` module is not available to a Kiln app: the sandbox has no files, sockets or processes",
            "Kiln provides assert, assert/strict, async_hooks, buffer, cluster, crypto, diagnostics_channel, events, fs, fs/promises, http, https",
        ],
    );
}

/// A Node.js module that needs no system but that Kiln does not provide, and
/// that no installed package stands in for, is refused saying just that.
#[test]
fn a_portable_node_module_with_no_package_installed_is_refused_by_name() {
    build_refuses(
        "trace-events",
        "import { createTracing } from 'trace_events';\nconsole.log(createTracing);",
        &[
            "Node.js's `trace_events` module is not available to a Kiln app: Kiln does not provide it, and no npm package of that name is installed with the app",
            "punycode",
        ],
    );
}

/// Copies the test suite's app `tests/js/NAME` (its manifest, package files
/// and `src/index.js`) into `dir` as the app `as_name`, for `runtime build`.
fn copy_test_app(dir: &Path, name: &str, as_name: &str) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/js")
        .join(name);
    let app = dir.join(as_name);
    std::fs::create_dir_all(app.join("src")).unwrap();
    for file in [
        "package.json",
        "package-lock.json",
        "manifest.yml",
        "src/index.js",
    ] {
        std::fs::copy(fixture.join(file), app.join(file)).unwrap();
    }
    app
}

/// Installed packages that import `fs` for paths the app never takes
/// (`tests/js/node-stand-ins`: mime 1, ejs 3, dotenv 16) build with
/// stand-ins, and the build names each package and module; the app's own
/// import of `fs` gets the app's files, and its own import of `net` is
/// refused, the one refusal reported.
/// What the stand-ins do at run time: tests/tests/forge_node_modules.rs.
#[test]
fn packages_importing_fs_get_stand_ins_and_the_apps_own_fs_reads_its_files() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = copy_test_app(dir.path(), "node-stand-ins", "stand-ins");
    let built = runtime(dir.path(), &["build", "stand-ins"]);
    let text = stderr(&built);
    assert_eq!(built.status.code(), Some(0), "{text}");
    for said in [
        "dotenv needs Node.js modules Kiln refuses; bundling its browser version instead",
        "ejs imports Node.js's `fs`, which a Kiln app cannot have: bundled with a stand-in \
         that throws when used",
        "mime imports Node.js's `fs`, which a Kiln app cannot have",
    ] {
        assert!(text.contains(said), "{said:?} in {text}");
    }

    // The app's own `fs` is the layer's, over the app's files its code names;
    // the packages' stay stand-ins (their own files are not embedded).
    let index = app.join("src/index.js");
    let source = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        format!("import {{ readFileSync }} from 'fs';\nconsole.log(readFileSync('manifest.yml'));\n{source}"),
    )
    .unwrap();
    let built = runtime(dir.path(), &["build", "stand-ins"]);
    let text = stderr(&built);
    assert_eq!(built.status.code(), Some(0), "{text}");
    assert!(
        text.contains("the app reads its own files with fs: embedding the "),
        "{text}"
    );
    assert!(text.contains("manifest.yml"), "{text}");
    assert!(
        text.contains("ejs imports Node.js's `fs`, which a Kiln app cannot have"),
        "{text}"
    );

    // A module no version of which works in the sandbox, imported by the
    // app's own code, stays refused, and that is the only refusal reported.
    std::fs::write(
        &index,
        format!("import {{ connect }} from 'net';\nconsole.log(connect);\n{source}"),
    )
    .unwrap();
    let refused = runtime(dir.path(), &["build", "stand-ins"]);
    let text = stderr(&refused);
    assert_ne!(refused.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "Node.js's `net` module is not available to a Kiln app: the sandbox has no files, sockets or processes"
        ),
        "{text}"
    );
    assert!(text.contains("src/index.js"), "{text}");
    assert!(!text.contains("node_modules/mime"), "{text}");
    assert!(!text.contains("bundled with a stand-in"), "{text}");
}

/// An installed package that imports Node's `http` and has no browser
/// version (follow-redirects 1.16, installed from `tests/js/http-client`'s
/// lockfile) gets Kiln's HTTP client over the layer's `fetch`, not a
/// stand-in, and the build says so. What its requests do at run time:
/// tests/tests/forge_http_client.rs.
#[test]
fn a_package_importing_http_gets_kilns_client_over_fetch() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_test_app(dir.path(), "http-client", "http-client");
    let built = runtime(dir.path(), &["build", "http-client"]);
    let text = stderr(&built);
    assert_eq!(built.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "follow-redirects imports Node.js's `http`, `https`: bundled with Kiln's HTTP client, \
             which sends through fetch to the hosts in permissions.external.fetch.backend"
        ),
        "{text}"
    );
    assert!(!text.contains("stand-in"), "{text}");
}

/// A Forge service Kiln does not provide (`@forge/llm`) fails the build
/// naming the package and what Kiln provides, instead of building and then
/// failing inside a handler ("chat is not a function").
#[test]
fn a_forge_service_kiln_does_not_provide_is_refused_by_name() {
    build_refuses(
        "forge-llm",
        "import { chat } from '@forge/llm';\nconsole.log(chat);",
        &[
            "`@forge/llm` (Forge's LLM service) is not available to a Kiln app",
            "Kiln provides @forge/api, @forge/kvs",
        ],
    );
}

/// A UI Kit app's one `package.json` names its frontend's packages beside `@forge/api`, and
/// has no npm lockfile here: its backend still builds and runs (nothing needs installing),
/// and a backend that imports a UI package is told so by name.
#[test]
fn a_ui_kit_apps_package_json_builds_its_backend_and_refuses_ui_imports() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_top_level_code(dir.path(), "ui-kit", "");
    std::fs::remove_file(app.join("package-lock.json")).unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name":"ui-kit","version":"1.0.0","type":"module","dependencies":{"@forge/api":"^8.3.0","@forge/bridge":"^4.5.0","@forge/react":"^11.0.0","react":"^18.2.0"}}"#,
    )
    .unwrap();
    let ran = runtime(dir.path(), &["run", "ui-kit"]);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));

    std::fs::write(
        app.join("src/index.js"),
        "import { invoke } from '@forge/bridge';
export const run = async () => ({ invoke: typeof invoke });
",
    )
    .unwrap();
    let built = runtime(dir.path(), &["build", "ui-kit"]);
    let text = stderr(&built);
    assert_ne!(built.status.code(), Some(0), "{text}");
    assert!(
        text.contains("`@forge/bridge` runs in a Forge UI (the browser)"),
        "{text}"
    );
}

/// A manifest whose handler names a module the app does not have is told so,
/// naming the module, not with esbuild's "could not resolve" from Kiln's own
/// generated entry.
#[test]
fn a_handler_module_the_app_lacks_is_named() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_top_level_code(dir.path(), "no-module", "");
    std::fs::rename(app.join("src/index.js"), app.join("src/main.js")).unwrap();
    let built = runtime(dir.path(), &["build", "no-module"]);
    let text = stderr(&built);
    assert_ne!(built.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "the manifest names a handler in module `index`, but the app has no src/index"
        ),
        "{text}"
    );
    assert!(!text.contains("kiln-entry"), "{text}");
    // One line of the app's mistake, not Node's uncaught error quoting the
    // toolchain's build.mjs with its stack.
    assert!(!text.contains("build.mjs"), "{text}");
    assert!(!text.contains("    at "), "{text}");
    assert!(!text.contains("Node.js v"), "{text}");
}

/// Runs (builds first) an app named `name` whose `src/index.js` is `source`
/// and whose one function is its `run`: what `run` returned.
fn run_app_source(name: &str, source: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_top_level_code(dir.path(), name, "");
    std::fs::write(app.join("src/index.js"), source).unwrap();
    let ran = runtime(dir.path(), &["run", name]);
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    serde_json::from_slice(&ran.stdout).expect("the handler's JSON")
}

/// JSX in a backend is UI Kit 1's, compiled as Forge's bundler compiles it:
/// with `ForgeUI.createElement` (the default import every UI Kit 1 app
/// makes), in `.js` files too. esbuild's own default, `React.createElement`,
/// failed the build of every UI Kit 1 app ("React is not defined"). Here
/// the app's own `ForgeUI` stands in for `@forge/ui`'s.
#[test]
fn jsx_compiles_with_forge_ui_kit_1s_pragma() {
    if !node_available() {
        return;
    }
    let answer = run_app_source(
        "ui-kit-1",
        "const ForgeUI = {\n  createElement: (type, props, ...children) => ({ type, props, children }),\n  Fragment: 'Fragment',\n};\n\
         const Text = 'Text';\n\
         export const run = async () => <><Text size=\"small\">hello</Text></>;\n",
    );
    assert_eq!(answer["type"], "Fragment", "{answer}");
    assert_eq!(answer["children"][0]["type"], "Text", "{answer}");
    assert_eq!(answer["children"][0]["props"]["size"], "small", "{answer}");
    assert_eq!(answer["children"][0]["children"][0], "hello", "{answer}");
}

/// `node-fetch`, which older Forge apps and their libraries import (Forge's
/// own fetch is node-fetch), is the layer's `api.fetch`: `require` and
/// `import` both get the function, and a host the manifest does not declare
/// is refused by the layer's check, with Forge's error, before anything is
/// sent. (Without the alias the real package would be bundled and fail on
/// Node's `http`.)
#[test]
fn node_fetch_is_the_layers_fetch() {
    if !node_available() {
        return;
    }
    let answer = run_app_source(
        "old-fetch",
        "import fetch, { Headers } from 'node-fetch';\n\
         const required = require('node-fetch');\n\
         export const run = async () => {\n\
           const error = await fetch('https://api.example.com/x').catch((e) => e);\n\
           return { same: required === fetch && required.default === fetch, headers: typeof Headers, name: error.name, message: error.message };\n\
         };\n",
    );
    assert_eq!(answer["same"], true, "{answer}");
    assert_eq!(answer["headers"], "function", "{answer}");
    assert_eq!(answer["name"], "REQUEST_EGRESS_ALLOWLIST_ERR", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("permissions.external.fetch.backend")),
        "{answer}"
    );
}

/// `runtime build` of the app `name` in `dir` with `first` first on `PATH`.
fn build_with_path_first(dir: &Path, name: &str, first: &Path) -> Output {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path =
        std::env::join_paths(std::iter::once(first.to_owned()).chain(std::env::split_paths(&path)))
            .unwrap();
    crate::support::runtime()
        .args(["build", name])
        .current_dir(dir)
        .env("KILN_CACHE_DIR", cache_dir())
        .env("PATH", path)
        .output()
        .expect("the runtime binary starts")
}

/// Node.js where a version manager or a tarball puts it (`~/.nvm/versions/…/bin/node`),
/// outside the system folders the build sandbox mounts, builds: that one file is mounted
/// read-only, not its folder. A shim script in its place (asdf's, volta's) is refused with
/// a message that says what to do, before anything runs.
#[test]
fn node_outside_the_system_folders_builds_and_a_shim_is_refused() {
    if !node_available() {
        return;
    }
    let system_node = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .expect("node on PATH")
        .canonicalize()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A private copy, where nvm leaves one.
    let manager = dir.path().join("versions/node/v-test/bin");
    std::fs::create_dir_all(&manager).unwrap();
    std::fs::copy(&system_node, manager.join("node")).unwrap();
    app_with_top_level_code(dir.path(), "managed", "");
    let built = build_with_path_first(dir.path(), "managed", &manager);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    assert!(dir.path().join("managed/managed.wasm").is_file());

    let shims = dir.path().join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    let shim = shims.join("node");
    std::fs::write(
        &shim,
        format!("#!/bin/sh\nexec {} \"$@\"\n", system_node.display()),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    app_with_top_level_code(dir.path(), "shimmed", "");
    let refused = build_with_path_first(dir.path(), "shimmed", &shims);
    let text = stderr(&refused);
    assert_ne!(refused.status.code(), Some(0), "{text}");
    assert!(
        text.contains("not a Node.js executable") && text.contains("shim"),
        "{text}"
    );
    assert!(!dir.path().join("shimmed/shimmed.wasm").exists());
}

/// A Forge app's own custom field through `runtime run`, as GrowthBook for
/// Jira writes it: the run creates the manifest's `jira:customField` on its
/// embedded simulator (saying its id), and the app finds it in `GET /field`
/// by its extension ARI, writes an object to it with `POST
/// /rest/api/2/app/field/value` as itself (with the string issue id Forge's
/// context gives) and reads it back on the issue.
#[test]
fn a_forge_apps_own_custom_field_is_written_through_runtime_run() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_top_level_code(dir.path(), "fields", "");
    std::fs::write(
        app.join("manifest.yml"),
        "app:\n  id: ari:cloud:ecosystem::app/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n  \
         runtime:\n    name: nodejs22.x\nmodules:\n  function:\n    - key: main\n      \
         handler: index.run\n  jira:customField:\n    - key: growthbook-experiment\n      \
         name: GrowthBook Experiment\n      type: object\n      readOnly: true\n      \
         view:\n        resource: main\nresources:\n  - key: main\n    path: static\n\
         permissions:\n  scopes:\n    - read:jira-work\n    - write:app-data:jira\n",
    )
    .unwrap();
    std::fs::write(
        app.join("src/index.js"),
        r#"import api, { route } from '@forge/api';

export async function run({ issueKey }) {
  const read = async (path) => (await api.asApp().requestJira(path)).json();
  const issue = await read(route`/rest/api/3/issue/${issueKey}?fields=summary`);
  const fields = await read(route`/rest/api/3/field`);
  const field = fields.find((f) => f.schema?.custom?.endsWith('/static/growthbook-experiment'));
  const write = await api.asApp().requestJira(route`/rest/api/2/app/field/value`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({
      updates: [{
        customField: field.id,
        issueIds: [issue.id],
        value: { objectType: 'experiment', objectId: 'exp_1', objectName: 'Checkout' },
      }],
    }),
  });
  const after = await read(route`/rest/api/3/issue/${issueKey}?fields=${field.id}`);
  return { id: field.id, custom: field.schema.custom, status: write.status, value: after.fields[field.id] };
}
"#,
    )
    .unwrap();
    let built = runtime(dir.path(), &["build", "fields"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let ran = runtime(
        dir.path(),
        &["run", "fields", "-p", r#"{"issueKey": "KILN-1"}"#],
    );
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    let result: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(result["status"], 204, "{result}");
    assert_eq!(
        result["custom"],
        "ari:cloud:ecosystem::extension/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/development/static/growthbook-experiment"
    );
    assert_eq!(
        result["value"],
        serde_json::json!({ "objectType": "experiment", "objectId": "exp_1", "objectName": "Checkout" })
    );
    let id = result["id"].as_str().expect("the field's id");
    let said = stderr(&ran);
    assert!(
        said.contains(&format!(
            "custom field growthbook-experiment (GrowthBook Experiment): {id}"
        )),
        "{said}"
    );
}

/// Forge's `jira:entityProperty`: `runtime run` indexes the app's issue
/// property paths on the embedded simulator, so the app finds the issue
/// whose property it set by path and by alias, and an unindexed path is
/// Jira's unknown field.
#[test]
fn a_forge_apps_entity_property_index_is_searched_through_runtime_run() {
    if !node_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_top_level_code(dir.path(), "indexes", "");
    std::fs::write(
        app.join("manifest.yml"),
        "app:\n  id: ari:cloud:ecosystem::app/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n  \
         runtime:\n    name: nodejs22.x\nmodules:\n  function:\n    - key: main\n      \
         handler: index.run\n  jira:entityProperty:\n    - key: stats-index\n      \
         propertyKey: stats\n      values:\n        - path: comments.count\n          \
         type: number\n          searchAlias: commentCount\npermissions:\n  scopes:\n    \
         - read:jira-work\n    - write:jira-work\n",
    )
    .unwrap();
    std::fs::write(
        app.join("src/index.js"),
        r#"import api, { route } from '@forge/api';

export async function run({ issueKey }) {
  const put = await api.asApp().requestJira(route`/rest/api/3/issue/${issueKey}/properties/stats`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ comments: { count: 5 } }),
  });
  const search = async (jql) => {
    const response = await api.asApp().requestJira(route`/rest/api/3/search/jql?jql=${jql}&fields=key`);
    const body = await response.json();
    return response.ok ? body.issues.map((i) => i.key) : { status: response.status, errors: body.errorMessages };
  };
  return {
    put: put.status,
    byPath: await search('issue.property[stats].comments.count > 3'),
    byAlias: await search('commentCount = 5'),
    unindexed: await search('issue.property[stats].other = 1'),
  };
}
"#,
    )
    .unwrap();
    let built = runtime(dir.path(), &["build", "indexes"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let ran = runtime(
        dir.path(),
        &["run", "indexes", "-p", r#"{"issueKey": "KILN-1"}"#],
    );
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    let result: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(result["put"], 201, "{result}");
    assert_eq!(result["byPath"], serde_json::json!(["KILN-1"]), "{result}");
    assert_eq!(result["byAlias"], serde_json::json!(["KILN-1"]), "{result}");
    assert_eq!(
        result["unindexed"],
        serde_json::json!({
            "status": 400,
            "errors": ["Field 'issue.property[stats].other' does not exist or you do not have permission to view it."],
        }),
        "{result}"
    );
    let said = stderr(&ran);
    assert!(
        said.contains(
            "entity property index stats-index: issue.property[stats], 1 value(s) searchable by JQL"
        ),
        "{said}"
    );
}
