// Forge's config variables (`forge variables set [--encrypt] KEY VALUE`) as
// `process.env`, over the guest's WASI environment.
//
// Kiln hands an app its environment through `wasi:cli/environment`: the
// app's own variables for this environment (`runtime variables set`,
// encrypted ones opened by the host) and the host's `KILN_` entries, never
// the host process's environment. Kiln's build imports that interface for
// JavaScript apps (StarlingMonkey itself does not expose it to JS), and the
// build entry installs it as `host().environment`.
//
// The environment is read when an invocation starts (`installProcessEnv`,
// called by the dispatcher), not at the app's top level: top-level code runs
// once when the component is built (a snapshot), where no variable exists.
// So `const KEY = process.env.KEY` at the top of a module is `undefined` on
// Kiln; read it inside the handler (docs/porting-forge-apps.md). An
// invocation that finds such a name set fails saying so (top_level_env.js).

import { host } from './host.js';

/** Names the host reserves for its own entries; never config variables. */
export const RESERVED_PREFIX = 'KILN_';

// Read once per installed host: Kiln gives every invocation a fresh
// instance, so once per invocation (and a test installing another host
// reads again).
const read = new WeakMap();

/** The guest's environment as `[name, value]` pairs. */
export function environmentPairs() {
  const installed = host();
  let pairs = read.get(installed);
  if (pairs === undefined) {
    const environment = installed.environment;
    pairs = environment === undefined ? [] : environment.getEnvironment();
    read.set(installed, pairs);
  }
  return pairs;
}

/** The host's entry `name` (a `KILN_` name), or `undefined`. */
export function hostEntry(name) {
  const found = environmentPairs().find(([key]) => key === name);
  return found === undefined ? undefined : found[1];
}

/** The app's config variables as an object, without the host's entries. */
export function configVariables() {
  const variables = {};
  for (const [name, value] of environmentPairs()) {
    if (!name.toUpperCase().startsWith(RESERVED_PREFIX)) {
      variables[name] = value;
    }
  }
  return variables;
}

/**
 * Fills `process.env` with the app's config variables, as Forge's runtime
 * does, and returns them. The object stays the app's to change, as in Node.
 */
export function installProcessEnv() {
  if (globalThis.process === undefined) {
    globalThis.process = { env: {} };
  }
  if (globalThis.process.env === undefined || globalThis.process.env === null) {
    globalThis.process.env = {};
  }
  const variables = configVariables();
  Object.assign(globalThis.process.env, variables);
  return variables;
}
