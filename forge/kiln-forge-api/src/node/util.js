// Node's `util` module, the part code written for Node commonly uses:
// `promisify` (with `promisify.custom`), `callbackify`, `inherits`,
// `format`, `formatWithOptions`, `deprecate`, `debuglog`, `types`
// (util_types.js), `isDeepStrictEqual` (deep_equal.js),
// `stripVTControlCharacters`, `toUSVString`, the deprecated `isArray`, …
// and `_extend` older packages call, `TextEncoder` and `TextDecoder`, each as
// Node documents it (https://nodejs.org/api/util.html) and tested against
// Node's own (test/node_builtins.test.js, test/util_inspect.test.js,
// test/util_more.test.js), and `inspect` as Node prints values (below).
// Not provided: `parseArgs`, `parseEnv`, `styleText`, `MIMEType`,
// `getSystemErrorName`, `aborted`, the transferable signals.

import { invalidArgType } from './arg_errors.js';
import { types } from './util_types.js';
import { isDeepStrictEqual } from './deep_equal.js';

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

// `inspect` is a port of Node's (lib/internal/util/inspect.js, Node 20/22)
// with its defaults (depth 2, compact 3, breakLength 80, no colours): the
// same key quoting, string escaping, nesting limits, `[Circular *1]`
// references, Map/Set/typed array/Error forms and line breaking, so an app's
// `console.log` reads as under Node. What only V8 can tell (a Promise's
// state, a Proxy, iterators' entries) is not shown: a Promise prints as
// `Promise { <pending> }`.
const customInspect = Symbol.for('nodejs.util.inspect.custom');
const defaults = { depth: 2, compact: 3, breakLength: 80, sorted: false, showHidden: false, customInspect: true, maxArrayLength: 100, maxStringLength: 10000 };
const OBJECT = 0;
const ARRAY = 1;
const ARRAY_EXTRAS = 2;
const identifier = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const arrayIndex = /^(0|[1-9][0-9]*)$/;

export function inspect(value, options) {
  const ctx = { ...defaults, seen: [], indentationLvl: 0, currentDepth: 0, circular: undefined };
  if (options !== null && typeof options === 'object') {
    for (const key of Object.keys(defaults)) if (options[key] !== undefined) ctx[key] = options[key];
  }
  ctx.unlimited = ctx.depth === null;
  if (ctx.unlimited) ctx.depth = Infinity;
  return formatValue(ctx, value, 0);
}
inspect.custom = customInspect;
inspect.defaultOptions = defaults;

const quoteMeta = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };
function strEscape(str) {
  let quote = "'";
  if (str.includes("'")) {
    if (!str.includes('"')) quote = '"';
    else if (!str.includes('`') && !str.includes('${')) quote = '`';
  }
  const escaped = str.replace(
    quote === "'" ? /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
      : /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => {
      const code = c.charCodeAt(0);
      if (quoteMeta[code]) return quoteMeta[code];
      return code >= 0xd800 ? `\\u${code.toString(16)}` : `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    },
  );
  return quote + escaped + quote;
}

const formatNumber = (n) => (Object.is(n, -0) ? '-0' : `${n}`);

function formatPrimitive(value, ctx) {
  switch (typeof value) {
    case 'string': {
      let trailer = '';
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength;
        value = value.slice(0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
      }
      if (ctx.compact !== true && value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        return value.split(/(?<=\n)/).map(strEscape).join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer;
      }
      return strEscape(value) + trailer;
    }
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return `${value}n`;
    default:
      return String(value);
  }
}

function formatValue(ctx, value, recurseTimes) {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(value, ctx);
  if (value === null) return 'null';
  // The buffer package's own custom inspect stops at 50 bytes without saying how many more.
  if (isBuffer(value)) return formatBuffer(value);
  if (ctx.customInspect) {
    const custom = value[customInspect];
    if (typeof custom === 'function' && custom !== inspect && !(value.constructor && value.constructor.prototype === value)) {
      const depth = ctx.unlimited ? null : ctx.depth - recurseTimes;
      const options = { ...defaults, ...ctx, depth, colors: false, stylize: (s) => s };
      const ret = custom.call(value, depth, options, inspect);
      if (ret !== value) {
        if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
        return ret.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
      }
    }
  }
  if (ctx.seen.includes(value)) {
    if (ctx.circular === undefined) ctx.circular = new Map();
    if (!ctx.circular.has(value)) ctx.circular.set(value, ctx.circular.size + 1);
    return `[Circular *${ctx.circular.get(value)}]`;
  }
  return formatRaw(ctx, value, recurseTimes);
}

function getConstructorName(obj) {
  const original = obj;
  let first;
  while (obj) {
    const descriptor = Object.getOwnPropertyDescriptor(obj, 'constructor');
    if (descriptor !== undefined && typeof descriptor.value === 'function' && descriptor.value.name !== '' && original instanceof descriptor.value) {
      return String(descriptor.value.name);
    }
    obj = Object.getPrototypeOf(obj);
    if (first === undefined) first = obj;
  }
  return first === null ? null : 'Object';
}

function getPrefix(constructor, tag, fallback, size = '') {
  if (constructor === null) {
    return tag !== '' && fallback !== tag ? `[${fallback}${size}: null prototype] [${tag}] ` : `[${fallback}${size}: null prototype] `;
  }
  return tag !== '' && constructor !== tag ? `${constructor}${size} [${tag}] ` : `${constructor}${size} `;
}

// Own keys: enumerable ones (all with showHidden), strings then symbols;
// for arrays and typed arrays without the indices.
function getKeys(value, showHidden, nonIndex) {
  let keys = showHidden ? Object.getOwnPropertyNames(value) : Object.keys(value);
  if (nonIndex) keys = keys.filter((key) => !arrayIndex.test(key) || Number(key) > 2 ** 32 - 2);
  const symbols = Object.getOwnPropertySymbols(value);
  for (const symbol of symbols) if (showHidden || Object.prototype.propertyIsEnumerable.call(value, symbol)) keys.push(symbol);
  return keys;
}

function isBrand(method, value) {
  try {
    method.call(value);
    return true;
  } catch {
    return false;
  }
}
const boxes = [
  ['Number', Number.prototype.valueOf],
  ['String', String.prototype.valueOf],
  ['Boolean', Boolean.prototype.valueOf],
  ['BigInt', BigInt.prototype.valueOf],
  ['Symbol', Symbol.prototype.valueOf],
];
const remainingText = (n) => `... ${n} more item${n > 1 ? 's' : ''}`;
const isBuffer = (value) => value instanceof Uint8Array && value._isBuffer === true;

function formatRaw(ctx, value, recurseTimes) {
  const constructor = getConstructorName(value);
  let tag = value[Symbol.toStringTag];
  const ownTag = ctx.showHidden ? Object.prototype.hasOwnProperty : Object.prototype.propertyIsEnumerable;
  if (typeof tag !== 'string' || (tag !== '' && ownTag.call(value, Symbol.toStringTag))) tag = '';
  let keys;
  let base = '';
  let braces = ['{', '}'];
  let formatter = () => [];
  let extrasType = OBJECT;
  if (Array.isArray(value)) {
    const prefix = constructor !== 'Array' || tag !== '' ? getPrefix(constructor, tag, 'Array', `(${value.length})`) : '';
    keys = getKeys(value, ctx.showHidden, true);
    braces = [`${prefix}[`, ']'];
    if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
    extrasType = ARRAY_EXTRAS;
    formatter = formatArray;
  } else if (value instanceof Set || value instanceof Map) {
    const isMap = value instanceof Map;
    const prefix = getPrefix(constructor, tag, isMap ? 'Map' : 'Set', `(${value.size})`);
    keys = getKeys(value, ctx.showHidden);
    if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
    braces = [`${prefix}{`, '}'];
    formatter = isMap ? formatMap : formatSet;
  } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    keys = getKeys(value, ctx.showHidden, true);
    const prefix = getPrefix(constructor, tag, Object.prototype.toString.call(value).slice(8, -1), `(${value.length})`);
    braces = [`${prefix}[`, ']'];
    if (value.length === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
    formatter = formatTypedArray;
    extrasType = ARRAY_EXTRAS;
  } else {
    keys = getKeys(value, ctx.showHidden);
    if (typeof value === 'function') {
      base = getFunctionBase(value, constructor, tag);
      if (keys.length === 0) return base;
    } else if (constructor === 'Object') {
      if (Object.prototype.toString.call(value) === '[object Arguments]') braces[0] = '[Arguments] {';
      else if (tag !== '') braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
      if (keys.length === 0) return `${braces[0]}}`;
    } else if (value instanceof RegExp) {
      base = RegExp.prototype.toString.call(constructor !== null ? value : new RegExp(value));
      const prefix = getPrefix(constructor, tag, 'RegExp');
      if (prefix !== 'RegExp ') base = `${prefix}${base}`;
      if (keys.length === 0 || recurseTimes > ctx.depth) return base;
    } else if (value instanceof Date) {
      const time = Date.prototype.getTime.call(value);
      base = Number.isNaN(time) ? 'Invalid Date' : Date.prototype.toISOString.call(value);
      const prefix = getPrefix(constructor, tag, 'Date');
      if (prefix !== 'Date ') base = `${prefix}${base}`;
      if (keys.length === 0) return base;
    } else if (value instanceof Error) {
      base = formatError(value, constructor, tag, ctx, keys);
      if (keys.length === 0) return base;
    } else if (value instanceof ArrayBuffer) {
      braces[0] = `${getPrefix(constructor, tag, 'ArrayBuffer')}{`;
      keys.unshift('byteLength');
      formatter = (ctx, buffer) => [`[Uint8Contents]: <${[...new Uint8Array(buffer, 0, Math.min(50, buffer.byteLength))].map((b) => b.toString(16).padStart(2, '0')).join(' ')}${buffer.byteLength > 50 ? ` ... ${buffer.byteLength - 50} more byte${buffer.byteLength > 51 ? 's' : ''}` : ''}>`];
    } else if (value instanceof Promise) {
      braces[0] = `${getPrefix(constructor, tag, 'Promise')}{`;
      formatter = () => ['<pending>'];
    } else if (value instanceof WeakSet || value instanceof WeakMap) {
      braces[0] = `${getPrefix(constructor, tag, value instanceof WeakSet ? 'WeakSet' : 'WeakMap')}{`;
      formatter = () => ['<items unknown>'];
    } else {
      const box = boxes.find(([, valueOf]) => isBrand(valueOf, value));
      if (box !== undefined) {
        const [type, valueOf] = box;
        if (type === 'String') keys.splice(0, value.length);
        base = `[${type}${type === constructor ? '' : constructor === null ? ' (null prototype)' : ` (${constructor})`}: ${formatPrimitive(valueOf.call(value), { ...defaults, compact: true })}]`;
        if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
        if (keys.length === 0) return base;
      } else {
        if (keys.length === 0) return `${getPrefix(constructor, tag, 'Object')}{}`;
        braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
      }
    }
  }
  if (recurseTimes > ctx.depth) {
    const name = getPrefix(constructor, tag, 'Object').slice(0, -1);
    return constructor !== null ? `[${name}]` : name;
  }
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  const output = formatter(ctx, value, recurseTimes);
  for (const key of keys) output.push(formatProperty(ctx, value, recurseTimes, key, extrasType));
  const reference = ctx.circular?.get(value);
  if (reference !== undefined) {
    if (ctx.compact === true) braces[0] = `<ref *${reference}> ${braces[0]}`;
    else base = base === '' ? `<ref *${reference}>` : `<ref *${reference}> ${base}`;
  }
  ctx.seen.pop();
  if (ctx.sorted) {
    const comparator = ctx.sorted === true ? undefined : ctx.sorted;
    if (extrasType === OBJECT) output.sort(comparator);
    else if (keys.length > 1) output.push(...output.splice(output.length - keys.length).sort(comparator));
  }
  return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
}

function getFunctionBase(value, constructor, tag) {
  let source = '';
  try {
    source = Function.prototype.toString.call(value);
  } catch {}
  if (source.startsWith('class') && source.endsWith('}')) {
    const slice = source.slice(5, -1);
    const bracket = slice.indexOf('{');
    if (bracket !== -1 && !slice.slice(0, bracket).includes('(')) {
      let name = `class ${(Object.prototype.hasOwnProperty.call(value, 'name') && value.name) || '(anonymous)'}`;
      if (constructor !== 'Function' && constructor !== null) name += ` [${constructor}]`;
      if (tag !== '' && constructor !== tag) name += ` [${tag}]`;
      if (constructor === null) name += ' extends [null prototype]';
      else if (Object.getPrototypeOf(value).name) name += ` extends ${Object.getPrototypeOf(value).name}`;
      return `[${name}]`;
    }
  }
  const kinds = ['AsyncFunction', 'GeneratorFunction', 'AsyncGeneratorFunction'];
  const type = kinds.includes(constructor) || kinds.includes(tag) ? (kinds.includes(constructor) ? constructor : tag) : 'Function';
  let base = `[${type}${constructor === null ? ' (null prototype)' : ''}${value.name === '' ? ' (anonymous)' : `: ${value.name}`}]`;
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

// An Error's stack as Node shows it. The engine's (SpiderMonkey's) stack has
// only frames (`fn@file:line:col`), no `Name: message` line as V8's: that line
// is written and each frame indented under `    at `.
function getStackString(error) {
  let stack = error.stack ? String(error.stack) : Error.prototype.toString.call(error);
  if (error.stack && !stack.includes('\n    at ')) {
    const name = error.name != null ? String(error.name) : 'Error';
    const message = typeof error.message === 'string' ? error.message : '';
    const head = message === '' ? name : name === '' ? message : `${name}: ${message}`;
    if (!stack.startsWith(head)) {
      const frames = stack.replace(/\n+$/, '').split('\n').filter((frame) => frame !== '');
      stack = frames.length === 0 ? head : `${head}\n${frames.map((frame) => `    at ${frame}`).join('\n')}`;
    }
  }
  return stack;
}

function formatError(error, constructor, tag, ctx, keys) {
  const name = error.name != null ? String(error.name) : 'Error';
  let stack = getStackString(error);
  if (!ctx.showHidden && keys.length !== 0) {
    for (const key of ['name', 'message', 'stack']) {
      const index = keys.indexOf(key);
      if (index !== -1 && (key === 'stack' || stack.includes(error[key]))) keys.splice(index, 1);
    }
  }
  if ('cause' in error && !keys.includes('cause')) keys.push('cause');
  if (Array.isArray(error.errors) && !keys.includes('errors')) keys.push('errors');
  // A subclass whose `name` was left `Error` is shown by its class's name.
  const len = name.length;
  if (constructor === null || (name.endsWith('Error') && stack.startsWith(name) && (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
    const prefix = getPrefix(constructor, tag, 'Error').slice(0, -1);
    if (name !== prefix) stack = prefix.includes(name) ? `${prefix}${stack.slice(len)}` : `${prefix} [${name}]${stack.slice(len)}`;
  }
  let position = (error.message && stack.indexOf(error.message)) || -1;
  if (position !== -1) position += error.message.length;
  const stackStart = stack.indexOf('\n    at', position);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else {
    const frames = stack.slice(stackStart + 1).split('\n');
    // Frames the cause's stack also has are summed up.
    const cause = error.cause;
    if (cause instanceof Error) {
      const causeStack = getStackString(cause);
      const causeStart = causeStack.indexOf('\n    at');
      if (causeStart !== -1) {
        const { len, offset } = identicalSequenceRange(frames, causeStack.slice(causeStart + 1).split('\n'));
        if (len > 0) frames.splice(offset + 1, len - 2, `    ... ${len - 2} lines matching cause stack trace ...`);
      }
    }
    stack = `${stack.slice(0, stackStart)}\n${frames.join('\n')}`;
  }
  if (ctx.indentationLvl !== 0) stack = stack.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
  return stack;
}

function identicalSequenceRange(a, b) {
  for (let i = 0; i < a.length - 3; i++) {
    const pos = b.indexOf(a[i]);
    if (pos !== -1) {
      const rest = b.length - pos;
      if (rest > 3) {
        let len = 1;
        const maxLen = Math.min(a.length - i, rest);
        while (maxLen > len && a[i + len] === b[pos + len]) len++;
        if (len > 3) return { len, offset: i };
      }
    }
  }
  return { len: 0, offset: 0 };
}

function formatBuffer(buffer) {
  const max = 50;
  const remaining = buffer.length - max;
  let text = [...buffer.subarray(0, max)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  if (remaining > 0) text += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return `<${buffer.constructor.name} ${text}>`;
}

function formatArray(ctx, value, recurseTimes) {
  const length = Math.min(Math.max(0, ctx.maxArrayLength), value.length);
  const output = [];
  let index = 0;
  const push = (key) => output.push(formatProperty(ctx, value, recurseTimes, key, ARRAY));
  for (; index < length && Object.prototype.hasOwnProperty.call(value, index); index++) push(index);
  if (index < length) {
    // A sparse array: its holes are counted, as `<2 empty items>`.
    const keys = Object.keys(value);
    for (let i = index; i < keys.length && output.length < length; i++) {
      const key = keys[i];
      const number = +key;
      if (number > 2 ** 32 - 2) break;
      if (`${index}` !== key) {
        if (!arrayIndex.test(key)) break;
        const empty = number - index;
        output.push(`<${empty} empty item${empty > 1 ? 's' : ''}>`);
        index = number;
        if (output.length === length) break;
      }
      push(key);
      index++;
    }
    const remaining = value.length - index;
    if (output.length !== length) {
      if (remaining > 0) output.push(`<${remaining} empty item${remaining > 1 ? 's' : ''}>`);
    } else if (remaining > 0) {
      output.push(remainingText(remaining));
    }
    return output;
  }
  if (value.length > length) output.push(remainingText(value.length - length));
  return output;
}

function formatTypedArray(ctx, value) {
  const length = Math.min(Math.max(0, ctx.maxArrayLength), value.length);
  const output = [];
  for (let i = 0; i < length; i++) output.push(typeof value[i] === 'bigint' ? `${value[i]}n` : formatNumber(value[i]));
  if (value.length > length) output.push(remainingText(value.length - length));
  return output;
}

function formatCollection(ctx, value, recurseTimes, entry) {
  const length = Math.min(Math.max(0, ctx.maxArrayLength), value.size);
  const output = [];
  ctx.indentationLvl += 2;
  for (const item of value) {
    if (output.length >= length) break;
    output.push(entry(item));
  }
  if (value.size > length) output.push(remainingText(value.size - length));
  ctx.indentationLvl -= 2;
  return output;
}
const formatSet = (ctx, value, recurseTimes) => formatCollection(ctx, value, recurseTimes, (v) => formatValue(ctx, v, recurseTimes));
const formatMap = (ctx, value, recurseTimes) =>
  formatCollection(ctx, value, recurseTimes, ([k, v]) => `${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);

function formatProperty(ctx, value, recurseTimes, key, type) {
  const desc = Object.getOwnPropertyDescriptor(value, key) || { value: value[key], enumerable: true };
  let str;
  let extra = ' ';
  if (desc.value !== undefined) {
    const diff = ctx.compact !== true || type !== OBJECT ? 2 : 3;
    ctx.indentationLvl += diff;
    str = formatValue(ctx, desc.value, recurseTimes);
    if (diff === 3 && ctx.breakLength < str.length) extra = `\n${' '.repeat(ctx.indentationLvl)}`;
    ctx.indentationLvl -= diff;
  } else if (desc.get !== undefined) {
    str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else if (desc.set !== undefined) {
    str = '[Setter]';
  } else {
    str = 'undefined';
  }
  if (type === ARRAY) return str;
  let name;
  if (typeof key === 'symbol') name = `[${strEscape(key.toString()).slice(1, -1)}]`;
  else if (key === '__proto__') name = "['__proto__']";
  else if (desc.enumerable === false) name = `[${strEscape(key).slice(1, -1)}]`;
  else if (identifier.test(key)) name = key;
  else name = strEscape(key);
  return `${name}:${extra}${str}`;
}

function isBelowBreakLength(ctx, output, start, base) {
  let total = output.length + start;
  if (total + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    total += entry.length;
    if (total > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
  const prefix = base ? `${base} ` : '';
  if (ctx.compact !== true) {
    if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
      const entries = output.length;
      if (extrasType === ARRAY_EXTRAS && entries > 6) output = groupArrayElements(ctx, output, value);
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joined = output.join(', ');
          if (!joined.includes('\n')) return `${prefix}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
    const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
    return `${prefix}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }
  if (isBelowBreakLength(ctx, output, 0, base)) return `${braces[0]}${base ? ` ${base}` : ''} ${output.join(', ')} ${braces[1]}`;
  const indentation = ' '.repeat(ctx.indentationLvl);
  const ln = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `;
  return `${braces[0]}${ln}${output.join(`,\n${indentation}  `)} ${braces[1]}`;
}

// Short entries of a long array in columns, as Node lays them out.
function groupArrayElements(ctx, output, value) {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLen = [];
  for (let i = 0; i < outputLength; i++) {
    const len = output[i].length;
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j];
      maxLineLength.push(lineLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    const grouped = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let str = '';
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        str += padStart ? cell.padStart(maxLineLength[j - i], ' ') : cell.padEnd(maxLineLength[j - i], ' ');
      }
      str += padStart ? output[j].padStart(maxLineLength[j - i] - separatorSpace, ' ') : output[j];
      grouped.push(str);
    }
    if (ctx.maxArrayLength < output.length) grouped.push(output[outputLength]);
    return grouped;
  }
  return output;
}

// Whether `String(value)` is a built-in's `toString` (so `%s` inspects it).
const builtIns = new Set(Object.getOwnPropertyNames(globalThis).filter((name) => /^[A-Z][a-zA-Z0-9]+$/.test(name)));
function hasBuiltInToString(value) {
  if (typeof value.toString !== 'function') return true;
  if (Object.prototype.hasOwnProperty.call(value, 'toString')) return false;
  let pointer = value;
  do {
    pointer = Object.getPrototypeOf(pointer);
  } while (!Object.prototype.hasOwnProperty.call(pointer, 'toString'));
  const descriptor = Object.getOwnPropertyDescriptor(pointer, 'constructor');
  return descriptor !== undefined && typeof descriptor.value === 'function' && builtIns.has(descriptor.value.name);
}

function tryStringify(arg) {
  try {
    return JSON.stringify(arg);
  } catch (error) {
    if (error instanceof TypeError && /circular|cyclic/i.test(error.message)) return '[Circular]';
    throw error;
  }
}

/** Node's `util.format`: `%s %d %i %f %j %o %O %c %%`, then the rest of the arguments, inspected. */
export function format(...args) {
  const first = args[0];
  let a = 0;
  let str = '';
  let join = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue;
      const next = first[++i];
      if (a + 1 !== args.length) {
        let tempStr;
        const arg = args[a + 1];
        switch (next) {
          case 's':
            if (typeof arg === 'number') tempStr = formatNumber(arg);
            else if (typeof arg === 'bigint') tempStr = `${arg}n`;
            else if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) tempStr = String(arg);
            else tempStr = inspect(arg, { depth: 0 });
            break;
          case 'j':
            tempStr = tryStringify(arg);
            break;
          case 'd':
          case 'i':
          case 'f':
            if (typeof arg === 'bigint' && next !== 'f') tempStr = `${arg}n`;
            else if (typeof arg === 'symbol') tempStr = 'NaN';
            else tempStr = formatNumber(next === 'd' ? Number(arg) : next === 'i' ? parseInt(arg) : parseFloat(arg));
            break;
          case 'O':
            tempStr = inspect(arg);
            break;
          case 'o':
            tempStr = inspect(arg, { showHidden: true, depth: 4 });
            break;
          case 'c':
            tempStr = '';
            break;
          case '%':
            str += first.slice(lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue;
        }
        a++;
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
        str += tempStr;
        lastPos = i + 1;
      } else if (next === '%') {
        str += first.slice(lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      a++;
      join = ' ';
      if (lastPos < first.length) str += first.slice(lastPos);
    }
  }
  for (; a < args.length; a++) {
    const value = args[a];
    str += join + (typeof value !== 'string' ? inspect(value) : value);
    join = ' ';
  }
  return str;
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

export { types, isDeepStrictEqual };

/**
 * Node's `debuglog(section)` (also `debug`): a logger that writes, as
 * `SECTION 1: message`, only when the `NODE_DEBUG` config variable names the
 * section (comma- or space-separated, `*` as a wildcard, any case), read on
 * first use; `enabled` says whether it does. Packages make one at load time.
 */
export function debuglog(section, callback) {
  const name = String(section);
  let enabled;
  const logger = (...args) => {
    if (isEnabled()) console.error(`${name.toUpperCase()} 1: ${format(...args)}`);
  };
  function isEnabled() {
    if (enabled === undefined) {
      const spec = String(globalThis.process?.env?.NODE_DEBUG ?? '');
      enabled = spec
        .split(/[\s,]+/)
        .filter(Boolean)
        .some((pattern) => {
          const source = pattern.replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*');
          return new RegExp(`^${source}$`, 'i').test(name);
        });
      if (enabled && typeof callback === 'function') callback(logger);
    }
    return enabled;
  }
  Object.defineProperty(logger, 'enabled', { get: isEnabled, enumerable: true, configurable: true });
  return logger;
}

/** `formatWithOptions(inspectOptions, ...args)`: `format` (the options are for colours and depth, which it keeps as Node's defaults). */
export function formatWithOptions(inspectOptions, ...args) {
  if (inspectOptions === null || typeof inspectOptions !== 'object') {
    throw invalidArgType('inspectOptions', 'of type object', inspectOptions);
  }
  return format(...args);
}

// ANSI escape sequences (CSI and OSC), as Node's `stripVTControlCharacters` matches them.
const ANSI = new RegExp(
  '[\\u001B\\u009B][[\\]()#;?]*' +
    '(?:(?:(?:(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]+)*' +
    '|[a-zA-Z\\d]+(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]*)*)?' +
    '(?:\\u0007|\\u001B\\u005C|\\u009C))' +
    '|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PR-TZcf-ntqry=><~]))',
  'g',
);

export function stripVTControlCharacters(str) {
  if (typeof str !== 'string') throw invalidArgType('str', 'of type string', str);
  return str.replace(ANSI, '');
}

/** Lone surrogates replaced by U+FFFD. */
export function toUSVString(string) {
  return String(string).replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Node's `_extend(target, source)` (deprecated; old packages call it): own enumerable keys copied. */
export function _extend(target, source) {
  if (source === null || typeof source !== 'object') return target;
  for (const key of Object.keys(source)) target[key] = source[key];
  return target;
}

// The checks Node deprecated but still has (Node 22), which older packages call.
export const isArray = Array.isArray;
export const isBoolean = (value) => typeof value === 'boolean';
export const isNull = (value) => value === null;
export const isNullOrUndefined = (value) => value === null || value === undefined;
export const isNumber = (value) => typeof value === 'number';
export const isString = (value) => typeof value === 'string';
export const isSymbol = (value) => typeof value === 'symbol';
export const isUndefined = (value) => value === undefined;
export const isRegExp = types.isRegExp;
export const isObject = (value) => value !== null && typeof value === 'object';
export const isDate = types.isDate;
export const isError = (value) => types.isNativeError(value) || value instanceof Error;
export const isFunction = (value) => typeof value === 'function';
export const isPrimitive = (value) => value === null || (typeof value !== 'object' && typeof value !== 'function');

export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;

export default {
  promisify,
  callbackify,
  inherits,
  inspect,
  format,
  formatWithOptions,
  deprecate,
  debuglog,
  debug: debuglog,
  types,
  isDeepStrictEqual,
  stripVTControlCharacters,
  toUSVString,
  _extend,
  isArray,
  isBoolean,
  isNull,
  isNullOrUndefined,
  isNumber,
  isString,
  isSymbol,
  isUndefined,
  isRegExp,
  isObject,
  isDate,
  isError,
  isFunction,
  isPrimitive,
  TextEncoder,
  TextDecoder,
};
export { debuglog as debug };
