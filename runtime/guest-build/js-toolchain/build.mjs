// Builds one JavaScript/TypeScript Kiln app into a component exporting
// `kiln:app/handler@0.5.0`. Run by `kiln_guest_build::js` inside the build
// sandbox (no network, the app folder read-only, one writable output
// directory and the app's own wizer compile cache), with the tools of this
// folder's package-lock.json.
//
//   node build.mjs <request.json>
//
// The request names the app folder, the handler modules the manifest refers
// to, the installed app dependencies, the WIT and the Forge layer, and where
// to write. Two steps:
//
// 1. esbuild bundles a generated entry into one ES module: the entry imports
//    every handler module (`handler: index.run` -> `src/index` export `run`)
//    and exports Kiln's `handler` interface through the Forge layer's
//    dispatcher. `@forge/api`, `@forge/kvs`, `@forge/resolver` and
//    `@forge/events` resolve to
//    Kiln's Forge layer, never to the npm packages (which call Atlassian's
//    cloud through a runtime Kiln does not provide); `@forge/events` to the
//    layer of the major version the app installed (1.x or 2.x/3.x).
//    `@forge/sql` is bundled from npm unchanged: its `@forge/api` import is
//    the layer too, whose `__fetchProduct` reaches the host's `sql`.
//    Module names in the bundle are then made independent of the folders
//    (see stableName), so the same app builds into the same bytes anywhere.
// 2. componentize-js splices the bundle into StarlingMonkey against Kiln's
//    world and snapshots it with Kiln's wizer (the request's `wizer`, see
//    runtime/guest-build/src/wizer.rs). WASI features: `clocks` and `random` stay (without them Date.now()
//    is frozen at build time and Math.random() repeats across invocations);
//    `stdio` stays (console.* output before the first invocation goes to the
//    build log, and Kiln captures stdout/stderr into the capped app log);
//    `http` (the engine's `fetch` over wasi:http/outgoing-handler) only for
//    an app whose manifest declares `permissions.external.fetch.backend`
//    (the request's `fetchBackends`): Kiln links wasi:http only for such an
//    app, so any other keeps a component that imports none. `fetch-event`
//    (an incoming-handler export) is always disabled: Kiln calls `handle`.
//
// The world is Kiln's `app` plus one WASI import, `wasi:cli/environment`:
// StarlingMonkey does not expose the environment to JavaScript, and the
// Forge layer builds `process.env` (config variables, web trigger URLs) from
// it. `kiln:app@0.5.0` is frozen, so the addition lives in a build-only
// world (`kiln:forge-js/app`) that includes it unchanged; the host links
// `wasi:cli/environment` for every guest and fills it with the app's own
// variables only (runtime/src/guest_env.rs).

import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collationFor, declaredLocales, intlFor, intlDataPlugin } from './intl.mjs';
import { mayNeedRewrite, rewriteRegexes, runtimePrelude } from './regex.mjs';
import { LOADERS, appFilesPlugin } from './app_files.mjs';
import { collectMissingExports, missingExportsPlugin, missingExportsWarnings } from './missing_exports.mjs';

import { build, formatMessages, transform } from 'esbuild';
import { componentize } from '@bytecodealliance/componentize-js';

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs'];

const request = JSON.parse(await readFile(process.argv[2], 'utf8'));
const { appDir, handlerModules, nodePaths, witDir, forgeDir, outDir } = request;
const fetchBackends = Array.isArray(request.fetchBackends) ? request.fetchBackends.map(String) : [];
const http = fetchBackends.length > 0;
// The manifest's custom entities (`app.storage.entities`), validated by Kiln.
const entities = Array.isArray(request.entities) ? request.entities : [];
// The manifest's queue consumers (`modules.consumer`), validated by Kiln:
// the layer needs a resolver-style consumer's method (handler.js).
const consumers = Array.isArray(request.consumers) ? request.consumers : [];
// The manifest's app id and scopes, for `getAppContext()` and `permissions`.
const appId = String(request.appId ?? '');
const scopes = Array.isArray(request.scopes) ? request.scopes.map(String) : [];
// `app.licensing.enabled` (js.rs): the layer's `context.license`.
const licensed = request.licensed === true;
// `app.runtime.name` and `architecture` as the manifest writes them (js.rs):
// the layer's `process.version` and `process.arch` (node/process.js).
const nodeRuntime = typeof request.nodeRuntime === 'string' ? request.nodeRuntime : undefined;
const architecture = typeof request.architecture === 'string' ? request.architecture : undefined;
const disabledFeatures = http ? ['fetch-event'] : ['http', 'fetch-event'];

/** `index` or `resolvers/board` -> an import path inside the app's src/. */
function modulePath(module) {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*(\/[A-Za-z0-9_][A-Za-z0-9_-]*)*$/.test(module)) {
    throw new Error(`handler module \`${module}\` is not a plain path under src/`);
  }
  const path = resolve(appDir, 'src', module);
  // Said here, naming the manifest's handler, rather than as esbuild's
  // "could not resolve" from Kiln's own generated entry module.
  const candidates = SOURCE_EXTENSIONS.map((ext) => `${path}${ext}`).concat(
    SOURCE_EXTENSIONS.map((ext) => join(path, `index${ext}`)),
  );
  if (!candidates.some((file) => existsSync(file))) {
    throw new Error(
      `the manifest names a handler in module \`${module}\`, but the app has no src/${module}` +
        ` (${SOURCE_EXTENSIONS.join(', ')}) nor src/${module}/index.*: check the functions' \`handler:\` entries`,
    );
  }
  return path;
}

const forgeSrc = (file) => JSON.stringify(join(forgeDir, 'src', file));
// The toolchain's own packages (this folder's package-lock.json).
const toolchainModules = resolve(forgeDir, '..', 'node_modules');

// Node's modules an app or its dependencies may import (`crypto` or
// `node:crypto`), each mapped to the Forge layer's version of it
// (forge-api/src/node/). Any other Node module is refused with a message
// saying why, instead of esbuild's advice to bundle for Node.
const NODE_MODULES = {
  assert: 'assert.cjs',
  'assert/strict': 'assert_strict.cjs',
  async_hooks: 'async_hooks.js',
  buffer: 'buffer.js',
  cluster: 'cluster.js',
  crypto: 'crypto.js',
  diagnostics_channel: 'diagnostics_channel.js',
  events: 'events.cjs',
  os: 'os.js',
  path: 'path.js',
  'path/posix': 'path.js',
  perf_hooks: 'perf_hooks.js',
  process: 'process.js',
  punycode: 'punycode.js',
  querystring: 'querystring.js',
  stream: 'stream.cjs',
  'stream/promises': 'stream_promises.js',
  'stream/web': 'stream_web.js',
  string_decoder: 'string_decoder.js',
  timers: 'timers.js',
  'timers/promises': 'timers_promises.js',
  tty: 'tty.js',
  url: 'url.js',
  util: 'util.js',
  zlib: 'zlib.js',
};
// Async context (`async_hooks`: AsyncLocalStorage, AsyncResource). Node
// carries a context through every `await` with its engine's promise hooks;
// this engine has none, and its native `await` resumes a function without
// calling JavaScript's `then`. So a bundle that bundles the layer's
// async_hooks.js (known from the first bundle's inputs) is bundled again with
// async functions, async generators and `for await` lowered by esbuild into
// generators driven by `then`, the way zone.js asks for: every `await` is
// then a `then` call, which async_context.js makes run its callback in the
// context of the call, as it does for microtasks, timers and ticks. Only
// such a bundle pays for it (a larger bundle, a generator per async call);
// every other app keeps its bytes. The entry's top-level `await` (the
// warm-ups, while the snapshot is taken, before any context exists) stays
// native: esbuild refuses top-level `await` once async functions are
// lowered, so such an entry names TOP_LEVEL_AWAIT in its place, and the
// bundle gets the `await` back before it is componentized.
const ASYNC_CONTEXT_LOWERING = { 'async-await': false, 'async-generator': false, 'for-await': false };
const TOP_LEVEL_AWAIT = '__kilnTopLevelAwait';
// Modules such a bundle gets in another version: process.js's `nextTick`
// export through the process's own, which carries the context.
const ASYNC_CONTEXT_MODULES = { process: 'process_async_context.js' };
const asyncHooksPath = join(forgeDir, 'src', 'node', NODE_MODULES.async_hooks);
// Whether the bundle carries async context: decided by the first bundle.
let asyncContext = false;

// Node's HTTP clients, over the layer's `fetch` (so through the manifest's
// `fetch.backend` and Kiln's egress door): the app's own code gets them, and
// so does an installed package, but only once its browser version has been
// tried (below). A browser version sends with `fetch` itself, natively, in
// the shape its authors tested (axios 1.7's fetch adapter), where the Node
// version would go through this emulation of `http` over `fetch`, and so
// an app that built before keeps the bundle it had.
const HTTP_CLIENTS = {
  http: 'http.js',
  https: 'https.js',
};
// Node's `fs` for the app's own code: the files of the app's folder its code
// names, read-only, and a writable `/tmp`, in memory (app_files.mjs,
// forge-api/src/node/fs_volume.js). Not for installed packages: their own
// files are not embedded, so they keep their browser version or a stand-in.
const APP_FILE_MODULES = {
  fs: 'fs.js',
  'fs/promises': 'fs_promises.js',
};
// Node's modules whose purpose is a file, a socket, a process or the machine:
// no version of them can work in the sandbox, which grants none of these.
const NEEDS_THE_SYSTEM = new Set([
  'child_process',
  'dgram',
  'dns',
  'dns/promises',
  'fs',
  'fs/promises',
  'http2',
  'inspector',
  'module',
  'net',
  'readline',
  'repl',
  'tls',
  'v8',
  'vm',
  'worker_threads',
]);
// The installed packages (their folders) whose own files imported a Node
// module refused below: the second bundle tries their browser versions.
const refusedIn = new Set();
// Every refusal of the last bundle: the module and the installed package
// that imported it (null: the app's own code). Cleared by `bundleWith`.
const refusals = [];

// Stand-ins. A package that imports `fs` (or `http`, `net`, …) only
// for a path the app never takes (mime 1's `load(file)` beside `lookup`,
// ejs's file includes beside `render`) would fail the whole build, although
// the import never runs. When nothing else builds the app (no browser
// version, above), the last bundle gives the packages still refused a stand-in (forge-api/src/node/unavailable.cjs)
// whose every use throws an error naming the module and the member, and the
// build says which packages got one. The app's own imports of such modules
// are never stood in for: its code is what the author can change, and a
// build error says so at once rather than at the first call.
const STAND_IN = 'kiln-node-stand-in';
let standIns = false;
// Package name -> the Node modules it was given stand-ins for.
const stoodIn = new Map();
// Package name -> the HTTP clients (`http`, `https`) it was given in the last round.
const overFetch = new Map();

/** Records in `byPackage` (stoodIn, overFetch) that the installed package `importer` was given `module`. */
async function recordFor(byPackage, importer, module) {
  const packageName = (await packageJson(importer))?.name ?? basename(importer);
  if (!byPackage.has(packageName)) byPackage.set(packageName, new Set());
  byPackage.get(packageName).add(module);
}

/** Each package of `byPackage` (sorted) and its modules as `\`name\``, sorted: what the build says. */
function byPackageSorted(byPackage) {
  return [...byPackage]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([packageName, modules]) => [packageName, [...modules].sort().map((module) => `\`${module}\``)]);
}

const nodeModules = {
  name: 'kiln-node-modules',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_0-9]+(\/[a-z_0-9]+)?$/ }, async (args) => {
      if (args.pluginData?.kilnPackageOfThatName) {
        return undefined; // the lookup below, resolved as usual
      }
      const name = args.path.replace(/^node:/, '');
      if (!args.path.startsWith('node:') && !builtinModules.includes(name)) {
        return undefined; // a package of that name, resolved as usual
      }
      if (asyncContext && Object.hasOwn(ASYNC_CONTEXT_MODULES, name)) {
        return { path: join(forgeDir, 'src', 'node', ASYNC_CONTEXT_MODULES[name]) };
      }
      if (Object.hasOwn(NODE_MODULES, name)) {
        return { path: join(forgeDir, 'src', 'node', NODE_MODULES[name]) };
      }
      // The installed package importing it; null for the app's own code.
      const importer = installedPackageOf(args.importer);
      if (Object.hasOwn(HTTP_CLIENTS, name)) {
        if (importer === null || standIns) {
          if (importer !== null) await recordFor(overFetch, importer, name);
          return { path: join(forgeDir, 'src', 'node', HTTP_CLIENTS[name]) };
        }
      }
      if (Object.hasOwn(APP_FILE_MODULES, name) && importer === null) {
        return { path: join(forgeDir, 'src', 'node', APP_FILE_MODULES[name]) };
      }
      // `constants`, `sys`…: the npm
      // packages of those names are their portable versions (the ones
      // browserify ships), and a dependency that needs one installs it.
      // One installed with the app is used, as a bundler for the browser
      // does; `node:`-prefixed names mean Node's own and are not.
      if (!args.path.startsWith('node:')) {
        const installed = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { kilnPackageOfThatName: true },
        });
        if (installed.errors.length === 0 && installed.path !== '' && !installed.external) {
          return { path: installed.path, namespace: installed.namespace };
        }
      }
      if (standIns && importer !== null) {
        await recordFor(stoodIn, importer, name);
        return { path: name, namespace: STAND_IN };
      }
      if (importer !== null) refusedIn.add(importer);
      refusals.push({ name, importer });
      const why = Object.hasOwn(APP_FILE_MODULES, name)
        ? "an installed package's files are not in the sandbox (the app's own code gets the app's files)"
        : NEEDS_THE_SYSTEM.has(name)
        ? 'the sandbox has no files, sockets or processes'
        : 'Kiln does not provide it, and no npm package of that name is installed with the app';
      return {
        errors: [
          {
            text: `Node.js's \`${name}\` module is not available to a Kiln app: ${why}. Kiln provides ${[...Object.keys(NODE_MODULES), ...Object.keys(HTTP_CLIENTS), ...Object.keys(APP_FILE_MODULES)].sort().join(', ')} (see docs/porting-forge-apps.md, "Node.js modules")`,
          },
        ],
      };
    });
    // CommonJS, so that `require('fs').readFileSync` and an ES named import
    // (through esbuild's interop, which keeps the prototype) both find members.
    build.onLoad({ filter: /.*/, namespace: STAND_IN }, (args) => ({
      contents: `module.exports = require('./unavailable.cjs').unavailableModule(${JSON.stringify(args.path)});`,
      resolveDir: join(forgeDir, 'src', 'node'),
      loader: 'js',
    }));
  },
};

// A package's browser version. Many npm packages name, in package.json's
// `browser` field, the files a bundler for the browser uses in place of
// their Node ones (`"./lib/adapters/http.js": "./lib/helpers/null.js"` in
// axios: its browser build sends with `fetch`), the modules it leaves out
// (`"fs": false`), or another entry file (`"browser": "./dist/web.js"`).
// StarlingMonkey is closer to a browser's worker than to Node: it has
// `fetch`, no sockets and no files. So when a package's Node version needs a
// module Kiln refuses, the build is tried again with that package's browser
// version, and only that package's: apps that build as they are keep the
// bytes they had.

/** The folder of the installed package holding `file`, or null (the app's own code, Kiln's layer). */
function installedPackageOf(file) {
  if (typeof file !== 'string' || file === '' || !isAbsolute(file)) return null;
  if (!nodePaths.some((dir) => !relative(dir, file).startsWith('..'))) return null;
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    if (basename(dirname(dir)) === 'node_modules' || basename(dirname(dirname(dir))) === 'node_modules' && basename(dirname(dir)).startsWith('@')) {
      return existsSync(join(dir, 'package.json')) ? dir : null;
    }
    dir = dirname(dir);
  }
  return null;
}

// Which installed packages import which packages, by name, as the first
// bundle resolves them: a refused module is often reached through packages
// that have a browser version although the one importing the module has
// none. The AWS SDK's clients: `@smithy/node-http-handler` imports `http`
// and has no browser version; the client's own `browser` map swaps the file
// that imports it (`runtimeConfig`) for one that uses `fetch`. So the retry
// takes the browser versions of the refusing packages' importers too, up to
// the app's own code.
const importersOf = new Map();

/** `@scope/name` or `name` of a bare module path (`@scope/name/sub`, `name/sub`). */
function packageNameOf(path) {
  const parts = path.split('/');
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const importGraph = {
  name: 'kiln-import-graph',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const importer = installedPackageOf(args.importer);
      if (importer !== null) {
        const name = packageNameOf(args.path);
        if (!importersOf.has(name)) importersOf.set(name, new Set());
        importersOf.get(name).add(importer);
      }
      return undefined; // recorded only; resolved by the plugins after this one
    });
  },
};

/** `roots` and every installed package that imports one of them, transitively. */
async function withImporters(roots) {
  const all = new Set(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    const name = (await packageJson(queue.pop()))?.name;
    for (const importer of importersOf.get(name) ?? []) {
      if (!all.has(importer)) {
        all.add(importer);
        queue.push(importer);
      }
    }
  }
  return all;
}

const packageJsons = new Map();
/** The parsed package.json of the package in `dir` (null when unreadable). */
async function packageJson(dir) {
  if (!packageJsons.has(dir)) {
    packageJsons.set(
      dir,
      await readFile(join(dir, 'package.json'), 'utf8').then(JSON.parse).catch(() => null),
    );
  }
  return packageJsons.get(dir);
}

/** `./a/b.js` for `root/a/b.js`. */
function packageRelative(root, file) {
  return `./${relative(root, file).split(sep).join('/')}`;
}

/** What `browser` (an object) says of `key`: a path, false, or undefined (nothing). */
function browserEntry(browser, key) {
  const keys = [key];
  if (key.startsWith('./')) {
    keys.push(key.replace(/\.(c|m)?js$/, ''), key.replace(/\/index\.(c|m)?js$/, ''));
  }
  for (const k of keys) {
    if (Object.hasOwn(browser, k)) return browser[k];
  }
  return undefined;
}

const EMPTY = 'kiln-browser-empty';

/** The browser versions of the packages in `roots` (their folders). */
function browserVersions(roots) {
  const inRoots = (file) => roots.find((root) => !relative(root, file).startsWith('..')) ?? null;
  return {
    name: 'kiln-browser-versions',
    setup(build) {
      // A path the `browser` field of the package in `root` names, found as
      // an import of it from the package's folder is: the field's values are
      // module paths, which the spec and bundlers resolve with extensions and
      // a folder's `index` (@smithy/util-stream maps `./dist-es/headStream`
      // to `./dist-es/headStream.browser`, the file being
      // `headStream.browser.js`). Relative to the package even without `./`,
      // as it was read before.
      const resolveInPackage = async (root, entry, args) => {
        const path = entry.startsWith('./') || entry.startsWith('../') ? entry : `./${entry}`;
        const found = await build.resolve(path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: root,
          pluginData: { kilnBrowserLookup: true },
        });
        if (found.errors.length > 0 || found.path === '') {
          const name = (await packageJson(root))?.name ?? basename(root);
          return {
            errors: [
              {
                text: `${name}'s package.json \`browser\` field names ${JSON.stringify(entry)}, which is no file of the package (nor with ${SOURCE_EXTENSIONS.join(', ')} or /index)`,
              },
            ],
          };
        }
        return { path: found.path, namespace: found.namespace, sideEffects: found.sideEffects };
      };
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.kilnBrowserLookup || args.namespace === EMPTY) return undefined;
        // A module name the importing package's `browser` field replaces.
        const importerRoot = args.importer ? inRoots(args.importer) : null;
        if (importerRoot !== null && !args.path.startsWith('.') && !isAbsolute(args.path)) {
          const browser = (await packageJson(importerRoot))?.browser;
          if (browser !== null && typeof browser === 'object') {
            const entry = browserEntry(browser, args.path);
            if (entry === false) return { path: `${args.path}`, namespace: EMPTY };
            if (typeof entry === 'string' && entry !== args.path) {
              return build.resolve(entry, {
                kind: args.kind,
                importer: args.importer,
                resolveDir: entry.startsWith('.') ? importerRoot : args.resolveDir,
              });
            }
          }
        }
        // Node's own module names are the plugin below's.
        const bare = args.path.replace(/^node:/, '');
        if (args.path.startsWith('node:') || builtinModules.includes(bare)) return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { kilnBrowserLookup: true },
        });
        if (found.errors.length > 0 || found.external || found.path === '') return undefined;
        const root = inRoots(found.path);
        if (root === null) return undefined;
        const pkg = await packageJson(root);
        const browser = pkg?.browser;
        // The package's own entry, for a bare import of it.
        if (typeof browser === 'string' && pkg?.name === args.path) {
          return resolveInPackage(root, browser, args);
        }
        if (browser === null || typeof browser !== 'object') return undefined;
        const own = packageRelative(root, found.path);
        const entry = browserEntry(browser, own);
        // Named by the package, not the folder: the bundle's bytes name no host path.
        if (entry === false) return { path: `${pkg?.name ?? basename(root)}/${own.slice(2)}`, namespace: EMPTY };
        if (typeof entry === 'string') return resolveInPackage(root, entry, args);
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: EMPTY }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      // The browser version of a package was written for a browser bundler's
      // `process` (webpack's `process/browser`: no `versions.node`), and many
      // take the Node path when they see Node: iconv-lite 0.4 then calls the
      // stream support its browser map replaced by an empty module, and the
      // build fails. Its files see a `process` that says "browser" (the
      // layer's, node/process.js `browserProcess`: the same `env`,
      // `nextTick`, …, with `versions` empty and `browser` true); every other
      // file sees Node's. A file that declares its own `process` is left as
      // it is.
      build.onLoad({ filter: /\.(?:c|m)?js$/ }, async (args) => {
        if (args.namespace !== 'file' || inRoots(args.path) === null) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!/\bprocess\b/.test(source) || OWN_PROCESS.test(source)) return undefined;
        // After a `#!` line and the directives (`'use strict'` must stay
        // first to count), on the same line: line numbers stay the file's.
        const [prologue] = /^(?:#![^\n]*\n)?(?:\s*(?:'use strict'|"use strict")\s*;?)*/.exec(source);
        const shim = "var process = globalThis[Symbol.for('kiln.browser-process')] || globalThis.process;";
        return {
          contents: `${prologue}${shim}${source.slice(prologue.length)}`,
          loader: args.path.endsWith('.js') ? 'jsx' : 'js',
        };
      });
    },
  };
}

// A file that names its own `process` (a declaration, or an import of that name).
const OWN_PROCESS =
  /\b(?:var|let|const|function|class)\s+process\b|\bimport\s+(?:\*\s+as\s+)?process\b|\bimport\s*\{[^}]*\bprocess\b[^}]*\}/;

// Forge's packages for services Kiln does not provide. Bundled from npm, each
// would reach for Forge's runtime only when called, deep in a handler, and
// fail there with something like "executeRaw is not a function"; the build
// names the package and says why instead. Forge's UI packages are not here:
// an app's frontend is not bundled (Kiln serves no UI). `@forge/sql` is not
// here either: the real package is bundled unchanged, and its one way out,
// `@forge/api`'s `__fetchProduct`, is the layer's, which sends its statements
// to the host's `sql` interface (forge_sql.js).
const FORGE_SERVICES_NOT_PROVIDED = {
  '@forge/llm': "Forge's LLM service",
  '@forge/realtime': 'Forge Realtime',
};

// Forge's UI packages the app names but Kiln did not install (js_provided.rs):
// they run in the browser, and Kiln builds only the backend. A backend that
// imports one is told so by name.
const uiPackages = new Set(Array.isArray(request.uiPackages) ? request.uiPackages.map(String) : []);

const forgeUi = {
  name: 'kiln-forge-ui',
  setup(build) {
    build.onResolve({ filter: /^(@forge\/(bridge|jira-bridge|react)|react|react-dom)(\/.*)?$/ }, (args) => {
      const name = args.path.match(/^(@forge\/[a-z-]+|react-dom|react)/)[0];
      if (!uiPackages.has(name)) {
        return undefined; // installed with the app's other dependencies, or not named at all
      }
      return {
        errors: [
          {
            text: `\`${name}\` runs in a Forge UI (the browser): a backend function cannot import it, and Kiln builds only an app's backend (it serves no UI). Keep UI code out of the modules the manifest's functions name (see docs/porting-forge-apps.md)`,
          },
        ],
      };
    });
  },
};

const forgeServices = {
  name: 'kiln-forge-services',
  setup(build) {
    build.onResolve({ filter: /^@forge\/[a-z0-9-]+(\/.*)?$/ }, (args) => {
      const name = args.path.match(/^@forge\/[a-z0-9-]+/)[0];
      if (!Object.hasOwn(FORGE_SERVICES_NOT_PROVIDED, name)) {
        return undefined; // the Forge layer (the aliases below) or a package as usual
      }
      return {
        errors: [
          {
            text: `\`${name}\` (${FORGE_SERVICES_NOT_PROVIDED[name]}) is not available to a Kiln app: Kiln has no such service. Kiln provides @forge/api, @forge/kvs, @forge/resolver and @forge/events, and runs @forge/sql (see docs/porting-forge-apps.md, "Not supported yet")`,
          },
        ],
      };
    });
  },
};

// Which `@forge/events` API the app was written for: the major version it
// installed. 2.x and 3.x (`push({ body })`, consumers given an AsyncEvent)
// are forge_events.js; 1.x and older (`push(payload, settings)` resolving to
// the job id, resolver consumers given the payload) are forge_events_v1.js,
// over the same host, and the consumer side unwraps events into 1.x's
// shape (handler.js). An app that installed none gets the current API. When
// Kiln installed nothing because the app needs only what it provides
// (js_provided.rs), the major version comes from the app's lockfile or
// package.json instead (`forgeEventsMajor`).
let eventsApi = 3;
if (Number.isInteger(request.forgeEventsMajor) && request.forgeEventsMajor < 2) {
  eventsApi = 1;
}
for (const dir of nodePaths) {
  let installed;
  try {
    installed = JSON.parse(await readFile(join(dir, '@forge', 'events', 'package.json'), 'utf8')).version;
  } catch {
    continue;
  }
  const major = Number.parseInt(String(installed), 10);
  if (Number.isInteger(major) && major < 2) {
    eventsApi = 1;
  }
}
const forgeEvents = eventsApi === 1 ? 'forge_events_v1.js' : 'forge_events.js';

// The build-only world: Kiln's world unchanged, plus the environment.
const WASI_CLI_ENVIRONMENT = `package wasi:cli@0.2.12;

interface environment {
  get-environment: func() -> list<tuple<string, string>>;
  get-arguments: func() -> list<string>;
  initial-cwd: func() -> option<string>;
}
`;
const FORGE_JS_WORLD = `package kiln:forge-js;

world app {
  include kiln:app/app@0.5.0;
  import wasi:cli/environment@0.2.12;
}
`;
const worldDir = join(outDir, 'wit');
await mkdir(join(worldDir, 'deps', 'kiln-app'), { recursive: true });
await mkdir(join(worldDir, 'deps', 'wasi-cli'), { recursive: true });
await writeFile(join(worldDir, 'deps', 'kiln-app', 'kiln.wit'), await readFile(join(witDir, 'kiln.wit')));
await writeFile(join(worldDir, 'deps', 'wasi-cli', 'environment.wit'), WASI_CLI_ENVIRONMENT);
await writeFile(join(worldDir, 'forge-js.wit'), FORGE_JS_WORLD);

// Imported first, so the host and the globals are in place before any app
// module's top-level code runs (ES modules evaluate in import order).
const setup = `import * as jira from 'kiln:app/jira@0.5.0';
import * as log from 'kiln:app/log@0.5.0';
import * as storage from 'kiln:app/storage@0.5.0';
import * as events from 'kiln:app/events@0.5.0';
import * as sql from 'kiln:app/sql@0.5.0';
import * as environment from 'wasi:cli/environment@0.2.12';
import { installHost } from ${forgeSrc('host.js')};
import { installGlobals, installConsumers } from ${forgeSrc('handler.js')};
import { installFetch } from ${forgeSrc('fetch.js')};
import { installEntities } from ${forgeSrc('entity.js')};
import { installApp } from ${forgeSrc('app_runtime.js')};
import { warmEngine } from ${forgeSrc('warm.js')};
installHost({ jira, log, storage, events, sql, environment });
installEntities(${JSON.stringify(entities)});
installApp(${JSON.stringify({ id: appId, scopes, licensed })});
installConsumers(${JSON.stringify(consumers)}, ${JSON.stringify({ eventsApi })});
installGlobals(${JSON.stringify({ runtime: nodeRuntime, architecture })});
installFetch(${http ? 'globalThis.fetch' : 'null'}, ${JSON.stringify(fetchBackends)});
// Last: the engine's lazily made state into the snapshot (warm.js); the log
// import's functions are componentize-js's glue, in its binding global.
warmEngine(Object.values(log).find((value) => typeof value === 'function'));
`;
await mkdir(outDir, { recursive: true });
const setupPath = join(outDir, 'kiln-setup.js');
await writeFile(setupPath, setup);

// The entry module. Eager (the default): it imports the app's handler
// modules, so their top-level code runs while the snapshot is taken, once,
// and every invocation starts from what it left. Lazy: each module's table
// entry is an `import()` (which esbuild turns into an initialiser inside the
// same bundle), run by the dispatcher when a function of that module is
// first called in an invocation, after `process.env` holds the config
// variables, as Forge's Node.js runtime runs top-level code at a cold start.
// Lazy is what an app gets whose top-level code fails at build (see
// `componentizeOrLazy` below); it costs each invocation the evaluation of
// the app's modules.
function entryFor(lazy) {
  const imports = [`import ${JSON.stringify(setupPath)};`]
    .concat(lazy ? [] : handlerModules.map((module, i) => `import * as m${i} from ${JSON.stringify(modulePath(module))};`))
    .join('\n');
  const table = handlerModules
    .map((module, i) =>
      lazy
        ? `  ${JSON.stringify(module)}: () => import(${JSON.stringify(modulePath(module))}),`
        : `  ${JSON.stringify(module)}: m${i},`,
    )
    .join('\n');
  return `${imports}
import { dispatch } from ${forgeSrc('handler.js')};
import { runWarmups } from ${forgeSrc('warm.js')};
import { stopRecordingTopLevelEnv } from ${forgeSrc('top_level_env.js')};
// Every module is evaluated: what is read of process.env from here on is not
// the app's top-level code's (top_level_env.js).
stopRecordingTopLevelEnv();
const modules = {
${table}
};
// Once every module is evaluated: what the layer's modules the app bundles
// registered to warm (warm.js), while the snapshot is taken.
${asyncContext ? `${TOP_LEVEL_AWAIT}(runWarmups());` : 'await runWarmups();'}
export const handler = {
  handle(name, payload, context) {
    return dispatch(modules, name, payload, context);
  },
};
`;
}
// A handler module the app lacks (`modulePath`) is the app's mistake: said
// in one line, as the refusals above are, not as Node's uncaught error
// quoting build.mjs with its stack.
let entry;
try {
  entry = entryFor(false);
} catch (error) {
  // The scan (below) says nothing: the bundle that follows it says this.
  if (request.scan !== true) console.error(`error: ${error.message}`);
  process.exit(1);
}

const bundlePath = join(outDir, 'bundle.js');
// Each error is printed with its place in the app (`report` below, esbuild's
// own formatting); the stack trace of the rejection would only bury them, so
// a failed bundle exits. The first bundle is silent: a second one with
// browser versions may stand in for it.
const bundleOptions = (plugins) => ({
  stdin: { contents: entry, resolveDir: appDir, sourcefile: 'kiln-entry.js', loader: 'js' },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  resolveExtensions: SOURCE_EXTENSIONS,
  nodePaths,
  alias: {
    '@forge/api': join(forgeDir, 'src', 'index.js'),
    '@forge/kvs': join(forgeDir, 'src', 'kvs.js'),
    '@forge/resolver': join(forgeDir, 'src', 'resolver.js'),
    '@forge/events': join(forgeDir, 'src', forgeEvents),
    // Forge's fetch is node-fetch; apps importing it get the layer's api.fetch.
    'node-fetch': join(forgeDir, 'src', 'node', 'node_fetch.cjs'),
    // Atlassian's upload example builds its body with it; in memory here (no fs).
    'form-data': join(forgeDir, 'src', 'node', 'form_data.cjs'),
  },
  plugins,
  // Node's globals the engine lacks (`Buffer`, `setImmediate`), only where used.
  inject: [join(forgeDir, 'src', 'node', 'globals.js')],
  // Node's CommonJS module globals, which Forge's webpack bundle has and one
  // ES module does not: code and packages join paths with them
  // (`path.resolve(__dirname, 'templates')`), which threw a ReferenceError.
  // The app's own modules get their place under the root of the layer's
  // `fs` (app_files.mjs); installed packages, whose files are not there, the
  // root, as webpack's `mock` gives them.
  define: { global: 'globalThis', __dirname: '"/"', __filename: '"/index.js"' },
  // JSX in a backend is UI Kit 1 (`@forge/ui`): Forge's bundler compiles it
  // with ForgeUI's pragma, which is why its apps import `ForgeUI` by default;
  // esbuild's default (`React.createElement`) would fail at the first
  // element. A file's own `/** @jsx … */` comment still wins.
  jsxFactory: 'ForgeUI.createElement',
  jsxFragment: 'ForgeUI.Fragment',
  // Forge's bundler takes JSX in `.js` files too (UI Kit 1 apps often write
  // `src/index.js`); plain JavaScript parses the same either way.
  loader: { '.js': 'jsx' },
  // The host's interfaces are imports of the component, not modules.
  external: ['kiln:app/*', 'wasi:cli/environment@0.2.12'],
  outfile: bundlePath,
  // Module names in the bundle are relative to this folder (see stableName).
  absWorkingDir: outDir,
  // Printed below: the first bundle's errors may be retried away.
  logLevel: 'silent',
  metafile: true,
  ...(asyncContext ? { supported: ASYNC_CONTEXT_LOWERING } : {}),
});

// Scan mode (`request.scan`, js.rs's scan_backend_imports, js_imports.rs):
// run before the app's dependencies are installed, it prints the npm
// packages the app's own code imports, so that only those (and what the
// lockfile says they need) are installed. The same entry points (the
// handler modules) and the same settings as the bundle (TypeScript, JSX,
// the extensions, the app's tsconfig `paths` and `baseUrl`, which esbuild
// reads as it bundles), with every bare import left external: Node's
// modules (`fs`, `node:fs`), the packages Kiln aliases to its layer, and
// every package, whose own imports the lockfile answers for. Nothing is
// written; a bundle that fails prints its first errors and exits 1, and
// the bundle step reports them in full as it always has.
if (request.scan === true) {
  const imported = new Set();
  const insideApp = (file) => {
    const rel = relative(appDir, file);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules');
  };
  const scanImports = {
    name: 'kiln-scan-imports',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.kilnScan || isAbsolute(args.path)) return undefined;
        const bare = args.path.replace(/^node:/, '');
        if (args.path.startsWith('node:') || builtinModules.includes(bare) || Object.hasOwn(NODE_MODULES, bare)) {
          return { path: args.path, external: true };
        }
        // A path the app's tsconfig maps to its own files (`paths`,
        // `baseUrl`) is the app's code: scanned as the bundle would read it.
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { kilnScan: true },
        });
        if (found.errors.length === 0 && !found.external && found.namespace === 'file' && insideApp(found.path)) {
          return { path: found.path };
        }
        imported.add(packageNameOf(args.path));
        return { path: args.path, external: true };
      });
    },
  };
  const scanEntry = handlerModules.map((module, i) => `import * as m${i} from ${JSON.stringify(modulePath(module))};`).join('\n');
  const scanMissing = new Map();
  const scan = () =>
    build({
      ...bundleOptions([missingExportsPlugin(scanMissing, LOADERS), scanImports]),
      stdin: { contents: scanEntry, resolveDir: appDir, sourcefile: 'kiln-scan.js', loader: 'js' },
      alias: {},
      inject: [],
      write: false,
    });
  try {
    try {
      await scan();
    } catch (error) {
      // Imports webpack lets through (missing_exports.mjs): scanned as bundled.
      const errors = Array.isArray(error?.errors) ? error.errors : [];
      if (collectMissingExports(errors, appDir, outDir, scanMissing).length === 0) throw error;
      imported.clear();
      await scan();
    }
  } catch (error) {
    // Said here too, briefly: if the install that follows fails, the bundle
    // that would say it in full never runs.
    const errors = Array.isArray(error?.errors) ? error.errors.slice(0, 3) : [];
    if (errors.length > 0) {
      console.error("the scan of the backend's imports stopped at:");
      for (const text of await formatMessages(errors, { kind: 'error', color: false })) {
        process.stderr.write(text);
      }
    }
    process.exit(1);
  }
  console.log(JSON.stringify({ packages: [...imported].sort() }));
  process.exit(0);
}

/** esbuild's messages, as its own log prints them. */
async function report(messages, kind) {
  if (messages.length === 0) return;
  for (const text of await formatMessages(messages, { kind, color: false })) {
    process.stderr.write(text);
  }
}

/** `bundled` when it built; else its messages are printed and the build fails. */
async function builtOrExit(bundled) {
  if (bundled.errors) {
    await report(bundled.warnings, 'warning');
    await report(bundled.errors, 'error');
    process.exit(1);
  }
  return bundled;
}

/** One bundle with `plugins`: its result, or its errors. */
async function bundleWith(plugins) {
  refusals.length = 0;
  try {
    return { result: await build(bundleOptions(plugins)) };
  } catch (error) {
    if (Array.isArray(error?.errors) && error.errors.length > 0) {
      return { errors: error.errors, warnings: error.warnings ?? [] };
    }
    throw error;
  }
}

// What decides the features an app is given (Intl and its locales, the
// collator, normalize: intl.mjs) is the code it will run: the bundle's. Not
// a module, nor a statement, the bundle left out: esbuild parses every file
// a package's index re-exports and drops what is not used, so an app
// importing one `date-fns` function would otherwise get `Intl` for
// `intlFormat`, which it never calls. Nor a comment: `date-fns`' JSDoc
// examples name `'ko-KR'` and `'de-DE'`, which gave such an app three
// locales' data (a 40 MB component where 14 MB do). Every module of the
// bundle holds a line of the inject's (`init_globals()`), so esbuild's byte
// counts cannot tell a dropped module from a kept one: its text does.

/**
 * The code the bundle (`text`, esbuild's unminified output) holds of each
 * input, by the `// path` line esbuild writes before a module's statements
 * (a module may come in several runs): what tree-shaking kept, already
 * compiled (TypeScript, JSX), joined per input. Only inputs of `metafile`
 * count as markers, so a line of the app's own that looks like one is code.
 */
function codeByInput(text, metafile) {
  const inputs = new Set(Object.keys(metafile.inputs));
  const code = new Map();
  let current = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('// ') && inputs.has(line.slice(3))) {
      current = line.slice(3);
      if (!code.has(current)) code.set(current, []);
    } else if (current !== null) {
      code.get(current).push(line);
    }
  }
  return new Map([...code].map(([input, lines]) => [input, lines.join('\n')]));
}

/**
 * `code` (esbuild's output for one input) without its comments: esbuild
 * keeps some that sit inside an expression, and its transform with whitespace
 * minified drops them all, leaving names, strings and calls as written. As
 * it is when it does not parse alone (a run of a module may be a fragment),
 * which can only give an app more than it needs, never less.
 */
async function withoutComments(code) {
  try {
    return (await transform(code, { loader: 'js', legalComments: 'none', minifyWhitespace: true })).code;
  } catch {
    return code;
  }
}

// The app's files its code names, for the layer's `fs` (app_files.mjs): said
// once, when a bundle first needs them.
let appFilesEmbedded = null;
// Names the app imports from its own modules that they do not export
// (missing_exports.mjs): filled from the first bundle's errors.
const missingExports = new Map();
const appFiles = appFilesPlugin(appDir, ({ files, bytes, leftOut }) => {
  appFilesEmbedded = files;
  const shown = files.length > 8 ? `${files.slice(0, 8).join(', ')}, …` : files.join(', ');
  console.error(
    `the app reads its own files with fs: embedding the ${files.length} its code names (${Math.ceil(bytes / 1024)} KiB)${files.length > 0 ? `: ${shown}` : ''}`,
  );
  for (const { name, folder, count, bytes: more } of leftOut) {
    console.error(
      `warning: the app's code names \`${name}\`, the folder ${folder} (${count} files, ${Math.ceil(more / 1024)} KiB): not embedded, the app's files would pass Kiln's limit; name the files it reads instead`,
    );
  }
}, missingExports);
const basePlugins = [importGraph, forgeServices, forgeUi, appFiles, nodeModules];
let plugins = basePlugins;
let bundledWith = await bundleWith(plugins);
// Imports of names the app's own modules do not export, which Forge's
// webpack lets through as `undefined`: bundled again with those names.
const letThrough = collectMissingExports(bundledWith.errors ?? [], appDir, outDir, missingExports);
if (letThrough.length > 0) {
  for (const line of missingExportsWarnings(letThrough, appDir)) console.error(line);
  bundledWith = await bundleWith(plugins);
}
// Each retry may reach packages the last one did not (a browser version
// imports others), which may refuse modules in turn: a few rounds, each
// with more browser versions, until one builds or nothing new is found.
const browserRoots = new Set();
for (let round = 0; round < 4 && bundledWith.errors && refusedIn.size > 0; round += 1) {
  const added = [];
  for (const root of await withImporters(refusedIn)) {
    const browser = (await packageJson(root))?.browser;
    const hasBrowser = typeof browser === 'string' || (browser !== null && typeof browser === 'object');
    if (hasBrowser && !browserRoots.has(root)) {
      browserRoots.add(root);
      added.push(root);
    }
  }
  if (added.length === 0) break;
  const names = await Promise.all(added.map(async (root) => (await packageJson(root))?.name ?? basename(root)));
  console.error(
    `${names.join(', ')} ${names.length === 1 ? 'needs' : 'need'} Node.js modules Kiln refuses; bundling ${names.length === 1 ? 'its' : 'their'} browser version instead`,
  );
  refusedIn.clear();
  plugins = [browserVersions([...browserRoots]), ...basePlugins];
  bundledWith = await bundleWith(plugins);
}
// Still refused by installed packages: their imports get stand-ins. Where
// the app's own code imports such a module too, that stays refused, and is
// then the only refusal the build reports.
if (bundledWith.errors && refusals.some(({ importer }) => importer !== null)) {
  standIns = true;
  bundledWith = await bundleWith(plugins);
  if (!bundledWith.errors) {
    for (const [packageName, names] of byPackageSorted(overFetch)) {
      console.error(
        `${packageName} imports Node.js's ${names.join(', ')}: bundled with Kiln's HTTP client, which sends through fetch to the hosts in permissions.external.fetch.backend (see docs/porting-forge-apps.md, "Node.js modules")`,
      );
    }
    for (const [packageName, names] of byPackageSorted(stoodIn)) {
      const one = names.length === 1;
      console.error(
        `${packageName} imports Node.js's ${names.join(', ')}, which a Kiln app cannot have: bundled with ${one ? 'a stand-in that throws' : 'stand-ins that throw'} when used (see docs/porting-forge-apps.md, "Node.js modules")`,
      );
    }
  }
}
await builtOrExit(bundledWith);
// The app uses `async_hooks`: bundled again with its awaits lowered (see
// ASYNC_CONTEXT_LOWERING).
if (Object.keys(bundledWith.result.metafile.inputs).some((input) => resolve(outDir, input) === asyncHooksPath)) {
  asyncContext = true;
  entry = entryFor(false);
  console.error(
    'the app uses async_hooks: bundling it with async functions lowered to generators, so that its async context follows every await',
  );
  bundledWith = await builtOrExit(await bundleWith(plugins));
}
// An app that uses `Intl` or `toLocale*String` gets them (intl.mjs): the
// bundle again, with the polyfills and locale data first in the setup module.
// The app's own files and its dependencies' are read, not Kiln's layer and
// its packages (which use no Intl for the app).
const keptCode = codeByInput(await readFile(bundlePath, 'utf8'), bundledWith.result.metafile);
const appSources = await Promise.all(
  [...keptCode]
    .map(([input, code]) => [resolve(outDir, input), code])
    .filter(([path]) => [appDir, ...nodePaths].some((root) => !relative(root, path).startsWith('..')))
    .filter(([path]) => relative(toolchainModules, path).startsWith('..'))
    .map(([, code]) => withoutComments(code)),
);
// The Node major version the manifest's runtime names, as the layer's `process.version` says it.
const { nodeMajor } = await import(pathToFileURL(join(forgeDir, 'src', 'node', 'process.js')).href);
// The locales the app declares for formatting it cannot name in its code (intl.mjs).
let declared;
try {
  declared = declaredLocales(JSON.parse(await readFile(join(appDir, 'package.json'), 'utf8')));
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
}
const intl = intlFor(appSources, toolchainModules, join(forgeDir, 'src', 'intl_zones.js'), nodeMajor(nodeRuntime), declared);
if (intl !== null) {
  console.error(`the app uses Intl: bundling it with locale data for ${intl.locales.join(', ')}`);
}
// Likewise `String.prototype.normalize`, which the engine lacks without ICU
// (the layer's normalize.js): for an app that calls it, the polyfill and
// its Unicode data first in the setup module. `.normalize(` of Node's `path`
// matches too, and costs such an app ≈ 50 kB of data.
const normalize = /\.normalize\b/.test(appSources.join('\n'))
  ? `import ${forgeSrc('normalize_polyfill.js')};`
  : null;
if (normalize !== null) {
  console.error('the app calls normalize: bundling it with Unicode normalization data');
}
// Likewise `Intl.Collator` and `localeCompare`, and the locale rules of
// `toLocaleUpperCase` / `toLocaleLowerCase` (intl.mjs's collationFor), after
// `Intl`'s polyfills: for an app that names them.
const collation = collationFor(appSources, join(forgeDir, 'src'));
if (collation !== null) {
  const given = [collation.collator && 'a collator', collation.casing && 'locale-sensitive casing'].filter(Boolean);
  console.error(`the app sorts or cases by locale: bundling it with ${given.join(' and ')}`);
}
// The plugins of the bundle componentized (again for a lazy build, below).
let bundlePlugins = plugins;
if (intl !== null || normalize !== null || collation !== null) {
  await writeFile(
    setupPath,
    [normalize, intl?.imports, collation?.imports, setup].filter((part) => part != null).join('\n'),
  );
  bundlePlugins = intl !== null ? [intlDataPlugin(toolchainModules), ...plugins] : plugins;
  bundledWith = await builtOrExit(await bundleWith(bundlePlugins));
}
await report(bundledWith.result.warnings, 'warning');
let bundled = bundledWith.result;

// esbuild names each module in the bundle by its path relative to the build
// folder: a `// path` line above its code, and the key of its CommonJS or lazy
// ES module wrapper. Those paths climb out to wherever the app, Kiln's cache
// and the build folder are, so the same app would build into different bytes
// (and a different digest, which consent is bound to) in another folder or on
// another machine. Each name becomes one that says where the module came
// from and nothing about the host: `app/src/index.js`, `kiln-forge-api/src/…`,
// `node_modules/<package>/…`, `kiln/kiln-setup.js`.
function stableName(input) {
  const path = resolve(outDir, input);
  if (path === join(appDir, 'kiln-entry.js')) return 'kiln/kiln-entry.js';
  const roots = [
    [appDir, 'app'],
    [forgeDir, 'kiln-forge-api'],
    // The Forge layer's own dependencies (its Node modules: buffer, @noble/hashes, …).
    [resolve(forgeDir, '..', 'node_modules'), 'kiln-forge-api/node_modules'],
    [outDir, 'kiln'],
  ]
    .concat(nodePaths.map((dir) => [dir, 'node_modules']));
  let best = null;
  for (const [root, label] of roots) {
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    if (best === null || root.length > best.root.length) best = { root, name: `${label}/${rel.split(sep).join('/')}` };
  }
  return best?.name ?? null;
}
/** Writes `bundled`'s bundle with stable names, and componentizes it. */
async function componentizeBundle(bundled) {
  const renames = new Map();
  for (const input of Object.keys(bundled.metafile.inputs)) {
    const name = stableName(input);
    if (name !== null && name !== input) renames.set(input, name);
  }
  const lines = (await readFile(bundlePath, 'utf8')).split('\n').map((line) => {
    const comment = line.startsWith('// ') && renames.get(line.slice(3));
    return comment ? `// ${comment}` : line;
  });
  let text = lines.join('\n');
  if (asyncContext) {
    // The entry's top-level `await`, given back (see TOP_LEVEL_AWAIT): once.
    const parts = text.split(`${TOP_LEVEL_AWAIT}(`);
    if (parts.length !== 2) throw new Error(`the bundle holds ${parts.length - 1} of the entry's top-level await, not one`);
    text = parts.join('await (');
  }
  for (const [input, name] of renames) {
    text = text.split(`${JSON.stringify(input)}(`).join(`${JSON.stringify(name)}(`);
  }
  await writeFile(bundlePath, withoutPropertyEscapes(text));

  return componentize({
    sourcePath: bundlePath,
    witPath: worldDir,
    worldName: 'app',
    disableFeatures: disabledFeatures,
    // Kiln's wizer (runtime/guest-build/src/wizer.rs) instead of the one
    // componentize-js ships: the same snapshot, with seeded randomness, fixed
    // clocks and fixed paths, so the same app builds into the same bytes.
    wizerBin: request.wizer,
    // Where the wizer keeps its compiled engine module: this app's own cache
    // folder (runtime/guest-build/src/wizer_cache.rs). componentize-js hands
    // the wizer these variables besides its own; the wizer keeps this one out
    // of the engine's environment, so it never reaches the snapshot.
    env: request.wizerCache ? { KILN_WIZER_CACHE: request.wizerCache } : undefined,
  });
}

// Regular expressions with Unicode property escapes (`/[\p{L}\p{N}]/u`, as
// marked's are) or the `v` flag, which the engine refuses without ICU: each
// rewritten into its equivalent without them (regex.mjs), the rest of the
// bundle untouched. Only a bundle whose text may hold one is parsed. The
// escapes left in string literals (pieces of patterns put together at run
// time, as most of marked's are) are given to the engine's `RegExp` with
// their code points, first in the bundle (regex.mjs's runtimePrelude).
// Said once (a lazy build componentizes a second bundle).
let regexesReported = false;
let preludeReported = false;
/** `text` (the bundle) with its regular expressions the engine would refuse rewritten. */
function withoutPropertyEscapes(text) {
  if (!mayNeedRewrite(text)) return text;
  let done;
  try {
    done = rewriteRegexes(text);
  } catch (error) {
    console.error(
      `Kiln could not read the bundle to rewrite its regular expressions' Unicode property escapes (${error?.message ?? error}); it is left as it is`,
    );
    return text;
  }
  if (!regexesReported) {
    regexesReported = true;
    for (const why of done.errors) {
      console.error(`a regular expression with Unicode property escapes could not be rewritten and is left as it is: ${why}`);
    }
    if (done.rewritten > 0) {
      console.error(
        `the app uses Unicode property escapes or the \`v\` flag: ${done.rewritten} regular expression${done.rewritten === 1 ? '' : 's'} rewritten without them, as the engine has no Unicode property data`,
      );
    }
  }
  const prelude = done.runtime.length > 0 ? runtimePrelude(done.runtime) : null;
  if (prelude !== null && !preludeReported) {
    preludeReported = true;
    console.error(
      `the app's strings spell Unicode property escapes (of ${done.runtime.join(', ')}): \`RegExp\` is given those properties' code points for the patterns it puts together at run time`,
    );
  }
  return (prelude ?? '') + done.code;
}

/** componentize-js's message when the snapshot's run (the app's top-level code) failed. */
const INIT_FAILED = 'Failed to initialize component';

/** A line of the engine's message as shown: control characters escaped, at most 200 characters. */
function shown(line) {
  const escaped = line.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

/**
 * What to say when the engine refused to compile the bundle (`text` is
 * componentize-js's failure): the engine's SyntaxError with the offending
 * text it shows, and the module of the bundle it is in; null when the
 * failure is anything else. A SyntaxError the code threw while it ran
 * (`JSON.parse` of a missing variable) rejected the module's evaluation,
 * and the engine says so (`Promise rejected`, `Stack:`); one the engine
 * found compiling comes before any code ran, so no lazy build gets past it.
 */
async function syntaxErrorOf(text) {
  const lines = text.split('\n').map((line) => line.trim());
  const first = lines.findIndex((line) => /^\S+:\d+:\d+ SyntaxError: /.test(line));
  if (first < 0 || lines.some((line) => line.startsWith('Promise rejected') || line === 'Stack:')) return null;
  const [place] = lines[first].split(' ', 1);
  const what = lines
    .slice(first)
    .filter((line) => line.startsWith(`${place} `))
    .slice(0, 6)
    .map((line) => shown(line.slice(place.length + 1)));
  // The module it is in: the last `// name` line esbuild wrote above that line.
  const lineNumber = Number(place.split(':').at(-2));
  const bundleLines = (await readFile(bundlePath, 'utf8').catch(() => '')).split('\n').slice(0, lineNumber);
  const module = bundleLines.reverse().find((line) => /^\/\/ [^ ]+\.[cm]?[jt]sx?$/.test(line))?.slice(3);
  return (
    `the engine refuses the app's code as a syntax error, at ${shown(place)}${module ? ` (${shown(module)})` : ''}:\n  ${what.join('\n  ')}\n` +
    'the engine (SpiderMonkey, built without ICU, which does not take everything Node does) refuses it while it ' +
    'compiles the bundle, before any of its code runs: a build that runs the top-level code later gets no further, ' +
    'so Kiln tries none (see docs/porting-forge-apps.md)'
  );
}

/**
 * The component, eager if the app's top-level code runs at build; else, when
 * it failed there (it threw without a config variable, `JSON.parse(process.env.CONFIG)`
 * or a schema's `parse`, or called the host), lazy (see `entryFor`), as
 * Forge's runtime would run that code with the variables set, at a cold
 * start. Said on stderr, with the first lines of what failed, so the
 * developer knows why each invocation now evaluates the app's modules.
 */
async function componentizeOrLazy() {
  try {
    return { lazy: false, ...(await componentizeBundle(bundled)) };
  } catch (error) {
    const text = String(error?.message ?? error);
    if (!text.startsWith(INIT_FAILED)) throw error;
    const syntaxError = await syntaxErrorOf(text);
    if (syntaxError !== null) {
      console.error(syntaxError);
      process.exit(1);
    }
    const why = text
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .slice(0, 6)
      .join('\n  ');
    console.error(
      `the app's top-level code failed while Kiln built it:\n  ${why}\n` +
        "building it to run its modules' top-level code when a function first runs in each " +
        'invocation, with the config variables set, as Forge does at a cold start (each invocation ' +
        'then spends that time; code that needs no variable at the top level keeps the faster build)',
    );
    entry = entryFor(true);
    const lazyBuild = await builtOrExit(await bundleWith(bundlePlugins));
    bundled = lazyBuild.result;
    return { lazy: true, ...(await componentizeBundle(bundled)) };
  }
}

const { component, imports: witImports, lazy } = await componentizeOrLazy();
const componentPath = join(outDir, 'component.wasm');
await writeFile(componentPath, component);
await writeFile(
  join(outDir, 'build-report.json'),
  JSON.stringify(
    {
      inputs: Object.keys(bundled.metafile.inputs).length,
      // Whether the app's modules are evaluated per invocation (componentizeOrLazy).
      lazy,
      // Whether its async functions were lowered for async_hooks (ASYNC_CONTEXT_LOWERING).
      asyncContext,
      // The locales whose data the app's Intl was given (null: no Intl).
      intl: intl?.locales ?? null,
      // The app's files its \`fs\` holds (null: the app does not import it).
      appFiles: appFilesEmbedded,
      // Every file esbuild bundled, absolute: Kiln watches those outside the
      // app folder to know when this build can be reused (js_reuse.rs).
      inputPaths: Object.keys(bundled.metafile.inputs).map((input) => resolve(outDir, input)),
      imports: witImports,
      bytes: component.length,
      http,
    },
    null,
    2,
  ),
);
console.log(componentPath);
