// Code written for Forge's Node.js runtime: Node's modules by both names,
// the global `Buffer` without an import, CommonJS-era helpers. The handler
// reports what each gave; tests/tests/forge_node_modules.rs checks it
// against published test vectors and Node's documented behaviour.

import crypto, { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'events';
import path from 'path';
import util from 'node:util';
import punycode from 'punycode';
import cluster from 'cluster';
import querystring from 'querystring';
import assert, { strictEqual } from 'node:assert';
import diagnostics_channel from 'diagnostics_channel';
import { performance as perf, createHistogram } from 'perf_hooks';

// At the top level too (it runs at build time, in the snapshot).
const builtAt = createHash('sha1').update('top level').digest('hex');

export const run = async (event) => {
  const emitter = new EventEmitter();
  const heard = [];
  emitter.on('issue', (key) => heard.push(key));
  emitter.once('issue', (key) => heard.push(`once ${key}`));
  emitter.emit('issue', 'KILN-1');
  emitter.emit('issue', 'KILN-2');

  const callbackStyle = (a, b, done) => setTimeout(() => done(null, a + b), 0);
  const signature = createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex');
  return {
    md5: createHash('md5').update('abc').digest('hex'),
    sha1: crypto.createHash('sha1').update('abc').digest('hex'),
    sha256: createHash('sha256').update('abc').digest('base64'),
    hmacSha256: signature,
    signatureMatches: timingSafeEqual(Buffer.from(signature, 'hex'), Buffer.from(signature, 'hex')),
    builtAt,
    basicAuth: `Basic ${Buffer.from(`${event.user}:${event.token}`).toString('base64')}`,
    base64url: Buffer.from([0xfb, 0xff, 0x01]).toString('base64url'),
    decoded: Buffer.from('SmlyYSDinJM=', 'base64').toString('utf8'),
    uuids: [randomUUID(), randomUUID()],
    randomBytes: crypto.randomBytes(16).length,
    heard,
    joined: path.join('rest', 'api', '3', '..', '2', 'issue'),
    extname: path.extname('report.final.csv'),
    formatted: util.format('%s has %d issues (%i%%)', 'KILN', 3, 42.7),
    promisified: await util.promisify(callbackStyle)(40, 2),
    asserted: (() => {
      assert(event.user, 'a user is given');
      assert.deepStrictEqual({ keys: ['KILN-1'] }, { keys: ['KILN-1'] });
      try {
        strictEqual(1, 2);
        return 'passed';
      } catch (error) {
        return { name: error.name, code: error.code, operator: error.operator, message: error.message };
      }
    })(),
    utilChecks: [
      util.types.isMap(new Map()),
      util.types.isDate(Object.create(Date.prototype)),
      util.isDeepStrictEqual({ keys: ['KILN-1'], at: new Date(0) }, { keys: ['KILN-1'], at: new Date(0) }),
      util.isDeepStrictEqual([1, 2], [1, '2']),
      util.isArray([]),
      util.debuglog('kiln').enabled,
    ],
    immediate: await new Promise((resolve) => setImmediate(resolve, 'later')),
    // markdown-it 12 (in @forge/ui) and shortid read these.
    ascii: punycode.toASCII('mañana.bücher.example'),
    unicode: punycode.toUnicode('xn--maana-pta.com'),
    clusterWorker: cluster.isWorker || cluster.worker !== undefined,
    // CommonJS's module globals, as webpack's mock gives them (there are no files).
    moduleGlobals: [__dirname, __filename, path.resolve(__dirname, 'templates')],
    // Node's own querystring, even where a package of that name is installed.
    query: querystring.stringify({ jql: 'project = KILN', fields: ['summary', 'status'], startAt: 0 }),
    parsedQuery: { ...querystring.parse('a=1&a=2&b=%E2%9C%93&c+d=e+f&bad=%E2%9C') },
    // What an instrumented library publishes, as a subscriber hears it.
    traced: await (async () => {
      const heard = [];
      const channel = diagnostics_channel.tracingChannel('kiln:fetch-issue');
      const handlers = Object.fromEntries(
        ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((name) => [name, (context, from) => heard.push(`${from} ${context.key}`)]),
      );
      channel.subscribe(handlers);
      const result = await channel.tracePromise(async ({ key }) => `${key} done`, { key: 'KILN-1' }, null, { key: 'KILN-1' });
      channel.unsubscribe(handlers);
      return { heard, result, after: channel.hasSubscribers };
    })(),
    // perf_hooks as code written before the global `performance` imports it.
    timed: (() => {
      perf.mark('kiln-start', { startTime: 5 });
      perf.mark('kiln-end', { startTime: 12.5 });
      const measured = perf.measure('kiln-step', 'kiln-start', 'kiln-end');
      const histogram = createHistogram();
      for (const value of [3, 1, 4, 1, 5, 9, 2, 6]) histogram.record(value);
      return {
        measured: measured.duration,
        entries: perf.getEntries().map((entry) => `${entry.entryType}:${entry.name}`),
        clock: perf.now() >= 0,
        histogram: [histogram.min, histogram.max, histogram.percentile(50), histogram.count],
      };
    })(),
  };
};
