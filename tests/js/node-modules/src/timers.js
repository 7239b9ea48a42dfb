// Node's timers as Node code uses them: the global `setTimeout` answering a
// `Timeout` (`unref()`, `refresh()`, `this` in the callback), cleared by the
// object or its id, `node:timers/promises` for waits with an AbortSignal
// and intervals as async iterators, and WHATWG's `URL.canParse`/`URL.parse`.
// Also Node's legacy `url` API (`url.parse`, `format`, `resolve`,
// `fileURLToPath`) as packages call it, a non-ASCII host included, `os`
// as a sandbox describes its machine, and `zlib` (what Node's gzip made,
// unzipped; what this one makes, read back).

import { setTimeout as sleep, setInterval as every, scheduler } from 'node:timers/promises';
import timers from 'timers';
import url, { parse as parseUrl, resolve as resolveUrl, fileURLToPath } from 'url';
import os from 'os';
import zlib, { gunzipSync } from 'zlib';
import { promisify } from 'util';
import tty from 'node:tty';

function legacyUrl() {
  const parsed = parseUrl('https://user@Example.atlassian.net:443/rest/api/3/search?jql=project%3DKILN&maxResults=5#top', true);
  return {
    parsed: { ...parsed, query: { ...parsed.query } },
    formatted: url.format({
      protocol: 'https',
      hostname: 'example.atlassian.net',
      pathname: '/rest/api/3/issue',
      query: { fields: 'summary,status', expand: ['names', 'schema'] },
    }),
    resolved: [
      resolveUrl('https://example.atlassian.net/rest/api/3/issue/', '../project/KILN'),
      resolveUrl('https://example.atlassian.net/wiki/a/b', '//other.example/x'),
      resolveUrl('mailto:local1@domain1', 'local2@domain2'),
    ],
    idnaHost: parseUrl('http://München.de/straße').host,
    backslashes: parseUrl('http:\\\\example.com\\a b?q=\\').href,
    file: fileURLToPath('file:///tmp/a%20b'),
  };
}

export const run = async () => {
  const fired = [];
  const timeout = setTimeout(() => fired.push('never'), 60_000);
  const shape = {
    type: typeof timeout,
    name: timeout.constructor.name,
    unrefChains: timeout.unref() === timeout,
    hasRef: timeout.hasRef(),
    id: typeof +timeout,
  };
  clearTimeout(timeout);
  clearTimeout(+setTimeout(() => fired.push('cleared by id'), 1));
  clearInterval(setTimeout(() => fired.push('cleared by clearInterval'), 1));
  globalThis.clearTimeout(+setTimeout(() => fired.push("cleared by the engine's clearTimeout"), 1));
  const refreshed = setTimeout(
    function (label) {
      fired.push(`${label}, this is the Timeout: ${this === refreshed}`);
    },
    1,
    'fired',
  );
  await sleep(5);
  refreshed.refresh();
  await sleep(5);

  const ticks = [];
  for await (const tick of every(1, 'tick')) {
    ticks.push(tick);
    if (ticks.length === 3) break;
  }
  const controller = new AbortController();
  const aborted = sleep(60_000, 'never', { signal: controller.signal }).catch((error) => ({
    name: error.name,
    code: error.code,
    cause: error.cause,
  }));
  controller.abort('enough');
  // An unref'd interval left running does not hold the invocation open, nor does a ref'd one.
  setInterval(() => {}, 1000).unref();
  setInterval(() => {}, 1000);
  return {
    shape,
    fired,
    ticks,
    slept: await sleep(1, 'slept'),
    waited: (await scheduler.wait(1)) === undefined,
    aborted: await aborted,
    immediate: await new Promise((resolve) => setImmediate((value) => resolve(value), 'later')),
    moduleIsTheGlobal: timers.setTimeout === setTimeout && timers.promises.setTimeout === sleep,
    canParse: [
      URL.canParse('https://example.atlassian.net/rest/api/3/issue'),
      URL.canParse('not a url'),
      URL.canParse('/rest/api/3/myself', 'https://example.atlassian.net'),
    ],
    parsed: [URL.parse('/browse/KILN-1', 'https://example.atlassian.net')?.href, URL.parse('nope')],
    legacyUrl: legacyUrl(),
    zlib: await (async () => {
      const issue = JSON.stringify({ key: 'KILN-1', summary: 'Crash ✓' });
      const ours = zlib.gzipSync(issue, { level: 9 });
      return {
        fromNode: gunzipSync(Buffer.from('H4sIAAAAAAAAA6tWyk6tVLJS8vb08dM1VNJRKi7NzU0sAgk5FyUWZyg8mjNZqRYAqKIBwiYAAAA=', 'base64')).toString(),
        roundTrip: (await promisify(zlib.gunzip)(ours)).toString() === issue,
        header: [...ours.subarray(0, 10)],
        crc32: zlib.crc32('KILN-1'),
        corrupt: (() => {
          try {
            zlib.inflateSync(Buffer.from('not deflate'));
            return null;
          } catch (error) {
            return error.code;
          }
        })(),
      };
    })(),
    os: {
      line: `a${os.EOL}b`,
      platform: [os.platform(), os.type(), os.endianness(), os.machine()],
      sigterm: os.constants.signals.SIGTERM,
      machine: [os.cpus().length, os.availableParallelism(), os.hostname(), os.homedir(), os.totalmem()],
    },
    terminal: [tty.isatty(1), tty.isatty(2)],
  };
};
