// Node's `punycode` module (deprecated in Node, still required by packages
// such as markdown-it 12, which `@forge/ui` pulls in): the `punycode` npm
// package, which is what Node's own is made from. Imported by file so that
// under Node it is that package, not Node's own.
import punycode from 'punycode/punycode.es6.js';

export const { decode, encode, toASCII, toUnicode, ucs2, version } = punycode;
export default punycode;
