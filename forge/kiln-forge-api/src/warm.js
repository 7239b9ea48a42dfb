// Builds the JS engine's lazily made state into the app's snapshot.
//
// A JS app is StarlingMonkey with the app's code evaluated at build time and
// the engine's memory snapshot taken then (wizer); every invocation starts a
// fresh instance from that snapshot. SpiderMonkey makes much of a global's
// state on first use: a standard class (`Promise`, `Uint8Array`, …) when its
// name is first looked up, a self-hosted builtin (`Array.prototype.map`, the
// promise machinery) when first called. What the snapshot does not hold, every
// invocation makes again. Two globals are involved: the app's (where this
// layer and the app run) and componentize-js's binding global, where the glue
// that lifts `handle`'s arguments, awaits its promise and lowers its result
// runs (`init_script_global` in componentize-js's embedding.cpp). Nothing runs
// in the binding global at build, so every call made its `Promise` class,
// typed arrays and text codecs anew: a third of a no-op invocation
// (BENCHMARKS.md, "Where a JS no-op's time goes, by name").
//
// `warmEngine` runs, once, while the snapshot is taken, code that uses what an
// invocation uses, in both globals: the binding global is reached through the
// constructor of one of its functions (an imported host function, which is
// glue). What it runs is self-contained and deterministic (no host call, which
// is refused at build anyway; no randomness; Kiln's build clock is fixed), so
// the same app still builds into the same bytes, and it leaves nothing an app
// can see: only objects the engine would make on first use anyway.
//
// The layer's own functions are compiled on their first call too: a module of
// the layer registers a warm-up of its own path (`registerWarmup`; `@forge/api`
// registers `warmRequests`), which the build's entry module runs once every
// module is evaluated (`runWarmups`), so only what an app bundles is warmed.

import { host, installHost } from './host.js';
import { route } from './route.js';

/* eslint-disable no-unused-expressions */
function exercise() {
  const p = Promise.resolve(1);
  p.then((x) => x)
    .catch(() => {})
    .finally(() => {});
  Promise.all([p]);
  Promise.allSettled([p]);
  Promise.race([p]);
  void (async () => {
    await null;
  })();
  [1, 2]
    .map((x) => x)
    .filter(Boolean)
    .forEach(() => {});
  [1].some(Boolean);
  [1].every(Boolean);
  [1].find(Boolean);
  [1].findIndex(Boolean);
  [1].includes(1);
  [1].indexOf(1);
  Array.from([1]);
  Array.of(1);
  [1].slice();
  [1].concat([2]);
  [1].join(',');
  [[1]].flat();
  [1].reduce((a, b) => a + b, 0);
  [2, 1].sort();
  [...[1]];
  Array.isArray([]);
  'a,b'.split(',');
  'a'.startsWith('a');
  'a'.endsWith('a');
  'a'.includes('a');
  'x'.padStart(2);
  'x'.padEnd(2);
  'x'.replace(/x/g, 'y');
  'x'.replaceAll('x', 'y');
  'x'.match(/x/);
  /x/.test('x');
  'x'.trim();
  'X'.toLowerCase();
  'x'.toUpperCase();
  'x'.repeat(2);
  'x'.at(0);
  String(1);
  `${1}`;
  JSON.stringify({ a: [1, 'b', null] });
  JSON.parse('{"a":[1]}');
  Object.entries({ a: 1 });
  Object.keys({ a: 1 });
  Object.values({ a: 1 });
  Object.assign({}, { a: 1 });
  Object.fromEntries([['a', 1]]);
  ({ ...{ a: 1 } });
  Object.freeze({});
  Object.defineProperty({}, 'a', { value: 1 });
  Object.getPrototypeOf({});
  new Map([[1, 1]]).forEach(() => {});
  [...new Map([[1, 1]]).entries()];
  new Set([1]).has(1);
  [...new Set([1])];
  new WeakMap().set({}, 1);
  Symbol('x');
  Number('1');
  parseInt('1', 10);
  Math.max(1, 2);
  new Date(0).toISOString();
  new Uint8Array(1);
  // Web APIs a global may lack (the binding global has the engine's).
  if (typeof TextDecoder === 'function') new TextDecoder().decode(new Uint8Array(1));
  if (typeof TextEncoder === 'function') new TextEncoder().encode('x');
  new DataView(new ArrayBuffer(8)).getUint32(0, true);
  void new Error('w').stack;
  try {
    null.x;
  } catch (e) {
    void e.message;
  }
  class A {
    #x = 1;
    get x() {
      return this.#x;
    }
  }
  void new A().x;
  function* g() {
    yield 1;
  }
  [...g()];
}

/**
 * Runs the warm-up in this global and in the global `glue` (a function of
 * componentize-js's binding global) belongs to. A `glue` of this global, or
 * none, warms this one only.
 */
export function warmEngine(glue) {
  const GlueFunction = typeof glue === 'function' ? glue.constructor : undefined;
  // An optimisation only: whatever a warm-up throws (an engine without some
  // builtin) is dropped rather than failing the app's build.
  if (typeof GlueFunction === 'function' && GlueFunction !== Function) {
    try {
      // Every standard class of that global, made now rather than per call.
      Object.getOwnPropertyNames(GlueFunction('return globalThis')());
      GlueFunction(`(${exercise})()`)();
    } catch {
      // Left cold.
    }
  }
  try {
    exercise();
  } catch {
    // Left cold.
  }
}

// What the stand-in host answers while the request path is warmed: a JSON body,
// as Jira's.
const STAND_IN_BODY = '{"accountId":"warm","key":"WARM-1","fields":{"summary":"warm"}}';

// Warm-ups a module of the layer registers for itself, so that only what an
// app bundles is warmed: `@forge/api` (index.js) registers its request path.
const warmups = [];

/** Registers `warm` (async) to run while the snapshot is taken, once the app's modules are evaluated. */
export function registerWarmup(warm) {
  warmups.push(warm);
}

/**
 * Runs the registered warm-ups, once: the end of the entry module Kiln's build
 * generates awaits it, after every module the app imports is evaluated. A
 * warm-up that throws is skipped; none fails the build.
 */
export async function runWarmups() {
  for (const warm of warmups.splice(0)) {
    try {
      await warm();
    } catch {
      // Left cold.
    }
  }
}

/**
 * Runs the layer's own request path (`asApp()` and `asUser()`, `requestJira`:
 * the route check, the request record, a JSON body, the Response and its
 * readers) twice against a stand-in host, then puts the installed host back.
 * SpiderMonkey compiles a function fully on its first call, so without this
 * every invocation compiled that path again (BENCHMARKS.md, "The layer's
 * request path warmed at build"). The stand-in never reaches Kiln's host (host
 * calls are refused at build anyway); whatever the run throws leaves the path
 * cold, and the host installed before is installed again in every case.
 * Answers how many requests the path completed (4 when it all ran).
 */
export async function warmRequests({ asApp, asUser }) {
  const real = host();
  let answered = 0;
  try {
    const body = new TextEncoder().encode(STAND_IN_BODY);
    const answer = () => ({ status: 200, headers: [['content-type', 'application/json']], body });
    installHost({ ...real, jira: { requestJira: answer, requestJiraAll: (requests) => requests.map(answer) } });
    for (let round = 0; round < 2; round += 1) {
      const read = await asApp().requestJira(route`/rest/api/3/issue/${'WARM-1'}`);
      void read.ok;
      void read.status;
      read.headers.get('content-type');
      await read.json();
      answered += 1;
      const written = await asUser().requestJira(route`/rest/api/3/issue/${'WARM-1'}/comment`, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ body: 'warm' }),
      });
      await written.text();
      answered += 1;
    }
  } catch {
    // Left cold.
  } finally {
    installHost(real);
  }
  return answered;
}

