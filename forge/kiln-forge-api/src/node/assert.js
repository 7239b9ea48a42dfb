// Node's `assert` (and `assert/strict`): `assert(value)` and `ok`, `equal`,
// `strictEqual`, `deepEqual`, `deepStrictEqual` and their `not…`, `throws`,
// `rejects`, `doesNotThrow`, `doesNotReject`, `match`, `doesNotMatch`,
// `fail`, `ifError`, `AssertionError` and `strict`, by Node's rules
// (deep_equal.js for the deep ones). An assertion that fails throws Node's
// AssertionError (`code` ERR_ASSERTION, `actual`, `expected`, `operator`,
// `generatedMessage`); a message given as an Error is thrown as it is.
// Messages are Node's for primitive values and for the shapes Node prints
// whole; where Node prints a line diff of two objects, this prints both.

import { inspect } from './util.js';
import { isDeepStrictEqual, isDeepLooseEqual } from './deep_equal.js';
import { invalidArgType } from './arg_errors.js';

// As Node's assertion messages print values: whole, one key per line, keys sorted.
const show = (value) =>
  inspect(value, { compact: false, customInspect: false, depth: 1000, maxArrayLength: Infinity, sorted: true, getters: true });
const isObject = (value) => value !== null && (typeof value === 'object' || typeof value === 'function');

export class AssertionError extends Error {
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgType('options', 'of type object', options);
    }
    const { message, actual, expected, operator } = options;
    super(message !== undefined ? String(message) : `${show(actual)} ${operator} ${show(expected)}`);
    this.generatedMessage = message === undefined;
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
}
Object.defineProperty(AssertionError.prototype, 'name', { value: 'AssertionError', writable: true, configurable: true });

/** Throws for a failed assertion: `message` itself when it is an Error, else an AssertionError. */
function failWith(message, actual, expected, operator, generated) {
  if (message instanceof Error) throw message;
  const error = new AssertionError({ message: message ?? generated, actual, expected, operator });
  error.generatedMessage = message === undefined;
  throw error;
}

function innerOk(args, operator) {
  const [value, message] = args;
  if (args.length === 0) {
    failWith(undefined, undefined, true, operator, 'No value argument passed to `assert.ok()`');
  }
  if (!value) failWith(message, value, true, operator, `${show(value)} == true`);
}

export function ok(...args) {
  innerOk(args, '==');
}

export function equal(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (!(actual == expected || (Number.isNaN(actual) && Number.isNaN(expected)))) {
    failWith(message, actual, expected, '==', `${show(actual)} == ${show(expected)}`);
  }
}

export function notEqual(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) {
    failWith(message, actual, expected, '!=', `${show(actual)} != ${show(expected)}`);
  }
}

function unequalMessage(what, actual, expected) {
  if (isObject(actual) && isObject(expected)) {
    if (what === 'strictly equal' && isDeepStrictEqual(actual, expected)) {
      return `Values have same structure but are not reference-equal:\n\n${show(actual)}\n`;
    }
    return `Expected values to be ${what}:\n+ actual - expected\n\n+ ${show(actual)}\n- ${show(expected)}`;
  }
  return `Expected values to be ${what}:\n\n${show(actual)} !== ${show(expected)}\n`;
}

export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    failWith(message, actual, expected, 'strictEqual', unequalMessage('strictly equal', actual, expected));
  }
}

export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) {
    failWith(message, actual, expected, 'notStrictEqual', `Expected "actual" to be strictly unequal to: ${show(expected)}`);
  }
}

export function deepStrictEqual(actual, expected, message) {
  if (!isDeepStrictEqual(actual, expected)) {
    failWith(message, actual, expected, 'deepStrictEqual', unequalMessage('strictly deep-equal', actual, expected));
  }
}

export function notDeepStrictEqual(actual, expected, message) {
  if (isDeepStrictEqual(actual, expected)) {
    failWith(message, actual, expected, 'notDeepStrictEqual', `Expected "actual" not to be strictly deep-equal to:\n\n${show(expected)}\n`);
  }
}

export function deepEqual(actual, expected, message) {
  if (!isDeepLooseEqual(actual, expected)) {
    failWith(
      message,
      actual,
      expected,
      'deepEqual',
      `Expected values to be loosely deep-equal:\n\n${show(actual)}\n\nshould loosely deep-equal\n\n${show(expected)}`,
    );
  }
}

export function notDeepEqual(actual, expected, message) {
  if (isDeepLooseEqual(actual, expected)) {
    failWith(message, actual, expected, 'notDeepEqual', `Expected "actual" not to be loosely deep-equal to:\n\n${show(expected)}`);
  }
}

export function fail(message = 'Failed') {
  if (message instanceof Error) throw message;
  const error = new AssertionError({ message, operator: 'fail' });
  error.generatedMessage = message === 'Failed';
  throw error;
}

export function ifError(value) {
  if (value === null || value === undefined) return;
  const text = isObject(value) && typeof value.message === 'string' ? value.message : show(value);
  const error = new AssertionError({ message: `ifError got unwanted exception: ${text}`, actual: value, expected: null, operator: 'ifError' });
  error.generatedMessage = false;
  throw error;
}

function checkMatch(string, regexp, message, operator, wanted) {
  if (!(regexp instanceof RegExp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp);
  if (typeof string !== 'string') {
    failWith(message, string, regexp, operator, `The "string" argument must be of type string. Received type ${typeof string} (${show(string)})`);
  }
  regexp.lastIndex = 0;
  if (regexp.test(string) !== wanted) {
    const what = wanted ? 'did not match' : 'was expected to not match';
    failWith(message, string, regexp, operator, `The input ${what} the regular expression ${show(regexp)}. Input:\n\n${show(string)}\n`);
  }
}

export function match(string, regexp, message) {
  checkMatch(string, regexp, message, 'match', true);
}

export function doesNotMatch(string, regexp, message) {
  checkMatch(string, regexp, message, 'doesNotMatch', false);
}

const NO_EXCEPTION = Symbol('no exception');

function caught(fn) {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  try {
    fn();
  } catch (error) {
    return error;
  }
  return NO_EXCEPTION;
}

async function caughtAsync(promiseOrFn) {
  let promise = promiseOrFn;
  if (typeof promiseOrFn === 'function') {
    promise = promiseOrFn();
    if (!(promise && typeof promise.then === 'function')) {
      throw invalidArgType('promiseFn', 'of type function returning a Promise', promise);
    }
  } else if (!(promise && typeof promise.then === 'function')) {
    throw invalidArgType('promiseFn', 'of type function or an instance of Promise', promiseOrFn);
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return NO_EXCEPTION;
}

/** Whether `error` is what `expected` (a class, RegExp, validator, object or Error) asks for; throws Node's message when not. */
function checkExpected(error, expected, message, operator) {
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      failWith(
        message,
        error,
        expected,
        operator,
        `The error is expected to be an instance of "${expected.name}". Received "${error?.constructor?.name}"\n\nError message:\n\n${error?.message}`,
      );
    }
    if (expected.call({}, error) === true) return;
    failWith(message, error, expected, operator, `The ${expected.name ? `"${expected.name}" validation function` : 'validation function'} is expected to return "true". Received ${show(expected.call({}, error))}\n\nCaught error:\n\n${error}`);
  }
  if (expected instanceof RegExp) {
    if (expected.test(String(error))) return;
    failWith(message, error, expected, operator, `The input did not match the regular expression ${show(expected)}. Input:\n\n${show(String(error))}\n`);
  }
  if (isObject(expected)) {
    const keys = Object.keys(expected);
    if (expected instanceof Error) keys.push('name', 'message');
    for (const key of keys) {
      const want = expected[key];
      const got = error?.[key];
      const same = want instanceof RegExp && typeof got === 'string' ? want.test(got) : isDeepStrictEqual(got, want);
      if (!same) {
        failWith(message, error, expected, operator, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${key}: ${show(got)}\n-   ${key}: ${show(want)}\n  }`);
      }
    }
  }
}

function expectedAndMessage(expected, message) {
  // `throws(fn, 'message')`: a string second argument is the message.
  return typeof expected === 'string' && message === undefined ? [undefined, expected] : [expected, message];
}

function missing(expected, message, operator) {
  const name = typeof expected === 'function' && expected.name ? ` (${expected.name})` : '';
  const detail = message ? `: ${message instanceof Error ? message.message : message}` : '.';
  if (message instanceof Error) throw message;
  // Node counts this text as given, not generated (`generatedMessage` false).
  failWith(`Missing expected ${operator === 'rejects' ? 'rejection' : 'exception'}${name}${detail}`, undefined, expected, operator);
}

export function throws(fn, expectedOrMessage, maybeMessage) {
  const [expected, message] = expectedAndMessage(expectedOrMessage, maybeMessage);
  const error = caught(fn);
  if (error === NO_EXCEPTION) missing(expected, message, 'throws');
  if (expected !== undefined) checkExpected(error, expected, message, 'throws');
}

export async function rejects(promiseOrFn, expectedOrMessage, maybeMessage) {
  const [expected, message] = expectedAndMessage(expectedOrMessage, maybeMessage);
  const error = await caughtAsync(promiseOrFn);
  if (error === NO_EXCEPTION) missing(expected, message, 'rejects');
  if (expected !== undefined) checkExpected(error, expected, message, 'rejects');
}

function unwanted(error, expected, message, operator) {
  // Only an error of the kind `expected` names is unwanted; any other is rethrown.
  if (expected !== undefined && typeof expected === 'function' && expected.prototype !== undefined && !(error instanceof expected)) {
    throw error;
  }
  const detail = message ? `: ${message}` : '.';
  const word = operator === 'doesNotReject' ? 'rejection' : 'exception';
  // Node counts this text as given, not generated (`generatedMessage` false).
  failWith(`Got unwanted ${word}${detail}\nActual message: "${error?.message}"`, error, expected, operator);
}

export function doesNotThrow(fn, expectedOrMessage, maybeMessage) {
  const [expected, message] = expectedAndMessage(expectedOrMessage, maybeMessage);
  const error = caught(fn);
  if (error !== NO_EXCEPTION) unwanted(error, expected, message, 'doesNotThrow');
}

export async function doesNotReject(promiseOrFn, expectedOrMessage, maybeMessage) {
  const [expected, message] = expectedAndMessage(expectedOrMessage, maybeMessage);
  const error = await caughtAsync(promiseOrFn);
  if (error !== NO_EXCEPTION) unwanted(error, expected, message, 'doesNotReject');
}

const methods = {
  fail,
  AssertionError,
  ok,
  equal,
  notEqual,
  deepEqual,
  notDeepEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  strictEqual,
  notStrictEqual,
  throws,
  rejects,
  doesNotThrow,
  doesNotReject,
  ifError,
  match,
  doesNotMatch,
};

/** Node's `assert`: a function (as `ok`) with the methods as its properties. */
function assert(...args) {
  innerOk(args, '==');
}
Object.assign(assert, methods);

/** `assert.strict` (and `assert/strict`): the loose methods are the strict ones. */
function strict(...args) {
  innerOk(args, '==');
}
Object.assign(strict, methods, {
  equal: strictEqual,
  notEqual: notStrictEqual,
  deepEqual: deepStrictEqual,
  notDeepEqual: notDeepStrictEqual,
});
assert.strict = strict;
strict.strict = strict;

export { strict };
export default assert;
