// What an app's top-level code reads of process.env while the snapshot is
// taken (src/top_level_env.js): an invocation that finds one of those names
// set fails saying so, since the value the app kept (undefined) is not the
// one Forge's runtime, which runs top-level code with the variables set,
// would have given it.

import test from 'node:test';
import assert from 'node:assert/strict';

import { createProcess } from '../src/node/process.js';
import { stopRecordingTopLevelEnv, staleTopLevelMessage, staleTopLevelReads } from '../src/top_level_env.js';
import { dispatch, installGlobals } from '../src/handler.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const kilnContext = {
  invocationId: 'inv-1',
  accountId: 'acc-1',
  cloudId: 'cloud-1',
  siteUrl: 'http://127.0.0.1:1',
  moduleKey: 'main',
  installationId: 'inst-1',
  trigger: 'function',
  environment: 'development',
};

// The build: the app's top-level code runs against the layer's process.
const kiln = createProcess();
const KEPT = {
  config: kiln.env.CONFIG,
  optional: 'OPTIONAL' in kiln.env,
  // A default written at top level is a write, not a read.
  written: ((kiln.env.WRITTEN = 'default'), delete kiln.env.WRITTEN),
  ...(({ DESTRUCTURED }) => ({ DESTRUCTURED }))(kiln.env),
  listed: Object.keys(kiln.env).filter((name) => name.startsWith('DEBUG_')),
};
stopRecordingTopLevelEnv();
// An invocation: reads from here on are the function's.
const readInFunction = kiln.env.LATER;

test('top-level code read undefined, as Kiln builds an app before any variable exists', () => {
  assert.deepEqual(KEPT, { config: undefined, optional: false, written: true, DESTRUCTURED: undefined, listed: [] });
  assert.equal(readInFunction, undefined);
});

test('only names read at build that are set now are stale', () => {
  assert.deepEqual(staleTopLevelReads({}), []);
  // Set, but read only in the function, or never: nothing the app kept is wrong.
  assert.deepEqual(staleTopLevelReads({ LATER: '1', UNRELATED: '2' }), []);
  // Listing the variables (a prefix search) names none.
  assert.deepEqual(staleTopLevelReads({ DEBUG_COLORS: '1', WRITTEN: 'x' }), []);
  assert.deepEqual(
    staleTopLevelReads({ OPTIONAL: 'yes', CONFIG: '{}', LATER: '1', DESTRUCTURED: 'x' }),
    ['CONFIG', 'DESTRUCTURED', 'OPTIONAL'],
  );
});

test('the message names each variable and says what to do', () => {
  const message = staleTopLevelMessage(['CONFIG', 'TOKEN']);
  assert.match(message, /process\.env\.CONFIG, process\.env\.TOKEN/);
  assert.match(message, /top-level code/);
  assert.match(message, /Read process\.env inside the function/);
});

test("the layer's process.env is still a plain object to the app", () => {
  kiln.env.SET_BY_APP = 'v';
  Object.assign(kiln.env, { ASSIGNED: 'w' });
  assert.equal(kiln.env.SET_BY_APP, 'v');
  assert.deepEqual({ ...kiln.env }, { SET_BY_APP: 'v', ASSIGNED: 'w' });
  assert.equal(JSON.stringify(kiln.env), '{"SET_BY_APP":"v","ASSIGNED":"w"}');
  delete kiln.env.SET_BY_APP;
  delete kiln.env.ASSIGNED;
  assert.deepEqual(Object.keys(kiln.env), []);
});

test('an invocation that finds a top-level read set fails before the handler runs, naming it', async () => {
  installGlobals();
  let ran = false;
  const modules = { index: { run: async () => ((ran = true), 'ran') } };
  installHost(fakeHost({ env: [['CONFIG', '{"region":"eu"}'], ['KILN_WEBTRIGGER_URLS', '{}']] }));
  const failed = await dispatch(modules, 'index.run', '{}', kilnContext).catch((e) => e);
  assert.equal(failed.payload.tag, 'failed');
  assert.match(failed.payload.val, /process\.env\.CONFIG/);
  assert.equal(ran, false);
  // Variables the top-level code did not read: the function runs.
  installHost(fakeHost({ env: [['LATER', '1']] }));
  assert.equal(await dispatch(modules, 'index.run', '{}', kilnContext), '"ran"');
  assert.equal(ran, true);
});
