// Forge's handler shape on Kiln's `handle` export.
//
// Forge names a handler `file.export` (`handler: index.run` runs the `run`
// export of `src/index.js`); Kiln calls `handle(handler, payload, context)`
// with that name, the JSON payload (Forge's `event`: the host builds the
// product-event, web-trigger and scheduled-trigger shapes) and Kiln's
// context, which becomes Forge's `context`. The handler may be async; what
// it returns is sent back as JSON.
//
// Failures become Kiln's `app-error`: an unknown handler
// `unknown-function`, a payload that is not JSON `invalid-payload`, a
// request error the handler let escape `request` (the host's own verdict,
// kept by the Forge error in `kilnError`), anything else `failed` with the
// error's message.

import { host } from './host.js';
import { installProcessEnv } from './variables.js';

/** An `app-error`, thrown the way componentize-js lowers a `result` error. */
function appError(tag, val) {
  return { payload: { tag, val } };
}

/** `index.run` -> ['index', 'run']; a bare `run` is `index.run`. */
export function splitHandler(name) {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? ['index', name] : [name.slice(0, dot), name.slice(dot + 1)];
}

/** Forge's `context` from Kiln's. */
export function forgeContext(context) {
  const accountId = context.accountId ?? undefined;
  return {
    principal: accountId === undefined ? undefined : { accountId },
    accountId,
    cloudId: context.cloudId,
    siteUrl: context.siteUrl,
    moduleKey: context.moduleKey,
    installContext: `ari:cloud:jira::site/${context.cloudId}`,
    installation: { id: context.installationId },
    environmentType: String(context.environment ?? '').toUpperCase(),
    environment: context.environment,
    invocationId: context.invocationId,
    trigger: context.trigger,
  };
}

function message(error) {
  if (error instanceof Error) {
    return error.message;
  }
  try {
    return typeof error === 'string' ? error : JSON.stringify(error);
  } catch {
    return String(error);
  }
}

// Kiln's context of the invocation running now (one per instance: Kiln
// gives every invocation a fresh instance), for what the layer decides by
// the invoking user (`asUser(accountId)`).
let current = null;

/** Kiln's context of the running invocation, or `null` outside one. */
export function invocationContext() {
  return current;
}

/** Runs `name` from `modules` (`{ index: namespace, … }`). */
export async function dispatch(modules, name, payload, context) {
  running = true;
  current = context;
  installProcessEnv();
  const [file, exportName] = splitHandler(name);
  const module = Object.hasOwn(modules, file) ? modules[file] : undefined;
  const fn = module !== undefined && Object.hasOwn(module, exportName) ? module[exportName] : undefined;
  if (typeof fn !== 'function') {
    throw appError('unknown-function', name);
  }
  let event;
  try {
    event = JSON.parse(payload);
  } catch (error) {
    throw appError('invalid-payload', message(error));
  }
  let result;
  try {
    result = await fn(event, forgeContext(context));
  } catch (error) {
    const kilnError = error?.kilnError;
    if (kilnError !== undefined && error?.name !== 'StorageError') {
      throw appError('request', kilnError);
    }
    throw appError('failed', message(error));
  }
  return JSON.stringify(result === undefined ? null : result) ?? 'null';
}

// Top-level code runs while the component is pre-initialised (wizer), when
// no host call is allowed: console output then goes to the build's log.
let running = false;

function format(args) {
  return args.map((arg) => (typeof arg === 'string' ? arg : message(arg))).join(' ');
}

/**
 * Sends `console.*` to Kiln's app log at the matching level, and gives
 * Forge apps a `process.env` (filled with the app's config variables when
 * an invocation starts: `variables.js`).
 */
export function installGlobals() {
  const levels = { debug: 'debug', trace: 'trace', log: 'info', info: 'info', warn: 'warn', error: 'error' };
  const console = globalThis.console ?? {};
  for (const [method, level] of Object.entries(levels)) {
    const atBuild = typeof console[method] === 'function' ? console[method].bind(console) : () => {};
    console[method] = (...args) => (running ? host().log.log(level, format(args)) : atBuild(...args));
  }
  globalThis.console = console;
  if (globalThis.process === undefined) {
    globalThis.process = { env: {} };
  }
}
