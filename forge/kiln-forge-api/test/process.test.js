// Node's `process` as a Kiln app sees it (src/node/process.js), against
// Node's own where the two should agree: the shapes and types npm code
// reads, `nextTick`'s order among timers and promise jobs, `hrtime`'s
// arithmetic and errors, `emitWarning`'s warning, the EventEmitter. Where
// Kiln differs on purpose (the values it reports, `nextTick` beside promise
// jobs, what throws), the test says so.
//
// Under Node the global `process` is Node's, so most tests make their own
// Kiln process (`createProcess`); the last ones run the layer in a child
// Node with no `process` global, as in the sandbox, where the layer makes it.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { format } from 'node:util';

import { createProcess, configureProcess, browserProcess, DEFAULT_RUNTIME } from '../src/node/process.js';
import * as processModule from '../src/node/process.js';
import EventEmitter from '../src/node/events.cjs';
import { setImmediate as kilnSetImmediate } from '../src/node/globals.js';

const real = process;

/** Runs `fn` with `console[method]` calls collected, as the app log would get them (util.format). */
function capturing(methods, fn) {
  const saved = {};
  const entries = [];
  for (const method of methods) {
    saved[method] = console[method];
    console[method] = (...args) => entries.push([method, format(...args)]);
  }
  try {
    return [fn(), entries];
  } finally {
    Object.assign(console, saved);
  }
}

const later = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

test('the values npm code reads have the types and shapes of Node\'s', () => {
  const kiln = createProcess();
  for (const key of ['version', 'platform', 'arch', 'title', 'argv0', 'execPath', 'pid', 'ppid']) {
    assert.equal(typeof kiln[key], typeof real[key], key);
  }
  for (const key of ['argv', 'execArgv']) {
    assert.ok(Array.isArray(kiln[key]) && kiln[key].every((item) => typeof item === 'string'), key);
  }
  assert.equal(kiln.argv[0], kiln.execPath);
  assert.equal(real.argv[0], real.execPath);
  assert.deepEqual(kiln.execArgv, []);
  for (const key of ['cwd', 'nextTick', 'hrtime', 'uptime', 'emitWarning', 'exit', 'abort', 'kill', 'chdir']) {
    assert.equal(typeof kiln[key], 'function', key);
  }
  assert.equal(typeof kiln.hrtime.bigint, typeof real.hrtime.bigint);
  assert.equal(typeof kiln.stdout.write, 'function');
  assert.equal(typeof kiln.stderr.write, 'function');
  // Not a terminal: Node's `isTTY` is then undefined, and colour libraries print plain.
  assert.equal(kiln.stdout.isTTY, undefined);
  // `v` and the `versions.node` semver, as Node gives them.
  assert.match(real.version, /^v\d+\.\d+\.\d+$/);
  assert.match(kiln.version, /^v\d+\.\d+\.\d+$/);
  assert.equal(kiln.version, `v${kiln.versions.node}`);
  assert.equal(real.version, `v${real.versions.node}`);
  assert.ok(kiln.versions.node.split('.').map(Number).every(Number.isInteger));
  assert.equal(kiln.release.name, real.release.name);
  assert.ok(['aix', 'darwin', 'freebsd', 'linux', 'openbsd', 'sunos', 'win32'].includes(kiln.platform));
  assert.ok(['arm', 'arm64', 'ia32', 'loong64', 'mips', 'mipsel', 'ppc', 'ppc64', 'riscv64', 's390', 's390x', 'x64'].includes(kiln.arch));
  assert.ok(Number.isInteger(kiln.pid) && Number.isInteger(kiln.ppid));
  assert.ok(kiln.cwd().startsWith('/'));
  // Read-only as in Node: an assignment does not change them.
  for (const key of ['version', 'versions', 'platform', 'arch', 'pid', 'ppid', 'execPath', 'release']) {
    const mine = Object.getOwnPropertyDescriptor(kiln, key);
    const node = Object.getOwnPropertyDescriptor(real, key);
    assert.equal(mine.writable, false, key);
    if (node && 'writable' in node && ['version', 'versions', 'platform', 'arch'].includes(key)) {
      assert.equal(mine.writable, node.writable, key);
      assert.equal(mine.enumerable, node.enumerable, key);
    }
  }
  assert.equal(Object.getOwnPropertyDescriptor(kiln.versions, 'node').writable, Object.getOwnPropertyDescriptor(real.versions, 'node').writable);
  // The env is the app's: an empty object until the config variables come.
  assert.deepEqual(kiln.env, {});
});

test('Kiln reports Forge\'s runtime: Node 22.0.0 on linux x64 unless the manifest says otherwise', () => {
  assert.equal(DEFAULT_RUNTIME, 'nodejs22.x');
  const kiln = createProcess();
  assert.equal(kiln.version, 'v22.0.0');
  assert.deepEqual({ ...kiln.versions }, { node: '22.0.0' });
  assert.deepEqual({ ...kiln.release }, { name: 'node' });
  assert.equal(kiln.platform, 'linux');
  assert.equal(kiln.arch, 'x64');
  assert.deepEqual([kiln.pid, kiln.ppid, kiln.title, kiln.cwd()], [1, 0, 'node', '/']);
  // What the manifest schema accepts for app.runtime.name and architecture.
  for (const [runtime, node] of [['nodejs18.x', '18.0.0'], ['nodejs20.x', '20.0.0'], ['nodejs22.x', '22.0.0'], ['nodejs24.x', '24.0.0'], ['sandbox', '22.0.0']]) {
    const configured = createProcess({ runtime });
    assert.equal(configured.versions.node, node, runtime);
    assert.equal(configured.version, `v${node}`, runtime);
  }
  assert.equal(createProcess({ architecture: 'arm64' }).arch, 'arm64');
  assert.equal(createProcess({ architecture: 'x86_64' }).arch, 'x64');
  // Configured later (installGlobals), what is not given stays.
  configureProcess(kiln, { runtime: 'nodejs20.x' });
  assert.deepEqual([kiln.version, kiln.arch], ['v20.0.0', 'x64']);
  configureProcess(kiln, { architecture: 'arm64' });
  assert.deepEqual([kiln.version, kiln.arch], ['v20.0.0', 'arm64']);
  // Never another process: Node's own stays Node's.
  const before = [real.version, real.arch];
  configureProcess(real, { runtime: 'nodejs18.x', architecture: 'arm64' });
  assert.deepEqual([real.version, real.arch], before);
});

test('what the Forge app that found this reads: `process.versions.node` in a handler', () => {
  // ibuchanan/forge-rovo-guardrail-sprint, src/forge/lifecycle.ts.
  const process = createProcess({ runtime: 'nodejs22.x' });
  assert.equal(`Node.js runtime version ${process.versions.node}`, 'Node.js runtime version 22.0.0');
  assert.equal(JSON.stringify(process.versions), '{"node":"22.0.0"}');
});

/** The same steps on `proc`, run from a timer (a macrotask), and the order things ran in. */
async function order(proc, steps) {
  const log = [];
  await new Promise((resolve) => {
    setTimeout(() => {
      steps(proc, log);
      setTimeout(resolve, 10);
    }, 0);
  });
  return log;
}

test('nextTick runs before timers and setImmediate, with its arguments, as Node\'s', async () => {
  const steps = (proc, log) => {
    setTimeout(() => log.push('timeout'), 0);
    kilnSetImmediate(() => log.push('immediate'));
    proc.nextTick((a, b) => log.push(`tick ${a} ${b}`), 1, 'two');
    Promise.resolve().then(() => log.push('promise'));
  };
  const kiln = await order(createProcess(), steps);
  assert.deepEqual(kiln, await order(real, steps));
  assert.deepEqual(kiln, ['tick 1 two', 'promise', 'timeout', 'immediate']);
});

test('ticks queued by a tick run before the promise jobs it queued, as Node\'s', async () => {
  const steps = (proc, log) => {
    proc.nextTick(() => {
      log.push('tick 1');
      Promise.resolve().then(() => log.push('promise from tick 1'));
      proc.nextTick(() => log.push('tick 2'));
    });
    proc.nextTick(() => log.push('tick 3'));
  };
  const kiln = await order(createProcess(), steps);
  assert.deepEqual(kiln, await order(real, steps));
  assert.deepEqual(kiln, ['tick 1', 'tick 3', 'tick 2', 'promise from tick 1']);
});

test('nextTick beside promise jobs: Kiln keeps the order they were queued in, Node runs ticks first (documented)', async () => {
  const steps = (proc, log) => {
    Promise.resolve().then(() => log.push('promise'));
    proc.nextTick(() => log.push('tick'));
  };
  assert.deepEqual(await order(real, steps), ['tick', 'promise']);
  assert.deepEqual(await order(createProcess(), steps), ['promise', 'tick']);
});

test('a tick that throws is thrown as from a microtask, and the ticks behind it still run', () => {
  const saved = globalThis.queueMicrotask;
  const queued = [];
  globalThis.queueMicrotask = (fn) => queued.push(fn);
  try {
    const kiln = createProcess();
    const log = [];
    kiln.nextTick(() => {
      throw new Error('boom');
    });
    kiln.nextTick(() => log.push('after'));
    assert.equal(queued.length, 1);
    assert.throws(() => queued.shift()(), /boom/);
    assert.equal(queued.length, 1);
    queued.shift()();
    assert.deepEqual(log, ['after']);
  } finally {
    globalThis.queueMicrotask = saved;
  }
});

/** `fn`'s error as Node shows it: its class, code and message. */
function errorOf(fn) {
  try {
    fn();
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message };
  }
  assert.fail('did not throw');
}

test('nextTick, hrtime and emitWarning refuse what Node\'s refuse, with Node\'s errors', () => {
  const kiln = createProcess();
  for (const value of [1, 1.5, NaN, 'callback', 'x'.repeat(28), 'y'.repeat(40), "it's", Symbol('s'), undefined, null, {}, [], new (class Foo {})(), 10n ** 40n, true]) {
    assert.deepEqual(errorOf(() => kiln.nextTick(value)), errorOf(() => real.nextTick(value)), String(value));
  }
  for (const value of [1, 'x', {}, null]) {
    assert.deepEqual(errorOf(() => kiln.hrtime(value)), errorOf(() => real.hrtime(value)), String(value));
  }
  for (const value of [[], [1], [1, 2, 3]]) {
    assert.deepEqual(errorOf(() => kiln.hrtime(value)), errorOf(() => real.hrtime(value)), String(value));
  }
  for (const value of [5, null, {}]) {
    assert.deepEqual(errorOf(() => kiln.emitWarning(value)), errorOf(() => real.emitWarning(value)), String(value));
  }
});

test('hrtime: [seconds, nanoseconds] from the clock, differences as Node computes them', () => {
  let ms = 1234.5678;
  const kiln = createProcess({ clock: () => ms });
  assert.deepEqual(kiln.hrtime(), [1, 234567800]);
  assert.equal(kiln.hrtime.bigint(), 1234567800n);
  assert.equal(kiln.uptime(), 1.2345678);
  const start = kiln.hrtime();
  ms = 3000.0001;
  // Across a second boundary the nanoseconds borrow, as Node's do.
  assert.deepEqual(kiln.hrtime(start), [1, 765432300]);
  ms = 1234.5678;
  assert.deepEqual(kiln.hrtime(start), [0, 0]);
  // The engine has no clock at build time: 0 there, never negative or NaN.
  for (const reading of [0, -5, NaN, undefined]) {
    const early = createProcess({ clock: () => reading });
    assert.deepEqual(early.hrtime(), [0, 0]);
    assert.equal(early.hrtime.bigint(), 0n);
    assert.equal(early.uptime(), 0);
  }
});

test('hrtime is monotonic and keeps time with Node\'s', async () => {
  const kiln = createProcess();
  let previous = kiln.hrtime.bigint();
  for (let i = 0; i < 10_000; i++) {
    const now = kiln.hrtime.bigint();
    assert.ok(now >= previous);
    previous = now;
    const [seconds, nanos] = kiln.hrtime();
    assert.ok(Number.isInteger(seconds) && Number.isInteger(nanos) && nanos >= 0 && nanos < 1e9);
  }
  const kilnStart = kiln.hrtime();
  const nodeStart = real.hrtime();
  await later(50);
  const [ks, kn] = kiln.hrtime(kilnStart);
  const [ns, nn] = real.hrtime(nodeStart);
  const kilnMs = ks * 1e3 + kn / 1e6;
  const nodeMs = ns * 1e3 + nn / 1e6;
  assert.ok(kilnMs >= 45 && Math.abs(kilnMs - nodeMs) < 20, `${kilnMs} vs ${nodeMs}`);
  // Under Node the clock is performance.now(), whose origin is the process's start: uptime as Node's.
  assert.ok(Math.abs(kiln.uptime() - real.uptime()) < 0.5, `${kiln.uptime()} vs ${real.uptime()}`);
});

test('emitWarning: Node\'s warning on the `warning` event, printed with console.warn', async () => {
  const calls = [
    ['plain'],
    ['typed', 'CustomWarning'],
    ['coded', 'CustomWarning', 'KILN001'],
    ['with options', { type: 'DeprecationWarning', code: 'DEP0001', detail: 'use the other one' }],
    [new Error('an error')],
  ];
  const shape = (warning) => ({
    error: warning instanceof Error,
    name: warning.name,
    code: warning.code,
    message: warning.message,
    detail: warning.detail,
  });
  // Node's, with its printer (a `warning` listener) set aside meanwhile.
  const printers = real.listeners('warning');
  for (const printer of printers) real.removeListener('warning', printer);
  const nodeWarnings = [];
  const collect = (warning) => nodeWarnings.push(shape(warning));
  real.on('warning', collect);
  try {
    for (const args of calls) real.emitWarning(...args);
    await later();
  } finally {
    real.removeListener('warning', collect);
    for (const printer of printers) real.on('warning', printer);
  }
  const kiln = createProcess();
  const kilnWarnings = [];
  kiln.on('warning', (warning) => kilnWarnings.push(shape(warning)));
  const saved = console.warn;
  console.warn = () => {};
  try {
    for (const args of calls) kiln.emitWarning(...args);
    // Emitted on the next tick, as Node does.
    assert.deepEqual(kilnWarnings, []);
    await later();
  } finally {
    console.warn = saved;
  }
  assert.deepEqual(kilnWarnings, nodeWarnings);
});

test('emitWarning prints `[code] Type: message`, as util.deprecate does, and honours noDeprecation', async () => {
  const kiln = createProcess();
  const saved = console.warn;
  const printed = [];
  console.warn = (...args) => printed.push(format(...args));
  try {
    kiln.emitWarning('50% done', 'CustomWarning', 'KILN001');
    kiln.emitWarning('old', { type: 'DeprecationWarning', code: 'DEP1', detail: 'use new' });
    kiln.noDeprecation = true;
    kiln.emitWarning('silenced', 'DeprecationWarning');
    kiln.noDeprecation = false;
    kiln.throwDeprecation = true;
    assert.throws(() => kiln.emitWarning('thrown', 'DeprecationWarning'), { name: 'DeprecationWarning', message: 'thrown' });
    kiln.emitWarning('plain');
    await later();
  } finally {
    console.warn = saved;
  }
  assert.deepEqual(printed, ['[KILN001] CustomWarning: 50% done', '[DEP1] DeprecationWarning: old\nuse new', 'Warning: plain']);
});

test('stdout and stderr: each write is one log entry, at console.log\'s and console.error\'s level', async () => {
  const kiln = createProcess();
  let called = 0;
  const [results, entries] = capturing(['log', 'error'], () => [
    kiln.stdout.write('hello\n'),
    kiln.stdout.write('50%% done, %s unchanged'),
    kiln.stdout.write(new TextEncoder().encode('bytes ✓\n')),
    kiln.stdout.write(''),
    kiln.stderr.write('two\nlines\n', 'utf8', () => called++),
    kiln.stderr.write('cb', () => called++),
  ]);
  assert.deepEqual(results, [true, true, true, true, true, true]);
  assert.deepEqual(entries, [
    ['log', 'hello'],
    ['log', '50%% done, %s unchanged'],
    ['log', 'bytes ✓'],
    ['error', 'two\nlines'],
    ['error', 'cb'],
  ]);
  await later();
  assert.equal(called, 2);
  assert.throws(() => kiln.stdout.write(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.ok(kiln.stdout instanceof EventEmitter);
});

test('exit, abort, kill and chdir throw, naming themselves: there is no process to end', () => {
  const kiln = createProcess();
  assert.throws(() => kiln.exit(0), /^Error: process\.exit\(\) is not available to a Kiln app: there is no process to exit in the sandbox/);
  assert.throws(() => kiln.exit(), /process\.exit\(\)/);
  assert.throws(() => kiln.abort(), /^Error: process\.abort\(\) is not available to a Kiln app/);
  assert.throws(() => kiln.kill(1, 'SIGTERM'), /^Error: process\.kill\(\) is not available to a Kiln app: there are no processes to signal/);
  assert.throws(() => kiln.chdir('/tmp'), /^Error: process\.chdir\(\) is not available to a Kiln app/);
  assert.equal(kiln.cwd(), '/');
});

test('process is an EventEmitter whose listeners behave as on Node\'s process', () => {
  const run = (proc) => {
    const log = [];
    const a = (x) => log.push(`a ${x}`);
    const b = (x) => log.push(`b ${x}`);
    proc.on('kiln-test', a);
    proc.once('kiln-test', b);
    log.push(proc.listeners('kiln-test').length, proc.listenerCount('kiln-test'));
    log.push(proc.emit('kiln-test', 1), proc.emit('kiln-test', 2));
    proc.off('kiln-test', a);
    log.push(proc.emit('kiln-test', 3), proc.listeners('kiln-test').length);
    proc.addListener('kiln-test', a);
    proc.prependListener('kiln-test', b);
    proc.emit('kiln-test', 4);
    proc.removeListener('kiln-test', a);
    proc.removeAllListeners('kiln-test');
    log.push(proc.eventNames().includes('kiln-test'));
    return log;
  };
  const kiln = createProcess();
  assert.deepEqual(run(kiln), run(real));
  assert.ok(kiln instanceof EventEmitter);
  // Kept, never emitted by Kiln: an app's handlers for Node's process events.
  kiln.on('uncaughtException', () => {});
  kiln.on('exit', () => {});
  assert.equal(kiln.listenerCount('uncaughtException'), 1);
  assert.equal(kiln.listenerCount('exit'), 1);
});

test('Node\'s absent parts stay absent, and process does not pass for all of Node', () => {
  const kiln = createProcess();
  for (const key of ['memoryUsage', 'cpuUsage', 'resourceUsage', 'binding', 'dlopen', 'stdin', 'umask', 'getuid', 'config', 'features', 'getBuiltinModule', 'browser']) {
    assert.equal(kiln[key], undefined, key);
  }
  assert.equal(Object.prototype.toString.call(kiln), '[object Object]');
  // What `browser-or-node` and iconv-lite ask: yes, Node.
  assert.ok(kiln.versions != null && kiln.versions.node != null);
});

test('the module\'s named exports are the process\'s, callable unbound (`require(\'process\').nextTick`)', async () => {
  // Under Node the module's process is Node's own.
  assert.equal(processModule.default, real);
  assert.equal(processModule.env, real.env);
  assert.equal(processModule.versions, real.versions);
  const log = [];
  const { nextTick, on, emit, removeAllListeners } = processModule;
  nextTick(() => log.push('tick'));
  on('kiln-named', (x) => log.push(x));
  emit('kiln-named', 'emitted');
  removeAllListeners('kiln-named');
  await later();
  assert.deepEqual(log, ['emitted', 'tick']);
});

// The layer as the sandbox runs it: no `process` global until the layer makes one.
function inSandbox(body) {
  const src = (file) => JSON.stringify(new URL(`../src/${file}`, import.meta.url).href);
  const code = `
    const nodeProcess = globalThis.process;
    delete globalThis.process;
    const report = (value) => nodeProcess.stdout.write(JSON.stringify(value));
    const { fakeHost } = await import(${JSON.stringify(new URL('./fake-host.js', import.meta.url).href)});
    const { installHost } = await import(${src('host.js')});
    const handler = await import(${src('handler.js')});
    const processModule = await import(${src('node/process.js')});
    ${body}
  `;
  const child = spawnSync(real.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...real.env, KILN_TEST_SECRET: 'host-only' } });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

test('in the sandbox the global and the module are one process, set up by installGlobals', () => {
  const result = inSandbox(`
    const before = { version: processModule.version, arch: processModule.arch };
    handler.installGlobals({ runtime: 'nodejs20.x', architecture: 'arm64' });
    const p = globalThis.process;
    report({
      one: processModule.default === p,
      before,
      version: p.version,
      named: { version: processModule.version, arch: processModule.arch, versions: processModule.versions === p.versions, env: processModule.env === p.env },
      arch: p.arch,
      // Top-level code runs at build time: no clock there.
      buildClock: [p.hrtime(), p.uptime(), String(p.hrtime.bigint())],
      host: JSON.stringify({ ...p, env: p.env, argv: p.argv, cwd: p.cwd(), pid: p.pid, ppid: p.ppid, execPath: p.execPath }),
      nodePid: nodeProcess.pid, nodePpid: nodeProcess.ppid, nodeCwd: nodeProcess.cwd(), nodeExecPath: nodeProcess.execPath,
    });
  `);
  assert.equal(result.one, true);
  assert.deepEqual(result.before, { version: 'v22.0.0', arch: 'x64' });
  assert.equal(result.version, 'v20.0.0');
  assert.deepEqual(result.named, { version: 'v20.0.0', arch: 'arm64', versions: true, env: true });
  assert.equal(result.arch, 'arm64');
  assert.deepEqual(result.buildClock, [[0, 0], 0, '0']);
  // Nothing of the host: not its pids, folder, executable or environment.
  // (A fact equal to Kiln's own constant, a run from `/`, says nothing.)
  const facts = [`:${result.nodePid},`, `:${result.nodePpid},`, result.nodeCwd, result.nodeExecPath, 'host-only', 'KILN_TEST_SECRET'];
  for (const fact of facts.filter((fact) => fact !== '/' && fact !== '/usr/local/bin/node')) {
    assert.ok(!result.host.includes(fact), fact);
  }
});

test('in a handler: process.versions.node, the clock and stdout reach the app log', () => {
  const result = inSandbox(`
    const host = fakeHost({ env: [['GREETING', 'hi']] });
    installHost(host);
    handler.installGlobals();
    const answer = await handler.dispatch(
      {
        lifecycle: {
          async run() {
            console.info(\`Node.js runtime version \${process.versions.node}\`);
            const start = process.hrtime();
            await new Promise((resolve) => process.nextTick(resolve));
            process.stdout.write('to stdout\\n');
            process.stderr.write('to stderr\\n');
            return { env: process.env.GREETING, elapsed: process.hrtime(start), uptime: process.uptime(), release: process.release };
          },
        },
      },
      'lifecycle.run',
      '{}',
      { invocationId: 'inv-1', accountId: 'acc-1', cloudId: 'cloud-1', siteUrl: 'http://127.0.0.1:1', moduleKey: 'main', installationId: 'inst-1', trigger: 'function', environment: 'development' },
    );
    report({ answer: JSON.parse(answer), logged: host.logged });
  `);
  assert.deepEqual(result.logged, [
    ['info', 'Node.js runtime version 22.0.0'],
    ['info', 'to stdout'],
    ['error', 'to stderr'],
  ]);
  assert.equal(result.answer.env, 'hi');
  assert.deepEqual(result.answer.release, { name: 'node' });
  // Under Node the engine's clock is performance.now(): running, it reads time.
  const [seconds, nanos] = result.answer.elapsed;
  assert.ok(seconds === 0 && nanos >= 0 && nanos < 1e9);
  assert.ok(result.answer.uptime > 0);
});

test('code bundled as a browser version sees a browser\'s process: no versions.node, the same env and nextTick', async () => {
  const kiln = createProcess({ runtime: 'nodejs22.x' });
  kiln.env.API_KEY = 'k';
  const browser = browserProcess(kiln);
  // What webpack's process/browser shows, so that such code takes its browser path.
  assert.equal(browser.browser, true);
  assert.equal(browser.version, '');
  assert.deepEqual(browser.versions, {});
  assert.equal(browser.versions.node, undefined);
  // Everything else is the app's one process.
  assert.equal(browser.env, kiln.env);
  assert.equal(browser.env.API_KEY, 'k');
  assert.equal(browser.nextTick, kiln.nextTick);
  const ran = await new Promise((resolve) => browser.nextTick(resolve, 'ticked'));
  assert.equal(ran, 'ticked');
  // And the app's own process is unchanged.
  assert.equal(kiln.versions.node, '22.0.0');
  assert.equal(kiln.browser, undefined);
});
