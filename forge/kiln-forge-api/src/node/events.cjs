// Node's `events` module: the `events` npm package (the one browserify
// ships). CommonJS, like Node's own: `require('events')` is the
// EventEmitter class itself (xml2js extends it so), with `EventEmitter` and
// `once` as properties, and `import { once } from 'events'` still works.
// Required by file so that under Node, where the layer's tests run, this is
// that package, not Node's own module.
module.exports = require('events/events.js');
