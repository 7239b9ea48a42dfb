// The layer's `util.inspect` and `util.format` (what an app's `console.log`
// prints) against Node's own, on values backend code logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import realUtil from 'node:util';
import { inspect, format } from '../src/node/util.js';
import { Buffer as LayerBuffer } from '../src/node/buffer.js';

class Foo {
  constructor() {
    this.a = 1;
  }
}
class Bar extends Foo {}
class Tagged {
  get [Symbol.toStringTag]() {
    return 'Special';
  }
}
class ValidationError extends Error {}
class NamedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NamedError';
  }
}
function named() {}
async function fetchIt() {}
function* gen() {}
async function* agen() {}

const circular = { name: 'root' };
circular.self = circular;
const circularDeep = { a: { b: {} } };
circularDeep.a.b.back = circularDeep.a;
circularDeep.top = circularDeep;
const circularArray = [1];
circularArray.push(circularArray);

const withGetters = {
  get value() {
    return 1;
  },
  get both() {
    return 2;
  },
  set both(v) {},
  set only(v) {},
};

const nullProto = Object.assign(Object.create(null), { a: 1 });
const sparse = [1, , 3];
sparse[10] = 'x';
const arrayWithKey = Object.assign([1, 2], { extra: true });
const withSymbols = { [Symbol('x')]: 1, [Symbol.iterator]: 2, plain: 3 };
const withOwnTag = { [Symbol.toStringTag]: 'Own', a: 1 };
const nonEnumTag = Object.defineProperty({ a: 1 }, Symbol.toStringTag, { value: 'Hidden' });
const customObject = { [Symbol.for('nodejs.util.inspect.custom')]: () => 'CUSTOM!' };
const customObjectReturningObject = { [Symbol.for('nodejs.util.inspect.custom')]: () => ({ replaced: [1, 2] }) };
const customDepth = {
  [Symbol.for('nodejs.util.inspect.custom')](depth, options, inspectFn) {
    return `Custom<${depth}, ${typeof options.stylize}, ${inspectFn({ x: 1 })}>`;
  },
};
const fnWithProps = Object.assign(function helper() {}, { retries: 3 });
const dateWithProps = Object.assign(new Date(0), { note: 'x' });

const jiraEvent = {
  eventType: 'avi:jira:updated:issue',
  atlassianId: '5b10ac8d82e05b22cc7d4ef5',
  issue: {
    id: '10073',
    key: 'KILN-42',
    fields: {
      summary: 'Build fails when the manifest has no runtime',
      issuetype: { id: '10001', name: 'Bug', iconUrl: 'https://example.atlassian.net/images/bug.svg' },
      project: { id: '10000', key: 'KILN', name: 'Kiln', projectTypeKey: 'software' },
      assignee: null,
      labels: ['build', 'manifest'],
      created: '2024-05-01T10:20:30.000+0000',
    },
  },
  changelog: {
    id: '10500',
    items: [{ field: 'status', fieldtype: 'jira', from: '10000', fromString: 'To Do', to: '10001', toString: 'In Progress' }],
  },
  context: { cloudId: 'a436116f-02ce-4520-8fbb-7301462a1674', moduleKey: 'issue-updated' },
};
const webTriggerRequest = {
  method: 'POST',
  headers: { 'content-type': ['application/json'], 'user-agent': ['curl/8.0'], 'x-forwarded-for': ['10.0.0.1'] },
  body: '{"hello":"world"}',
  path: '/x',
  queryParameters: { page: ['1'] },
};

const errorWithProps = Object.assign(new Error('denied'), { code: 'E_DENIED', status: 403 });
const errorWithCause = new Error('outer', { cause: new RangeError('inner') });
const errorNoStack = Object.assign(new Error('stackless'), { code: 1 });
errorNoStack.stack = '';
const errorLoop = new Error('loop');
errorLoop.cause = errorLoop;

const long = Array.from({ length: 120 }, (_, i) => i);
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];

/** [label, value] pairs: each inspected by both and compared. */
const values = [
  ['string', 'hello'],
  ['empty string', ''],
  ['string with single quote', "it's"],
  ['string with both quotes', `it's "quoted"`],
  ['string with all quotes', 'it\'s "q" `b`'],
  ['string escapes', 'tab\there\nnew\\ \x00 \x7f \x1b'],
  ['lone surrogate', 'a\ud800b'],
  ['emoji', 'ok 👍'],
  ['long string', 'x'.repeat(100)],
  ['long multi-line string', `${'line one is here '.repeat(3)}\n${'line two '.repeat(10)}\nend`],
  ['number', 42],
  ['negative zero', -0],
  ['NaN', NaN],
  ['Infinity', -Infinity],
  ['float', 3.14159],
  ['bigint', 12345678901234567890n],
  ['true', true],
  ['false', false],
  ['null', null],
  ['undefined', undefined],
  ['symbol', Symbol('s')],
  ['symbol no description', Symbol()],
  ['empty object', {}],
  ['flat object', { a: 1, b: 'two', c: true, d: null, e: undefined }],
  ['quoted keys', { 'a-b': 1, '1': 2, $dollar: 3, _under: 4, 'with space': 5, "it's": 6, '': 7 }],
  ['__proto__ key', JSON.parse('{"__proto__": 1}')],
  ['symbol keys', withSymbols],
  ['nested to depth', { a: { b: { c: { d: { e: 1 } } } } }],
  ['nested arrays to depth', [[[[1]]]]],
  ['empty nested at depth', { a: { b: { c: {}, d: [] } } }],
  ['jira event', jiraEvent],
  ['web trigger request', webTriggerRequest],
  ['long object wraps', { summary: 'a fairly long summary string', description: 'another long-ish string value', priority: 'High' }],
  ['object of objects', { one: { a: 1 }, two: { b: 2 }, three: { c: 3 } }],
  ['many keys', Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, i]))],
  ['empty array', []],
  ['short array', [1, 2, 3]],
  ['mixed array', [1, 'two', { three: 3 }, [4], null, undefined]],
  ['array of 7 numbers', [1, 2, 3, 4, 5, 6, 7]],
  ['array of 26 numbers', Array.from({ length: 26 }, (_, i) => i * 37)],
  ['array over 100', long],
  ['array of 101', Array.from({ length: 101 }, () => 'ab')],
  ['array of words', words],
  ['array of objects', [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]],
  ['nested arrays grouping', [Array.from({ length: 20 }, (_, i) => i), Array.from({ length: 8 }, (_, i) => `s${i}`)]],
  ['array of bigints', [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]],
  ['sparse array', sparse],
  ['holes only', new Array(5)],
  ['array with key', arrayWithKey],
  ['long strings in array', ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)]],
  ['Date', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))],
  ['invalid Date', new Date('nope')],
  ['Date with props', dateWithProps],
  ['RegExp', /ab+c/gi],
  ['RegExp in object', { pattern: /^KILN-\d+$/ }],
  ['named function', named],
  ['anonymous function', (() => () => {})()],
  ['arrow function', (x) => x],
  ['async function', fetchIt],
  ['generator function', gen],
  ['async generator function', agen],
  ['class', Foo],
  ['subclass', Bar],
  ['anonymous class', (() => class {})()],
  ['function with props', fnWithProps],
  ['functions in object', { run: named, handler: fetchIt, Klass: Foo }],
  ['class instance', new Foo()],
  ['subclass instance', new Bar()],
  ['empty class instance', new (class Empty {})()],
  ['toStringTag class', new Tagged()],
  ['own toStringTag', withOwnTag],
  ['non-enumerable toStringTag', nonEnumTag],
  ['null prototype', nullProto],
  ['empty null prototype', Object.create(null)],
  ['circular', circular],
  ['circular deep', circularDeep],
  ['circular array', circularArray],
  ['getters', withGetters],
  ['Map', new Map([['a', 1], ['b', { c: [1, 2] }]])],
  ['empty Map', new Map()],
  ['Map with object keys', new Map([[{ k: 1 }, 'v']])],
  ['Set', new Set([1, 'two', [3]])],
  ['empty Set', new Set()],
  ['nested Map beyond depth', { a: { b: { c: new Map([[1, 2]]) } } }],
  ['big Set', new Set(Array.from({ length: 30 }, (_, i) => i))],
  ['Uint8Array', new Uint8Array([1, 2, 255])],
  ['Float64Array', new Float64Array([1.5, -0, NaN])],
  ['BigInt64Array', new BigInt64Array([1n, -2n])],
  ['long Uint8Array', new Uint8Array(130)],
  ['empty Int32Array', new Int32Array(0)],
  ['ArrayBuffer', new Uint8Array([1, 2, 3]).buffer],
  ['Node Buffer', Buffer.from([1, 2, 254])],
  ['long Node Buffer', Buffer.alloc(60, 7)],
  ['Buffer in object', { data: Buffer.from('hi') }],
  ['pending Promise', new Promise(() => {})],
  ['WeakMap', new WeakMap()],
  ['boxed Number', new Number(3)],
  ['boxed String', new String('abc')],
  ['boxed Boolean', new Boolean(false)],
  ['boxed BigInt', Object(5n)],
  ['boxed Symbol', Object(Symbol('b'))],
  ['boxed String with prop', Object.assign(new String('ab'), { x: 1 })],
  ['custom inspect', customObject],
  ['custom inspect returning object', customObjectReturningObject],
  ['custom inspect args', customDepth],
  ['custom inspect nested', { inner: customObject, list: [customObject] }],
  ['Error', new Error('boom')],
  ['TypeError', new TypeError('bad')],
  ['Error with props', errorWithProps],
  ['Error with cause', errorWithCause],
  ['Error without stack', errorNoStack],
  ['Error cause loop', errorLoop],
  ['subclass Error without name', new ValidationError('invalid')],
  ['named Error subclass', new NamedError('named')],
  ['Error in object', { ok: false, error: new Error('nested') }],
  ['Error in array', [new RangeError('r')]],
  ['AggregateError', new AggregateError([new Error('a')], 'many')],
  ['arguments', (function () {
    return arguments;
  })(1, 'a')],
  ['object with long array inside', { issues: Array.from({ length: 12 }, (_, i) => `KILN-${i + 1}`) }],
  ['deep mixed', { list: [{ a: [{ b: 1 }] }], map: new Map([['k', { v: [1] }]]) }],
  ['object with multiline string', { text: 'first line\nsecond line that is long enough to be split up here' }],
];

test('util.inspect prints each value as Node does', () => {
  assert.ok(values.length >= 80);
  const differing = [];
  for (const [label, value] of values) {
    const mine = inspect(value);
    const node = realUtil.inspect(value);
    if (mine !== node) differing.push(`${label}:\n  kiln: ${JSON.stringify(mine)}\n  node: ${JSON.stringify(node)}`);
  }
  assert.deepEqual(differing, []);
});

test('util.inspect takes depth, compact, breakLength, sorted and showHidden', () => {
  const options = [
    { depth: 0 },
    { depth: 5 },
    { depth: null },
    { depth: Infinity },
    { breakLength: 40 },
    { breakLength: Infinity },
    { compact: false },
    { compact: true },
    { compact: 1 },
    { sorted: true },
    { sorted: true, compact: false },
    { showHidden: true },
  ];
  const differing = [];
  for (const option of options) {
    for (const [label, value] of values) {
      if (option.showHidden && (typeof value === 'function' || value instanceof Error || ArrayBuffer.isView(value) || value instanceof ArrayBuffer || (value !== null && typeof value === 'object' && Object.values(value).some((v) => typeof v === 'function' || v instanceof Error)))) continue;
      // showHidden: Node also lists a class's prototype accessors, and internals (Map/Set/Promise slots) only V8 shows.
      if (/arguments|Promise|WeakMap|Map|Set|toStringTag class|custom inspect args/.test(label) && (option.showHidden || option.depth === 0)) continue;
      const mine = inspect(value, option);
      const node = realUtil.inspect(value, option);
      if (mine !== node) differing.push(`${label} ${JSON.stringify(option)}:\n  kiln: ${JSON.stringify(mine)}\n  node: ${JSON.stringify(node)}`);
    }
  }
  assert.deepEqual(differing, []);
});

test('util.format (and so console.log) substitutes and inspects as Node does', () => {
  const cases = [
    ['%s has %d issues (%i%%)', 'KILN', 42, 99.5],
    ['%s %d %i %f %j %o %O %%', 'str', '7', '8.9', '1.5', { a: 1 }, { b: [2] }, { c: { d: { e: { f: 1 } } } }],
    ['%s', { a: { b: { c: 1 } } }],
    ['%s', [1, [2, [3]]]],
    ['%s', new Map([[1, 2]])],
    ['%s', { toString: () => 'custom toString' }],
    ['%s', new Foo()],
    ['%s', null],
    ['%s', undefined],
    ['%s', -0],
    ['%s', 5n],
    ['%s', Symbol('x')],
    ['%s', new Date(0)],
    ['%d', -0],
    ['%d', '0x10'],
    ['%d', 5n],
    ['%d', Symbol('y')],
    ['%i', '42.9px'],
    ['%i', 7n],
    ['%f', 'abc'],
    ['%j', circular],
    ['%j', undefined],
    ['%o', [1, 2]],
    ['%o', { a: { b: { c: { d: { e: 1 } } } } }],
    ['%O', jiraEvent],
    ['%c styled', 'color: red'],
    ['100%', 1],
    ['100%%'],
    ['100%% done', 'x'],
    ['%x %s', 'a'],
    ['missing %s %s', 'one'],
    ['no placeholders', 'a', 1, { b: 2 }],
    ['event:', jiraEvent],
    ['map:', new Map([['a', 1]]), 'set:', new Set([1])],
    ['error:', errorWithProps],
    [jiraEvent],
    [42, 'text', { a: 1 }],
    [{ a: 1 }, '%s', 'x'],
    [],
    [undefined],
    [null, null],
    ['%s:%s', 'a'],
    ['%%s %s', 'a'],
  ];
  for (const args of cases) {
    assert.equal(format(...args), realUtil.format(...args), realUtil.inspect(args));
  }
});

test("the layer's Buffer (the buffer package) prints as Node's Buffer", () => {
  assert.equal(inspect(LayerBuffer.from([1, 2, 254])), '<Buffer 01 02 fe>');
  assert.equal(inspect(LayerBuffer.alloc(60, 7)), realUtil.inspect(Buffer.alloc(60, 7)));
  assert.equal(inspect({ data: LayerBuffer.from('hi') }), "{ data: <Buffer 68 69> }");
});

test('an Error in the engine\'s stack format, nested in an object, prints as Node would print it', () => {
  const engine = new TypeError('bad input');
  engine.stack = 'run@app/src/index.js:3:9\ndispatch@kiln-forge-api/src/handler.js:120:5\n';
  assert.equal(
    inspect({ failed: engine }),
    '{\n  failed: TypeError: bad input\n      at run@app/src/index.js:3:9\n      at dispatch@kiln-forge-api/src/handler.js:120:5\n}',
  );
  engine.code = 'E_BAD';
  assert.equal(
    format('caught:', engine),
    "caught: TypeError: bad input\n    at run@app/src/index.js:3:9\n    at dispatch@kiln-forge-api/src/handler.js:120:5 {\n  code: 'E_BAD'\n}",
  );
});
