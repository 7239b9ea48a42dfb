import test from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';

import { registerWarmup, runWarmups, warmEngine, warmRequests } from '../src/warm.js';
import { asApp, asUser } from '../src/index.js';

test("warmEngine compiles its warm-up with the glue's own Function, so it runs in the glue's global", () => {
  const compiled = [];
  function GlueFunction(source) {
    compiled.push(source);
    return () => ({});
  }
  const glue = () => {};
  Object.defineProperty(glue, 'constructor', { value: GlueFunction });
  warmEngine(glue);
  assert.equal(compiled[0], 'return globalThis');
  assert.match(compiled[1], /^\(function exercise\(\) \{/);
  assert.match(compiled[1], /\}\)\(\)$/);
});

test('warmEngine runs in a real other global and leaves nothing behind in either', () => {
  const other = vm.createContext({});
  const glue = vm.runInContext('(function glue() {})', other);
  assert.notEqual(glue.constructor, Function, 'a function of another global');
  const before = Object.getOwnPropertyNames(globalThis).length;
  warmEngine(glue);
  assert.equal(Object.getOwnPropertyNames(globalThis).length, before);
  assert.equal(vm.runInContext('Object.keys(globalThis).length', other), 0);
});

test('warmEngine with no glue, or glue of this global, warms this global only', () => {
  assert.doesNotThrow(() => warmEngine(undefined));
  assert.doesNotThrow(() => warmEngine(() => {}));
  assert.doesNotThrow(() => warmEngine('not a function'));
});

test('warmRequests runs the request path against a stand-in and puts the real host back', async () => {
  const { installHost, host } = await import('../src/host.js');
  const sent = [];
  const real = {
    jira: {
      requestJira: (request) => {
        sent.push(request);
        throw new Error('the real host must not be called');
      },
    },
    log: { log() {} },
  };
  installHost(real);
  assert.equal(await warmRequests({ asApp, asUser }), 4, 'the whole path ran, twice for each principal');
  assert.equal(host(), real, 'the real host is installed again');
  assert.deepEqual(sent, [], 'nothing reached the real host');
});

test('warmRequests puts the real host back, and never fails the build, when the path throws', async () => {
  const { installHost, host } = await import('../src/host.js');
  const real = { jira: { requestJira: () => ({}) } };
  installHost(real);
  const realEncoder = globalThis.TextEncoder;
  globalThis.TextEncoder = class {
    encode() {
      throw new Error('no encoder');
    }
  };
  try {
    assert.equal(await warmRequests({ asApp, asUser }), 0);
  } finally {
    globalThis.TextEncoder = realEncoder;
  }
  assert.equal(host(), real);
});

test('registered warm-ups run once, in order, and one that throws does not stop the rest', async () => {
  const ran = [];
  registerWarmup(async () => ran.push('a'));
  registerWarmup(() => {
    throw new Error('cold');
  });
  registerWarmup(async () => ran.push('c'));
  await runWarmups();
  // @forge/api (index.js, imported above) registered its request path too.
  assert.deepEqual(ran.slice(-2), ['a', 'c']);
  await runWarmups();
  assert.deepEqual(ran.slice(-2), ['a', 'c'], 'each runs once');
  assert.equal(ran.length, 2);
});

