// V8's stack trace API, which Node code relies on and the engine
// (SpiderMonkey) lacks: `Error.prepareStackTrace(error, callSites)`, called
// when an error's `stack` is first read or `Error.captureStackTrace` fills
// one, with CallSite objects (`getFileName()`, `getLineNumber()`,
// `getFunctionName()`, …), and `Error.stackTraceLimit`. depd (under
// http-errors, body-parser, send, …) reads its caller's file this way while
// its module loads, so an app bundling it failed with "callSite.getFileName
// is not a function"; callsites and source-map-support do the same.
//
// Only the API is V8's: the frames are the engine's own (`fn@file:line:col`
// lines of its `stack`), parsed into call sites. With no
// `Error.prepareStackTrace` set, `stack` stays the engine's text.

/** One frame of the engine's stack text: `name@file:line:column`, `async*` before an awaited caller's. */
const FRAME = /^(?:(async)\*)?(.*?)@(.*):(\d+):(\d+)$/;

/** A V8 CallSite over one parsed frame; what the engine cannot tell answers as V8's do for it (null, false). */
class CallSite {
  #name;
  #file;
  #line;
  #column;
  #async;

  constructor(name, file, line, column, async) {
    this.#name = name;
    this.#file = file;
    this.#line = line;
    this.#column = column;
    this.#async = async;
  }

  getThis() {
    return undefined;
  }
  getTypeName() {
    return null;
  }
  getFunction() {
    return undefined;
  }
  getFunctionName() {
    return this.#name;
  }
  getMethodName() {
    return null;
  }
  getFileName() {
    return this.#file;
  }
  getScriptNameOrSourceURL() {
    return this.#file;
  }
  getScriptHash() {
    return '';
  }
  getLineNumber() {
    return this.#line;
  }
  getColumnNumber() {
    return this.#column;
  }
  getEnclosingLineNumber() {
    return null;
  }
  getEnclosingColumnNumber() {
    return null;
  }
  getPosition() {
    return 0;
  }
  getEvalOrigin() {
    return undefined;
  }
  isToplevel() {
    return this.#name === null;
  }
  isEval() {
    return false;
  }
  isNative() {
    return false;
  }
  isConstructor() {
    return false;
  }
  isAsync() {
    return this.#async;
  }
  isPromiseAll() {
    return false;
  }
  getPromiseIndex() {
    return null;
  }
  /** As V8 prints a frame: `fn (file:line:column)`, or the place alone for top-level code. */
  toString() {
    const place = `${this.#file}:${this.#line}:${this.#column}`;
    const prefix = this.#async ? 'async ' : '';
    return this.#name === null ? `${prefix}${place}` : `${prefix}${this.#name} (${place})`;
  }
}

/**
 * The call sites of the engine's stack text, at most `Error.stackTraceLimit`
 * of them (V8 captures none when it is not a number). A function's inferred
 * inner name (`outer/<`, `obj.method/inner`) is its last named part.
 */
export function callSites(text) {
  const limit = Error.stackTraceLimit;
  if (typeof limit !== 'number' || !(limit > 0)) return [];
  const sites = [];
  for (const line of String(text).split('\n')) {
    if (sites.length >= limit) break;
    const frame = FRAME.exec(line);
    if (frame === null) continue;
    const [, async, rawName, file, lineNumber, column] = frame;
    const name = rawName.split('/').filter((part) => part !== '' && part !== '<').pop() ?? null;
    sites.push(new CallSite(name, file, Number(lineNumber), Number(column), async !== undefined));
  }
  return sites;
}

let preparing = false;

/** What `Error.prepareStackTrace` makes of `error`'s engine `text`, or the text when none is set. */
function prepared(error, text) {
  const prepare = Error.prepareStackTrace;
  // `prepare` may read a stack itself: that read gets the engine's text, as V8's recursion guard gives.
  if (typeof prepare !== 'function' || typeof text !== 'string' || preparing) return text;
  preparing = true;
  try {
    return prepare(error, callSites(text));
  } finally {
    preparing = false;
  }
}

/** Installs the API over the engine's errors (handler.js `installGlobals`, while the snapshot is taken). */
export function installV8StackApi() {
  if (typeof Error.stackTraceLimit !== 'number') {
    Error.stackTraceLimit = 10;
  }
  const descriptor = Object.getOwnPropertyDescriptor(Error.prototype, 'stack');
  if (typeof descriptor?.get === 'function' && !descriptor.get[INSTALLED]) {
    const engineGet = descriptor.get;
    const get = function stack() {
      const value = prepared(this, engineGet.call(this));
      // As V8, the prepared value is the error's from then on.
      if (typeof Error.prepareStackTrace === 'function' && !preparing && this !== null && typeof this === 'object') {
        try {
          Object.defineProperty(this, 'stack', { value, writable: true, configurable: true, enumerable: false });
        } catch {
          // A frozen error keeps answering through the getter.
        }
      }
      return value;
    };
    get[INSTALLED] = true;
    Object.defineProperty(Error.prototype, 'stack', { ...descriptor, get });
  }
  const engineCapture = Error.captureStackTrace;
  if (typeof engineCapture === 'function' && !engineCapture[INSTALLED]) {
    const captureStackTrace = function captureStackTrace(target, constructorOpt) {
      // The engine starts at the caller of the function it is given (or of
      // itself): this wrapper is left out either way.
      engineCapture(target, typeof constructorOpt === 'function' ? constructorOpt : captureStackTrace);
      if (typeof Error.prepareStackTrace === 'function') {
        const text = Object.getOwnPropertyDescriptor(target, 'stack')?.value;
        if (typeof text === 'string') {
          Object.defineProperty(target, 'stack', { value: prepared(target, text), writable: true, configurable: true, enumerable: false });
        }
      }
    };
    captureStackTrace[INSTALLED] = true;
    Error.captureStackTrace = captureStackTrace;
  }
}

const INSTALLED = Symbol('kiln.v8-stack-api');
