// Packages written for Node's streams: xml2js (its parser, sax, requires
// `stream` and `string_decoder`, and xml2js extends `require('events')` as a
// class), csv-parse, jsonwebtoken (jws streams its signing input), Node's
// stream classes in a promise pipeline, and V8's stack trace API: depd (under
// http-errors) reads its caller's file through `Error.prepareStackTrace`
// while its module loads. The
// handler reports what each gave; tests/tests/forge_node_modules.rs checks
// it against what Node answers for the same calls.

import { parseStringPromise, Builder } from 'xml2js';
import { parse as parseCsv } from 'csv-parse/sync';
import { Readable, Transform, Writable } from 'stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'string_decoder';
import events, { EventEmitter } from 'events';
import jwt from 'jsonwebtoken';
import createError from 'http-errors';
import depd from 'depd';

const deprecate = depd('kiln-node-streams');

function whereAmI() {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_, stack) => stack;
  try {
    const [site] = new Error().stack;
    return { name: site.getFunctionName(), file: typeof site.getFileName(), line: typeof site.getLineNumber() };
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

export const run = async () => {
  const parsed = await parseStringPromise(
    '<issues><issue key="KILN-1"><summary>Crash ✓</summary></issue><issue key="KILN-2"><summary>Slow</summary></issue></issues>',
  );
  const seen = [];
  await pipeline(
    Readable.from(['kiln ', 'on ', 'jira']),
    new Transform({
      transform(chunk, _encoding, done) {
        done(null, chunk.toString().toUpperCase());
      },
    }),
    new Writable({
      write(chunk, _encoding, done) {
        seen.push(chunk.toString());
        done();
      },
    }),
  );
  const decoder = new StringDecoder('utf8');
  let decoded = '';
  for (const byte of Buffer.from('✓🎉')) decoded += decoder.write(Buffer.from([byte]));
  decoded += decoder.end();
  return {
    keys: parsed.issues.issue.map((issue) => issue.$.key),
    summaries: parsed.issues.issue.map((issue) => issue.summary[0]),
    xml: new Builder({ headless: true }).buildObject({ issue: { $: { key: 'KILN-3' }, summary: 'Built' } }),
    rows: parseCsv('key,points\nKILN-1,3\nKILN-2,5\n', { columns: true, cast: true }),
    piped: seen,
    decoded,
    eventsIsTheClass: events === EventEmitter,
    token: jwt.sign({ sub: 'x', iat: 1 }, 'secret'),
    verified: jwt.verify(jwt.sign({ sub: 'KILN-1' }, 'secret'), 'secret').sub,
    notFound: (() => {
      const error = createError(404, 'No such issue');
      return { status: error.status, name: error.name, message: error.message, expose: error.expose };
    })(),
    deprecations: (() => {
      const seen = [];
      process.on('deprecation', (error) => seen.push(`${error.namespace}: ${error.message}`));
      deprecate('oldCall() is deprecated');
      return seen;
    })(),
    callSite: whereAmI(),
    forged: (() => {
      try {
        return jwt.verify(jwt.sign({ sub: 'KILN-1' }, 'secret'), 'other');
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    })(),
  };
};
