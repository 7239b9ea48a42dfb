// `assert/strict` (and `require('assert').strict`): the assert function whose
// `equal` and `deepEqual` are the strict ones (assert.js).
module.exports = require('./assert.js').strict;
