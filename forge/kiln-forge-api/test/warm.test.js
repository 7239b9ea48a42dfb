import test from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';

import { warmEngine } from '../src/warm.js';

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
