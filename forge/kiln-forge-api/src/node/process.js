// Node's `process` (https://nodejs.org/api/process.html), as a Kiln app sees
// it: the `process` global and the `process`/`node:process` module are one
// object, made here when the layer is loaded (handler.js imports this file,
// so every bundle has it before the app's own top-level code runs) and set
// up by `installGlobals` (handler.js) with the manifest's runtime and the
// engine's clock. `process.env` holds the app's config variables
// (variables.js), nothing else.
//
// It has the parts npm code and Forge apps commonly read, each as Node
// documents it and tested against Node's own (test/process.test.js):
//
// - `version`, `versions` (`node` only), `release` (`{ name: 'node' }`):
//   Forge runs an app on the Node.js of its manifest's `app.runtime.name`
//   (`nodejs22.x` when it names none). Kiln reports that major version as
//   `22.0.0`: the patch release Forge's Lambda runs is Atlassian's and AWS's
//   choice and changes without notice, so the minor and patch are not
//   known; `.0.0` is the floor of the line, which a check for "at least
//   Node 22" passes and which claims no feature added later in the line.
//   No other `versions` (`v8`, `openssl`, `modules`…): the engine is
//   SpiderMonkey, and code that reads them picks engine-specific paths.
// - `platform` (`linux`, as Forge's Lambda), `arch` (`x64`, or `arm64` for
//   `app.runtime.architecture: arm64`), `argv` (`[execPath]`, as `node -e`:
//   no script file started the app), `argv0`, `execArgv` (`[]`), `execPath`
//   (`/usr/local/bin/node`, a constant naming no file: the sandbox has none),
//   `title`, `cwd()` (`/`: there is no working folder, and `path.resolve`
//   needs one), `pid` 1 and `ppid` 0 (the app is the only process in its
//   sandbox, like a container's first one; a constant, as a Lambda's pid is
//   in practice, rather than absent: loggers and id generators read it, and
//   none of them must fail for it).
// - `nextTick(fn, ...args)`: `fn` runs as a microtask, before any timer or
//   `setImmediate` as in Node. Node keeps its ticks in a queue of their own,
//   run ahead of the promise jobs after a macrotask and behind them inside
//   one; here ticks take their turn with promise jobs in the order they were
//   queued. Ticks queued by a tick still run before the promise jobs that
//   tick queued, as in Node.
// - `hrtime()`, `hrtime.bigint()`, `uptime()`: the engine's monotonic clock
//   (`performance.now()`), whose origin is the start of the invocation (the
//   engine's first call, componentize-js), so `uptime()` is the seconds
//   since the instance, a fresh one per invocation, started. The engine
//   gives milliseconds as a 32-bit float, so the nanoseconds are good to a
//   few microseconds, not to the nanosecond. In top-level code, which runs
//   once at build time for the snapshot, they read 0: the engine's clock
//   cannot be read there (it would fail the build), as `Date.now()` there
//   reads the epoch.
// - `emitWarning` prints `[code] Type: message` with `console.warn`, as
//   `util.deprecate` does, and emits `warning` on `process`.
// - `stdout.write` / `stderr.write`: each write is one entry of the app log,
//   at `console.log`'s level / `console.error`'s, without its final newline.
// - Node's EventEmitter methods (`on`, `once`, `off`, `emit`, …): `process`
//   is an EventEmitter, listeners are kept and `emit` calls them. Kiln itself
//   emits `warning` only: never `exit`, `beforeExit`, `uncaughtException`,
//   `unhandledRejection` or a signal (an uncaught error ends the invocation
//   as the app's failure; the instance is then discarded, not exited).
// - `exit`, `abort`, `kill`, `chdir` throw an error naming themselves: there
//   is no process to end or signal, and no folder to change to.
//
// Deliberately absent, as code sniffing for them should find: `memoryUsage`
// (the engine's heap cannot be measured from inside it, and a made-up
// number would mislead the one thing it is read for, watching memory
// against the limit: the app fails where it calls it instead), `cpuUsage`,
// `resourceUsage`, `binding`, `dlopen`, `stdin`, `umask`, `getuid` and the
// other ids, `config`, `features`, `getBuiltinModule`, and `browser` (Node
// has none). `Object.prototype.toString.call(process)` is `[object Object]`,
// not Node's `[object process]`: packages such as bluebird, core-js and
// @sentry take that tag as "all of Node is here" and reach for what Kiln
// does not have (bluebird schedules with `global.setImmediate`, which is not
// a global here).
//
// Nothing here comes from the host: every value is a constant or the
// engine's own clock, so no host pid, path or environment can show.
import EventEmitter from './events.cjs';
import { recordingEnv } from '../top_level_env.js';
import { invalidArgType } from './arg_errors.js';

/** Forge's `app.runtime.name` when the manifest gives none. */
export const DEFAULT_RUNTIME = 'nodejs22.x';
const DEFAULT_NODE_MAJOR = 22;
const EXEC_PATH = '/usr/local/bin/node';

function unavailable(name, reason) {
  return {
    [name]() {
      throw new Error(`process.${name}() is not available to a Kiln app: ${reason}`);
    },
  }[name];
}

/**
 * `nodejs20.x` -> 20; anything else (`sandbox`, nothing) -> Forge's default.
 * The build reads it too (which `Intl` an app's Node would have: intl.mjs).
 */
export function nodeMajor(runtime) {
  const match = /^nodejs(\d{1,3})\.x$/.exec(typeof runtime === 'string' ? runtime : '');
  return match ? Number(match[1]) : DEFAULT_NODE_MAJOR;
}

/** Node's name for a manifest's `app.runtime.architecture`. */
function nodeArch(architecture) {
  return architecture === 'arm64' ? 'arm64' : 'x64';
}

function readOnly(object, key, value) {
  Object.defineProperty(object, key, { value, writable: false, enumerable: true, configurable: true });
}

/** Milliseconds on the engine's monotonic clock (Node's own under test). */
function engineClock() {
  return typeof performance === 'object' && typeof performance?.now === 'function' ? performance.now() : Date.now();
}

// The processes this file made: only those are configured, never the host's
// `process` (under Node, in the layer's tests, Node's own).
const made = new WeakMap();
// This module's `process`, once made: the one whose named exports below
// follow `configureProcess`.
let theProcess;

/**
 * A Kiln `process`, with `{ runtime, architecture, clock }` as
 * `configureProcess` takes them. The layer makes one, the global; the tests
 * make others.
 */
export function createProcess(options = {}) {
  const process = Object.create(EventEmitter.prototype);
  EventEmitter.call(process);
  const state = { clock: engineClock };
  made.set(process, state);

  const ticks = [];
  let scheduled = false;
  function runTicks() {
    scheduled = false;
    while (ticks.length > 0) {
      const [callback, args] = ticks.shift();
      try {
        callback(...args);
      } catch (error) {
        // Thrown as from any microtask; the ticks queued behind it still run.
        if (ticks.length > 0 && !scheduled) {
          scheduled = true;
          queueMicrotask(runTicks);
        }
        throw error;
      }
    }
  }
  function nextTick(callback, ...args) {
    if (typeof callback !== 'function') {
      throw invalidArgType('callback', 'of type function', callback);
    }
    ticks.push([callback, args]);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(runTicks);
    }
  }

  /** The clock in whole nanoseconds (a safe integer for over a hundred days). */
  function nanoseconds() {
    const ms = Number(state.clock());
    return Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1e6) : 0;
  }
  function hrtime(time) {
    const ns = nanoseconds();
    const seconds = Math.floor(ns / 1e9);
    const nanos = ns - seconds * 1e9;
    if (time === undefined) return [seconds, nanos];
    if (!Array.isArray(time)) {
      throw invalidArgType('time', 'an instance of Array', time);
    }
    if (time.length !== 2) {
      throw Object.assign(
        new RangeError(`The value of "time" is out of range. It must be 2. Received ${time.length}`),
        { code: 'ERR_OUT_OF_RANGE' },
      );
    }
    let diffSeconds = seconds - time[0];
    let diffNanos = nanos - time[1];
    if (diffNanos < 0) {
      diffSeconds -= 1;
      diffNanos += 1e9;
    }
    return [diffSeconds, diffNanos];
  }
  hrtime.bigint = function bigint() {
    return BigInt(nanoseconds());
  };
  function uptime() {
    return nanoseconds() / 1e9;
  }

  function emitWarning(warning, type, code) {
    let detail;
    if (type !== null && typeof type === 'object' && !Array.isArray(type)) {
      ({ type, code, detail } = type);
    } else if (typeof type === 'function') {
      type = undefined;
      code = undefined;
    }
    if (typeof code === 'function') code = undefined;
    if (typeof warning === 'string') {
      const message = warning;
      warning = new Error(message);
      warning.name = String(type ?? 'Warning');
      if (code !== undefined) warning.code = code;
      if (detail !== undefined) warning.detail = detail;
    } else if (!(warning instanceof Error)) {
      throw invalidArgType('warning', 'of type string or an instance of Error', warning);
    }
    if (warning.name === 'DeprecationWarning') {
      if (process.noDeprecation) return;
      if (process.throwDeprecation) throw warning;
    }
    nextTick(() => {
      process.emit('warning', warning);
      const prefix = warning.code !== undefined ? `[${warning.code}] ` : '';
      const more = typeof warning.detail === 'string' ? `\n${warning.detail}` : '';
      globalThis.console?.warn?.('%s', `${prefix}${warning.name}: ${warning.message}${more}`);
    });
  }

  function output(method) {
    const stream = new EventEmitter();
    const decoder = typeof TextDecoder === 'function' ? new TextDecoder() : null;
    stream.writable = true;
    stream.write = function write(chunk, encoding, callback) {
      if (typeof encoding === 'function') callback = encoding;
      let text;
      if (typeof chunk === 'string') {
        text = chunk;
      } else if (ArrayBuffer.isView(chunk) && decoder !== null) {
        text = decoder.decode(chunk);
      } else {
        throw invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
      }
      const entry = text.endsWith('\n') ? text.slice(0, -1) : text;
      if (text !== '') globalThis.console?.[method]?.('%s', entry);
      if (typeof callback === 'function') nextTick(callback, null);
      return true;
    };
    return stream;
  }

  Object.assign(process, {
    title: 'node',
    argv: [EXEC_PATH],
    argv0: 'node',
    execArgv: [],
    // What top-level code reads of it is noted (top_level_env.js).
    env: recordingEnv(),
    cwd: () => '/',
    chdir: unavailable('chdir', 'the sandbox has no folders to change to'),
    nextTick,
    hrtime,
    uptime,
    emitWarning,
    exit: unavailable('exit', 'there is no process to exit in the sandbox (return from the handler, or throw to fail it)'),
    abort: unavailable('abort', 'there is no process to abort in the sandbox (throw to fail the invocation)'),
    kill: unavailable('kill', 'there are no processes to signal in the sandbox'),
    stdout: output('log'),
    stderr: output('error'),
  });
  readOnly(process, 'execPath', EXEC_PATH);
  readOnly(process, 'pid', 1);
  readOnly(process, 'ppid', 0);
  readOnly(process, 'platform', 'linux');
  readOnly(process, 'release', { name: 'node' });
  readOnly(process, 'versions', {});
  configureProcess(process, options);
  return process;
}

/**
 * Sets up a process this file made from the manifest (`runtime`: its
 * `app.runtime.name`; `architecture`: its `app.runtime.architecture`) and
 * the clock to read (`clock`: milliseconds, monotonic). What is not given
 * stays as it was. Any other `process` is left alone.
 */
export function configureProcess(target, { runtime, architecture, clock } = {}) {
  const state = made.get(target);
  if (state === undefined) return;
  if (runtime !== undefined || !Object.hasOwn(target.versions, 'node')) {
    const node = `${nodeMajor(runtime)}.0.0`;
    readOnly(target.versions, 'node', node);
    readOnly(target, 'version', `v${node}`);
  }
  if (architecture !== undefined || !Object.hasOwn(target, 'arch')) {
    readOnly(target, 'arch', nodeArch(architecture));
  }
  if (typeof clock === 'function') state.clock = clock;
  if (target === theProcess) {
    version = target.version;
    arch = target.arch;
  }
}

/**
 * The `process` code bundled as its package's browser version sees (build.mjs,
 * `browserVersions`): `target` as a browser bundler's `process/browser`
 * shows it, with no `versions.node` (such code takes its Node path when it
 * finds one, and its Node path is what the browser version left out),
 * `version` empty and `browser` true; everything else, `env` first, is
 * `target`'s own.
 */
export function browserProcess(target) {
  return Object.create(target, {
    version: { value: '', enumerable: true },
    versions: { value: Object.freeze({}), enumerable: true },
    browser: { value: true, enumerable: true },
  });
}

// The global, unless the engine already has one (Node, under test).
const process = globalThis.process ?? (globalThis.process = createProcess());
theProcess = process;

// Node's named exports of `node:process`, for `import { env } from 'process'`
// and for code that calls them off `require('process')`: methods are bound.
const bound = (name) => (typeof process[name] === 'function' ? process[name].bind(process) : process[name]);
export const env = process.env;
export let version = process.version;
export const versions = process.versions;
export const release = process.release;
export const platform = process.platform;
export let arch = process.arch;
export const argv = process.argv;
export const argv0 = process.argv0;
export const execArgv = process.execArgv;
export const execPath = process.execPath;
export const pid = process.pid;
export const ppid = process.ppid;
export const title = process.title;
export const stdout = process.stdout;
export const stderr = process.stderr;
export const cwd = bound('cwd');
export const chdir = bound('chdir');
export const nextTick = bound('nextTick');
export const hrtime = process.hrtime;
export const uptime = bound('uptime');
export const emitWarning = bound('emitWarning');
export const exit = bound('exit');
export const abort = bound('abort');
export const kill = bound('kill');
export const on = bound('on');
export const once = bound('once');
export const off = bound('off');
export const emit = bound('emit');
export const addListener = bound('addListener');
export const prependListener = bound('prependListener');
export const prependOnceListener = bound('prependOnceListener');
export const removeListener = bound('removeListener');
export const removeAllListeners = bound('removeAllListeners');
export const listeners = bound('listeners');
export const rawListeners = bound('rawListeners');
export const listenerCount = bound('listenerCount');
export const eventNames = bound('eventNames');
export const setMaxListeners = bound('setMaxListeners');
export const getMaxListeners = bound('getMaxListeners');
export default process;
