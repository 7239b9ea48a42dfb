// V8's stack trace API over the engine's frames (src/v8_stack.js): the
// engine's `fn@file:line:column` text parsed into call sites whose methods
// answer as V8's do. (Installing it is exercised in a component:
// tests/js/node-streams, where depd reads its caller through it.)

import test from 'node:test';
import assert from 'node:assert/strict';

import { callSites } from '../src/v8_stack.js';

const TEXT = [
  'inner@bundle.js:4120:9',
  'outer/<@bundle.js:4124:10',
  'Parser.prototype.parse/step@app/src/index.js:7:3',
  '@bundle.js:10:1',
  'async*run@bundle.js:4135:15',
  'not a frame',
  '',
].join('\n');

test('each engine frame becomes a call site with V8\'s methods', () => {
  const sites = callSites(TEXT);
  assert.deepEqual(
    sites.map((site) => [site.getFunctionName(), site.getFileName(), site.getLineNumber(), site.getColumnNumber(), site.isAsync(), site.isToplevel()]),
    [
      ['inner', 'bundle.js', 4120, 9, false, false],
      ['outer', 'bundle.js', 4124, 10, false, false],
      ['step', 'app/src/index.js', 7, 3, false, false],
      [null, 'bundle.js', 10, 1, false, true],
      ['run', 'bundle.js', 4135, 15, true, false],
    ],
  );
  assert.deepEqual(
    sites.map(String),
    ['inner (bundle.js:4120:9)', 'outer (bundle.js:4124:10)', 'step (app/src/index.js:7:3)', 'bundle.js:10:1', 'async run (bundle.js:4135:15)'],
  );
  // What V8 answers for what the engine cannot tell.
  const [site] = sites;
  assert.equal(site.getTypeName(), null);
  assert.equal(site.getMethodName(), null);
  assert.equal(site.isEval(), false);
  assert.equal(site.isNative(), false);
  assert.equal(site.isConstructor(), false);
  assert.equal(site.getEvalOrigin(), undefined);
  assert.equal(site.getScriptNameOrSourceURL(), 'bundle.js');
});

test('Error.stackTraceLimit bounds the call sites, as in V8', () => {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 2;
    assert.equal(callSites(TEXT).length, 2);
    Error.stackTraceLimit = 0;
    assert.equal(callSites(TEXT).length, 0);
    Error.stackTraceLimit = undefined;
    assert.equal(callSites(TEXT).length, 0);
  } finally {
    Error.stackTraceLimit = limit;
  }
});

test('the methods V8 code calls all exist', () => {
  // The names of V8's CallSite methods (Node's own call sites), on one of ours.
  let theirs;
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, stack) => stack;
  try {
    theirs = new Error().stack[0];
  } finally {
    Error.prepareStackTrace = prepare;
  }
  const [ours] = callSites(TEXT);
  const names = Object.getOwnPropertyNames(Object.getPrototypeOf(theirs)).filter((name) => name !== 'constructor');
  for (const name of names) {
    assert.equal(typeof ours[name], 'function', name);
  }
});
