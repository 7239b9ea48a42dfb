// The Node.js side of Kiln's JS benchmarks (runtime/benches/js_support):
// a Forge handler run in a fresh `vm` context per call, its promise awaited
// and the result JSON-encoded, as Kiln's dispatcher does.
//
//   node bench/js-node-vm.mjs <handler source file> <export name> [<stub dir>]
//
// With a stub directory (one `<name>.json` per resource, named by the request
// path's last segment, the same files Kiln's transport stub and the floor
// answer with), the handler's `import api, { route } from '@forge/api'` is
// served by a stand-in: `route` escapes its values as Forge's does and
// `api.asApp()/asUser().requestJira(route)` resolves a Response-like object
// (`ok`, `status`, `statusText`, `headers`, `json()`, `text()`) over the
// canned JSON. The stand-in is made anew for every call, like the context.
//
// Driven over stdin/stdout so that the benchmark can interleave Node with
// Kiln in one run (noise hits both alike): each input line is a count N;
// the answer is one line of N timings in µs, space-separated. `show` answers
// with one call's JSON result. 200 warm-up calls run before the first
// answer. An empty line or end of input stops.
import vm from 'node:vm';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [sourcePath, exportName, stubDir] = process.argv.slice(2);
if (!sourcePath || !/^[A-Za-z_$][\w$]*$/.test(exportName ?? '')) {
  console.error('usage: node bench/js-node-vm.mjs <handler source> <export name> [<stub dir>]');
  process.exit(2);
}
const bodies = new Map();
for (const file of stubDir ? readdirSync(stubDir) : []) {
  if (file.endsWith('.json')) {
    bodies.set(file.slice(0, -'.json'.length), readFileSync(join(stubDir, file), 'utf8'));
  }
}
// A script, not a module: the stand-in `api` and `route` are globals of the
// context instead of an import.
const source = readFileSync(sourcePath, 'utf8')
  .replace(/^import .* from '@forge\/api';$/gm, '')
  .replace(/^export /gm, '');
const script = new vm.Script(`${source}
globalThis.result = ${exportName}(JSON.parse(payload), context).then((v) => JSON.stringify(v ?? null));`);
const context = {
  invocationId: '0',
  cloudId: 'bench-cloud',
  siteUrl: 'https://kiln-bench.atlassian.net',
  moduleKey: 'main',
};

/** `@forge/api`'s `route` and `requestJira` over the canned answers. */
function forgeStandIn() {
  const route = (strings, ...values) =>
    strings.reduce((path, part, i) => path + encodeURIComponent(String(values[i - 1])) + part);
  const requestJira = async (path) => {
    const name = String(path).split('?')[0].split('/').pop();
    const body = bodies.get(name);
    if (body === undefined) throw new Error(`no canned answer for ${path}`);
    return {
      ok: true,
      status: 200,
      statusText: 'OK',
      headers: new Map([['content-type', 'application/json']]),
      json: async () => JSON.parse(body),
      text: async () => body,
    };
  };
  const client = Object.freeze({ requestJira });
  return { api: Object.freeze({ asApp: () => client, asUser: () => client }), route };
}

async function invoke() {
  const globals = { payload: '{}', context };
  if (stubDir) Object.assign(globals, forgeStandIn());
  const sandbox = vm.createContext(globals);
  script.runInContext(sandbox);
  return await sandbox.result;
}

for (let i = 0; i < 200; i++) await invoke();

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line === 'show') {
    process.stdout.write(`${await invoke()}\n`);
    continue;
  }
  const n = Number(line);
  if (!line || !Number.isInteger(n) || n <= 0) break;
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await invoke();
    times.push((Number(process.hrtime.bigint() - t) / 1000).toFixed(1));
  }
  process.stdout.write(`${times.join(' ')}\n`);
}
// Open stdin would keep the event loop alive.
process.exit(0);
