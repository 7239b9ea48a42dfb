// Node's `stream` module: readable-stream 4, the Node.js project's own copy
// of Node's streams for bundlers, whose internals take Buffer, events and
// `process` from the layer as every other module does. CommonJS, like
// Node's own: `require('stream')` is the legacy `Stream` class, with
// `Readable`, `Writable`, `pipeline`, … as its properties (and
// `import { Readable } from 'stream'` works). Required by file so that under
// Node, where the layer's tests run, this is that package, not Node's own.
module.exports = require('readable-stream/lib/stream.js');
