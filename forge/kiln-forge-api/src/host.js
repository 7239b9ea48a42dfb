// The door to Kiln's host: the WIT interfaces of kiln:app@0.5.0 (`jira`,
// `log`, `storage`, `events`, `sql`) and `wasi:cli/environment` (`environment`: the app's
// config variables), installed once by the entry Kiln's build generates.
//
// The layer never imports `kiln:app/*` itself, so it runs unchanged in Node
// (its tests install a host written against the same WIT shapes). Nothing
// here is a security check: the host validates every path, header, scope and
// key, whatever a guest does to this module.

let installed = null;

/**
 * Installs the host interfaces: `{ jira: { requestJira, requestJiraAll },
 * log: { log }, storage: { get, set, setExpiring, delete, query,
 * compareAndSet, transact, getSecret, setSecret, deleteSecret }, events: {
 * push, stats, cancel }, sql: { execute }, environment: { getEnvironment } }`, as componentize-js binds them: camelCase names,
 * enums as kebab-case strings, variants as `{ tag, val }` (`val` absent for
 * a case without payload), `u64` as BigInt, an `option` as the value or
 * undefined, `result` errors thrown with a `payload`.
 */
export function installHost(host) {
  installed = host;
}

/** The installed host; a clear error outside Kiln. */
export function host() {
  if (installed === null) {
    throw new Error('Kiln host not available: this module runs inside a Kiln JavaScript app');
  }
  return installed;
}

/** The WIT error value carried by a failed host call, or undefined. */
export function witError(thrown) {
  if (thrown !== null && typeof thrown === 'object' && Object.hasOwn(thrown, 'payload')) {
    return thrown.payload;
  }
  return undefined;
}
