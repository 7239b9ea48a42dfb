// `require('assert')` is the assert function itself in Node, with its
// methods as properties (`assert(ok)`, `assert.strictEqual(…)`): CommonJS,
// so that a bundle's `require` gets that function, and ESM imports of it or
// of its methods still work. The module is assert.js.
module.exports = require('./assert.js').default;
