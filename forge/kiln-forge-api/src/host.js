// The door to Kiln's host: the WIT interfaces of kiln:app@0.2.0 (`jira`,
// `log`, `storage`) and `wasi:cli/environment` (`environment`: the app's
// config variables), installed once by the entry Kiln's build generates.
//
// The layer never imports `kiln:app/*` itself, so it runs unchanged in Node
// (its tests install a host written against the same WIT shapes). Nothing
// here is a security check: the host validates every path, header, scope and
// key, whatever a guest does to this module.

let installed = null;

/**
 * Installs the host interfaces: `{ jira: { requestJira, requestJiraAll },
 * log: { log }, storage: { get, set, delete, query, compareAndSet,
 * getSecret, setSecret, deleteSecret }, environment: { getEnvironment } }`,
 * as componentize-js binds them
 * (camelCase names, enums as kebab-case strings, `result` errors thrown
 * with a `payload`).
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
