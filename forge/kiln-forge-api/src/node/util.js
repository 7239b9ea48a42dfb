// Node's `util` module, the part code written for Node commonly uses:
// `promisify` (with `promisify.custom`), `callbackify`, `inherits`,
// `format`, `deprecate`, four `types` checks, `TextEncoder` and
// `TextDecoder`, each as Node documents it (https://nodejs.org/api/util.html)
// and tested against Node's own (test/node_builtins.test.js). `inspect` is a
// short form (JSON for objects), not Node's: text meant for a person, not to
// be parsed. The rest of `util` is not provided.

const custom = Symbol.for('nodejs.util.promisify.custom');

export function promisify(original) {
  if (typeof original !== 'function') {
    throw new TypeError('The "original" argument must be of type function');
  }
  if (typeof original[custom] === 'function') {
    return original[custom];
  }
  function promisified(...args) {
    return new Promise((resolve, reject) => {
      original.call(this, ...args, (error, value) => (error ? reject(error) : resolve(value)));
    });
  }
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = custom;

export function callbackify(original) {
  if (typeof original !== 'function') {
    throw new TypeError('The "original" argument must be of type function');
  }
  return function callbackified(...args) {
    const callback = args.pop();
    if (typeof callback !== 'function') {
      throw new TypeError('The last argument must be of type function');
    }
    original.apply(this, args).then(
      (value) => queueMicrotask(() => callback(null, value)),
      (reason) => {
        // Node: a falsy rejection reason becomes an Error carrying it.
        const error = reason || Object.assign(new Error('Promise was rejected with a falsy value'), { reason });
        queueMicrotask(() => callback(error));
      },
    );
  };
}

export function inherits(constructor, superConstructor) {
  Object.setPrototypeOf(constructor.prototype, superConstructor.prototype);
  Object.defineProperty(constructor, 'super_', { value: superConstructor, writable: true, configurable: true });
}

export function inspect(value) {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[Function: ${value.name || '(anonymous)'}]`;
  if (typeof value === 'symbol' || value === undefined || value === null) return String(value);
  if (value instanceof Error) return inspectError(value, 0);
  if (typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return '[object]';
  }
}

// How deep `cause` chains are followed: a cause that is its own cause (or a
// longer cycle) must not loop.
const MAX_CAUSES = 8;

/**
 * An Error as Node prints it: `Name: message`, the stack's frames indented
 * under it, the error's own properties (`code`, `status`, …) in braces, and its
 * `cause`. Node's `stack` (V8's) starts with the `Name: message` line; the
 * engine's (SpiderMonkey's) has only the frames (`fn@file:line:col`), so
 * printing it as Node prints V8's stack lost the message. The frames are kept
 * in the engine's own notation, each under `    at `.
 */
function inspectError(error, depth) {
  const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? error.message : '';
  const head = message === '' ? name : `${name}: ${message}`;
  const stack = typeof error.stack === 'string' ? error.stack.replace(/\n+$/, '') : '';
  let text;
  if (stack === '') {
    text = head;
  } else if (stack.startsWith(head)) {
    text = stack;
  } else {
    text = `${head}\n${stack
      .split('\n')
      .map((frame) => `    at ${frame}`)
      .join('\n')}`;
  }
  const own = Object.keys(error).filter((key) => key !== 'stack' && key !== 'message' && key !== 'cause');
  if (own.length > 0) {
    text += ` {\n${own.map((key) => `  ${key}: ${inspectValue(error[key], depth)}`).join(',\n')}\n}`;
  }
  if ('cause' in error && error.cause !== undefined && depth < MAX_CAUSES) {
    text += ` {\n  [cause]: ${inspectValue(error.cause, depth + 1)}\n}`;
  }
  return text;
}

function inspectValue(value, depth) {
  return value instanceof Error ? inspectError(value, depth) : inspect(value);
}

export function format(first, ...args) {
  if (typeof first !== 'string') {
    return [first, ...args].map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  }
  let next = 0;
  let out = first.replace(/%[sdifjoOc%]/g, (token) => {
    if (token === '%%') return '%';
    if (next >= args.length) return token;
    const arg = args[next++];
    switch (token) {
      case '%s':
        return typeof arg === 'string' ? arg : typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'object' && arg !== null ? inspect(arg) : String(arg);
      case '%d':
        return typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'symbol' ? 'NaN' : String(Number(arg));
      case '%i':
        return typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'symbol' ? 'NaN' : String(parseInt(arg, 10));
      case '%f':
        return typeof arg === 'symbol' ? 'NaN' : String(parseFloat(arg));
      case '%j':
        try {
          return JSON.stringify(arg);
        } catch {
          return '[Circular]';
        }
      case '%c':
        return '';
      default:
        return inspect(arg);
    }
  });
  for (; next < args.length; next++) {
    const arg = args[next];
    out += ` ${typeof arg === 'string' ? arg : inspect(arg)}`;
  }
  return out;
}

export function deprecate(fn, message) {
  let warned = false;
  return function deprecated(...args) {
    if (!warned) {
      warned = true;
      console.warn(`DeprecationWarning: ${message}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
  };
}

export const types = {
  isPromise: (value) => value instanceof Promise,
  isDate: (value) => value instanceof Date,
  isRegExp: (value) => value instanceof RegExp,
  isUint8Array: (value) => value instanceof Uint8Array,
};

export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;

export default { promisify, callbackify, inherits, inspect, format, deprecate, types, TextEncoder, TextDecoder };
