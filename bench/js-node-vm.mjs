// The Node.js side of Kiln's JS benchmarks (runtime/benches/js_noop.rs):
// a Forge handler run in a fresh `vm` context per call, its promise awaited
// and the result JSON-encoded, as Kiln's dispatcher does.
//
//   node bench/js-node-vm.mjs <handler source file> <export name>
//
// Driven over stdin/stdout so that the benchmark can interleave Node with
// Kiln in one run (noise hits both alike): each input line is a count N;
// the answer is one line of N timings in µs, space-separated. 200 warm-up
// calls run before the first answer. An empty line or end of input stops.
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [sourcePath, exportName] = process.argv.slice(2);
if (!sourcePath || !/^[A-Za-z_$][\w$]*$/.test(exportName ?? '')) {
  console.error('usage: node bench/js-node-vm.mjs <handler source> <export name>');
  process.exit(2);
}
const source = readFileSync(sourcePath, 'utf8').replace(/^export /gm, '');
const script = new vm.Script(`${source}
globalThis.result = ${exportName}(JSON.parse(payload), context).then((v) => JSON.stringify(v ?? null));`);
const context = {
  invocationId: '0',
  cloudId: 'bench-cloud',
  siteUrl: 'https://kiln-bench.atlassian.net',
  moduleKey: 'main',
};

async function invoke() {
  const sandbox = vm.createContext({ payload: '{}', context });
  script.runInContext(sandbox);
  return await sandbox.result;
}

for (let i = 0; i < 200; i++) await invoke();

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
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
