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
//
// Queue consumers (`modules.consumer`, @forge/events): an invocation whose
// trigger is `queue-event` carries the host's envelope as its payload,
// `{ body, queueName, jobId, eventId, retryContext? }`, which is Forge's
// `AsyncEvent`. A consumer in Forge's `function: key` shape gets it as
// `event`; one in the older `resolver: { function, method }` shape has its
// resolver method called with it as `payload`, as Forge calls it (the layer
// wraps the event in the resolver call `{ call: { functionKey: method,
// payload: event } }`, unless the host already sent that shape). A consumer
// asking for its event again (Forge's `InvocationError`, or a
// `QueueResponse` after `retry()`: a result with `_retry: true`) becomes
// `app-error.retry({ afterSeconds, reason, data })`; only a queue event can
// be retried, so for any other trigger such a result is returned as is.
// An app on `@forge/events` 1.x (build.mjs says so) gets 1.x's shapes
// instead: its resolver method is called with the payload it pushed and
// the job id in `context.jobId` (`v1ConsumerEvent` below; the pushing
// side is forge_events_v1.js).

import { installV8StackApi } from './v8_stack.js';
import { host } from './host.js';
import { installProcessEnv } from './variables.js';
import { staleTopLevelMessage, staleTopLevelReads, stopRecordingTopLevelEnv } from './top_level_env.js';
import { format as utilFormat } from './node/util.js';
import kilnProcess, { browserProcess, configureProcess } from './node/process.js';
import { installationOf } from './ari.js';
import { settleOpenFetches } from './fetch.js';
import { licenseOf } from './app_runtime.js';
import { headersByAnyCase } from './web_trigger.js';
import { withNodeApi } from './node/text_streams.js';
import { reportUnhandledRejections } from './unhandled_rejections.js';

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
    installation: installationOf(context),
    environmentType: String(context.environment ?? '').toUpperCase(),
    environment: context.environment,
    invocationId: context.invocationId,
    trigger: context.trigger,
    license: licenseOf(),
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

// The manifest's consumers, as the build embeds them (`{ key, queue,
// function?, resolver?: { function, method? } }`).
let consumers = [];
// The major version of the app's `@forge/events` API: 1 for an app that
// installed 1.x (build.mjs then bundles forge_events_v1.js), else 3.
let eventsApi = 3;

/**
 * Installs the manifest's `modules.consumer` and the app's `@forge/events`
 * API (`{ eventsApi: 1 }` for 1.x) (build.mjs).
 */
export function installConsumers(list, options = {}) {
  consumers = Array.isArray(list) ? list : [];
  eventsApi = options?.eventsApi === 1 ? 1 : 3;
}

/** Forge's `MIN_RETRY_AFTER` and `DEFAULT_RETRY_OPTIONS.retryReason`. */
const MIN_RETRY_AFTER = 1;
const DEFAULT_RETRY_REASON = 'FUNCTION_RETRY_REQUEST';
/** The largest `u32`, the WIT's type of `after-seconds`; the host bounds it further. */
const MAX_U32 = 4294967295;

/**
 * The consumer module this queue event is for: the invoked module's key,
 * else the consumer listening on the event's queue.
 */
function consumerOf(event, context) {
  return (
    consumers.find((consumer) => consumer?.key === context.moduleKey) ??
    consumers.find((consumer) => consumer?.queue === event?.queueName)
  );
}

/**
 * What a queue event's handler receives as its first argument: the event,
 * or for a resolver-style consumer the resolver call of its method
 * (`{ call: { functionKey, payload }, context }`, as resolver.js reads it).
 */
function consumerEvent(event, context) {
  // A payload that is already a resolver call (a host that wraps the event
  // for a resolver-style consumer itself) goes to the resolver unchanged.
  if (event !== null && typeof event === 'object' && event.call !== null && typeof event.call === 'object') {
    // Kiln's host does (runtime/src/events/envelope.rs): a 1.x app's
    // resolver then gets its payload out of the event the call carries.
    if (eventsApi === 1) {
      const unwrapped = v1ConsumerEvent(event.call.payload, event.call.functionKey);
      return { ...unwrapped, context: { ...(event.context ?? {}), ...unwrapped.context } };
    }
    return event;
  }
  const consumer = consumerOf(event, context);
  if (consumer === undefined || consumer.resolver === undefined || consumer.resolver === null) {
    return eventsApi === 1 ? v1ConsumerEvent(event, undefined) : event;
  }
  const method = consumer.resolver.method;
  if (typeof method !== 'string' || method === '') {
    throw appError(
      'failed',
      `consumer ${consumer.key} names its function as a resolver without a method: give resolver.method in manifest.yml, or use function: <key>`,
    );
  }
  if (eventsApi === 1) {
    return v1ConsumerEvent(event, method);
  }
  return { call: { functionKey: method, payload: event }, context: {} };
}

/** The key of the host body a `@forge/events` 1.x payload travels under (forge_events_v1.js). */
export const V1_PAYLOAD_KEY = 'payload';

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What a 1.x app's consumer receives for the host's queue event
 * (`{ body, queueName, jobId, eventId, retryContext? }`): for a resolver
 * consumer, the resolver call of its method with the pushed payload
 * (`retryContext` added to an object payload on a retry) and `jobId` in
 * its context; for a `function:` consumer (2.x's manifest shape), the
 * event with the pushed payload as its body.
 */
export function v1ConsumerEvent(event, method) {
  const body = event?.body;
  const payload = isObject(body) && Object.hasOwn(body, V1_PAYLOAD_KEY) ? body[V1_PAYLOAD_KEY] : body;
  if (method === undefined) {
    return { ...event, body: payload };
  }
  const retried = event?.retryContext !== undefined && event?.retryContext !== null;
  const delivered = retried && isObject(payload) ? { ...payload, retryContext: event.retryContext } : payload;
  return { call: { functionKey: method, payload: delivered }, context: { jobId: event?.jobId } };
}

/** `after-seconds` from Forge's `retryAfter`: at least 1 (as Forge), a whole number. */
function retryAfter(value) {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < MIN_RETRY_AFTER) {
    return MIN_RETRY_AFTER;
  }
  return Math.min(Math.ceil(seconds), MAX_U32);
}

/**
 * The `retry-request` of a consumer's result that asks for a retry
 * (`{ _retry: true, retryOptions? }`), or undefined.
 */
export function retryRequest(result) {
  if (result === null || typeof result !== 'object' || result._retry !== true) {
    return undefined;
  }
  const options = result.retryOptions !== null && typeof result.retryOptions === 'object' ? result.retryOptions : {};
  let data;
  if (options.retryData !== undefined) {
    try {
      data = JSON.stringify(options.retryData);
    } catch (error) {
      throw appError('failed', `the consumer asked for a retry with retryData that is not JSON: ${message(error)}`);
    }
  }
  return {
    afterSeconds: retryAfter(options.retryAfter),
    reason: String(options.retryReason ?? DEFAULT_RETRY_REASON),
    data,
  };
}

/**
 * The object an app's ES module assigns `exports.name = …` to (the build
 * declares `exports` as this in such a module: app_files.mjs). Forge's
 * webpack bundle leaves `exports` alone in a module with `import` or
 * `export`, so there it is the bundle's own CommonJS `exports`, which
 * Forge's runtime reads the handler from: `export { handler } from
 * './resolvers'` beside `exports.runWebTrigger = async (request) => …` in
 * `src/index.js` gives both `index.handler` and `index.runWebTrigger`.
 */
export const BUNDLE_EXPORTS = Symbol.for('kiln.bundle-exports');

/** An export an app module assigned to its bundle's `exports`, if any. */
function bundleExport(name) {
  const assigned = globalThis[BUNDLE_EXPORTS];
  return assigned !== null && typeof assigned === 'object' && Object.hasOwn(assigned, name) ? assigned[name] : undefined;
}

/** A line in the app's log at error level, where Node's `console.error` goes. */
function logError(line) {
  host().log.log('error', line);
}

/** Runs `name` from `modules` (`{ index: namespace, … }`). */
export async function dispatch(modules, name, payload, context) {
  running = true;
  current = context;
  stopRecordingTopLevelEnv();
  const stale = staleTopLevelReads(installProcessEnv());
  if (stale.length > 0) {
    throw appError('failed', staleTopLevelMessage(stale));
  }
  const [file, exportName] = splitHandler(name);
  let module = Object.hasOwn(modules, file) ? modules[file] : undefined;
  // A lazily built app (build.mjs, `entryFor`): the module's top-level code
  // runs now, with process.env filled, as Forge's runtime runs it at a cold
  // start. What it throws fails the invocation, as any error of the app's.
  if (typeof module === 'function') {
    try {
      module = await module();
    } catch (error) {
      throw appError('failed', message(error));
    }
  }
  const fn =
    module === undefined ? undefined : Object.hasOwn(module, exportName) ? module[exportName] : bundleExport(exportName);
  if (typeof fn !== 'function') {
    throw appError('unknown-function', name);
  }
  let event;
  try {
    event = JSON.parse(payload);
  } catch (error) {
    throw appError('invalid-payload', message(error));
  }
  const queueEvent = context.trigger === 'queue-event';
  if (queueEvent) {
    event = consumerEvent(event, context);
  }
  if (context.trigger === 'web-trigger' && event?.headers !== null && typeof event?.headers === 'object') {
    event.headers = headersByAnyCase(event.headers);
  }
  let result;
  try {
    result = await fn(event, forgeContext(context));
  } catch (error) {
    await settleOpenFetches();
    await reportUnhandledRejections(logError);
    const kilnError = error?.kilnError;
    if (kilnError !== undefined && error?.name !== 'StorageError') {
      throw appError('request', kilnError);
    }
    throw appError('failed', message(error));
  }
  // Requests the handler left open end before its answer does (fetch.js says why).
  await settleOpenFetches();
  // Then, as Node prints them once the handler's work is done, the layer's
  // rejections nobody handled (unhandled_rejections.js).
  await reportUnhandledRejections(logError);
  const retry = queueEvent ? retryRequest(result) : undefined;
  if (retry !== undefined) {
    throw appError('retry', retry);
  }
  return JSON.stringify(result === undefined ? null : result) ?? 'null';
}

// Top-level code runs while the component is pre-initialised (wizer), when
// no host call is allowed: console output then goes to the build's log.
let running = false;

// Node's console formats with `util.format`: `%s`/`%d`/`%j`… substitutions,
// `undefined` printed as such, an Error as its stack. The layer's `util`
// (node/util.js) is that format.
function format(args) {
  return args.length === 0 ? '' : utilFormat(...args);
}

// How the engine, built without ICU, names the zone in `Date`'s
// `toString()` and `toTimeString()` (from the C library: UTC), and how Node
// names it there with ICU under Forge's `TZ=UTC`: `… GMT+0000 (Coordinated
// Universal Time)`, text apps put in comments and logs.
const ENGINE_ZONE = ' (UTC)';
const NODE_ZONE = ' (Coordinated Universal Time)';

/** `Date`'s `toString` and `toTimeString` (and so `${date}`) with Node's zone name. */
function nameTheZoneAsNode() {
  const proto = Date.prototype;
  const engine = { toString: proto.toString, toTimeString: proto.toTimeString };
  const asNode = (text) => (text.endsWith(ENGINE_ZONE) ? text.slice(0, -ENGINE_ZONE.length) + NODE_ZONE : text);
  // Method definitions: each keeps its name and has no `prototype`, as the engine's.
  const patched = {
    toString() {
      return asNode(engine.toString.call(this));
    },
    toTimeString() {
      return asNode(engine.toTimeString.call(this));
    },
  };
  for (const name of Object.keys(patched)) {
    Object.defineProperty(proto, name, { value: patched[name], writable: true, configurable: true, enumerable: false });
  }
}

// The `Math.random` installed by `randomAsNode`, so a second install (tests
// install the globals more than once) does not wrap it again.
let nodeRandom;

/**
 * `Math.random()` with the precision of Node's (V8's): 52 random bits, a
 * multiple of 2^-52 in [0, 1). The engine's (StarlingMonkey's) gives 32: every
 * value is a multiple of 2^-32, so an id an app makes the common way,
 * `Math.random().toString(36).slice(2, 11)` or `.toString(16).slice(2, 15)`,
 * came out shorter than on Forge (8 hex digits where Node gives 13) and one
 * of 2^32, where Node's is one of 2^52: 10,000 such ids collided with a
 * chance of about 1 %. Built from two of the engine's draws, so the
 * randomness is the engine's as before: the host's while an invocation runs,
 * the build's seeded stream in top-level code (a value fixed for the build).
 */
export function randomWithNodePrecision(engineRandom) {
  // Method definition: named `random`, no `prototype`, length 0, as the engine's.
  const { random } = {
    random() {
      // `>>> 0` keeps an integer of 32 bits whatever the engine's precision.
      const high = (engineRandom() * 4294967296) >>> 0;
      const low = (engineRandom() * 4294967296) >>> 12;
      return (high * 1048576 + low) / 4503599627370496;
    },
  };
  return random;
}

function randomAsNode() {
  if (Math.random === nodeRandom) return;
  nodeRandom = randomWithNodePrecision(Math.random);
  Object.defineProperty(Math, 'random', { value: nodeRandom, writable: true, configurable: true, enumerable: false });
}

/**
 * `URL.canParse` and `URL.parse` (WHATWG's; Node 19.9 and 22.1), which the
 * engine's `URL` lacks: each asks the engine's own parser, so they accept
 * exactly what `new URL(url, base)` accepts.
 */
function urlAsNode() {
  const EngineURL = globalThis.URL;
  if (typeof EngineURL !== 'function') return;
  const missingUrl = () =>
    Object.assign(new TypeError('The "url" argument must be specified'), { code: 'ERR_MISSING_ARGS' });
  const statics = {
    canParse(...args) {
      if (args.length === 0) throw missingUrl();
      try {
        new EngineURL(args[0], args[1]);
        return true;
      } catch {
        return false;
      }
    },
    parse(...args) {
      if (args.length === 0) throw missingUrl();
      try {
        return new EngineURL(args[0], args[1]);
      } catch {
        return null;
      }
    },
  };
  for (const [name, method] of Object.entries(statics)) {
    if (typeof EngineURL[name] === 'function') continue;
    Object.defineProperty(method, 'length', { value: 1 });
    Object.defineProperty(EngineURL, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}

/**
 * Sends `console.*` to Kiln's app log at the matching level, and gives
 * Forge apps Node's `process` (node/process.js): its `env` filled with the
 * app's config variables when an invocation starts (`variables.js`), its
 * `version` the manifest's `runtime` (`app.runtime.name`, `nodejs22.x`, or
 * Forge's default when not given), its `arch` the manifest's
 * `architecture`, its clock the engine's while an invocation runs; and
 * Node's `Date` zone name, `Math.random` precision, `URL` statics and
 * V8's stack trace API (v8_stack.js).
 */
export function installGlobals({ runtime, architecture } = {}) {
  const levels = { debug: 'debug', trace: 'trace', log: 'info', info: 'info', warn: 'warn', error: 'error' };
  const console = globalThis.console ?? {};
  for (const [method, level] of Object.entries(levels)) {
    const atBuild = typeof console[method] === 'function' ? console[method].bind(console) : () => {};
    console[method] = (...args) => (running ? host().log.log(level, format(args)) : atBuild(...args));
  }
  globalThis.console = console;
  if (globalThis.process === undefined) {
    globalThis.process = kilnProcess;
  }
  nameTheZoneAsNode();
  randomAsNode();
  urlAsNode();
  // Streams as Node's: `for await (const chunk of response.body)` and
  // `ReadableStream.from`, which the engine's class lacks (text_streams.js).
  withNodeApi(globalThis.ReadableStream);
  installV8StackApi();
  // The engine's clock exists only once an invocation runs: top-level code
  // runs at build time, where reading it (`performance.now()`) traps, so
  // there `hrtime()` and `uptime()` read 0. Its origin is the invocation's
  // start (componentize-js sets it at the first call into the component).
  configureProcess(globalThis.process, {
    runtime,
    architecture,
    clock: () => (running ? performance.now() : 0),
  });
  // What packages bundled as their browser versions see as `process`
  // (build.mjs, `browserVersions`).
  globalThis[Symbol.for('kiln.browser-process')] = browserProcess(globalThis.process);
}
