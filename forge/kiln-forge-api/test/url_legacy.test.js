// Node's legacy URL API as the layer gives it (src/node/url_legacy.js),
// against Node's own `url` module: fixed cases for each of Node's rules,
// then random strings over the characters that matter to them.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as real from 'node:url';

import * as url from '../src/node/url.js';
import urlDefault from '../src/node/url.js';

// Node's own DEP0170 warning, printed once by either module, is not a result.
process.removeAllListeners('warning');
process.on('warning', () => {});

/** What a call gives, as plain data: the fields of a Url, or the error. */
function outcome(fn) {
  try {
    const value = fn();
    if (value !== null && typeof value === 'object' && !(value instanceof URL)) {
      const fields = {};
      for (const key of Object.keys(value)) {
        const field = value[key];
        fields[key] = field !== null && typeof field === 'object' ? { ...field } : field;
      }
      return { value: fields };
    }
    return { value: value instanceof URL ? value.href : value };
  } catch (error) {
    return { error: { name: error.name, code: error.code, message: error.message } };
  }
}

function same(call, args) {
  assert.deepEqual(outcome(() => url[call](...args)), outcome(() => real[call](...args)), `${call}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
}

const PARSED = [
  'http://user:pass@Host.EXAMPLE.com:8080/p/a/t/h?query=string&a=1&a=2#hash',
  'https://example.atlassian.net/rest/api/3/issue/KILN-1?fields=summary',
  '  http://example.com/with spaces\n',
  'http:\\\\evil.com\\foo\\bar?x=\\y#\\z',
  '//user@host/path',
  '//host/path',
  '/just/a/path?and=query',
  '/path#frag',
  'mailto:someone@example.com',
  'javascript:alert("<x>")',
  'http://a@b@c/d',
  'http://a@b?@c',
  'http://[::1]:3000/x',
  'http://[fe80::1%25eth0]/',
  'http://ex:ample.com/',
  'http://example.com:/x',
  'http://example.com:abc/x',
  "http://example.com/'quoted'{braces}|pipe^`",
  'HTTP://EXAMPLE.COM',
  'file:///etc/passwd',
  'file://localhost/etc/hosts',
  'ws://example.com/socket',
  'xmpp:user@host',
  'http://münchen.de/straße?ä=ö',
  'http://xn--mnchen-3ya.de/',
  'http://xn--/',
  'http://a_b.example.com/',
  'http://a!b$c&d.example/',
  'http://' + 'a'.repeat(300) + '.com/',
  'http://example.com/%zz%41',
  '?only=query',
  '#only-hash',
  '',
  '   ',
  'http://',
  'http://@/',
  'http://%41.com/',
  'https://host/a?b#c?d#e',
  'http://host\u0000name/',
  'http://host name/',
];

test('parse answers what Node answers', () => {
  for (const input of PARSED) {
    for (const [q, s] of [[false, false], [true, false], [false, true], [true, true]]) {
      same('parse', [input, q, s]);
    }
  }
});

test('parse refuses what is not a string as Node does', () => {
  for (const input of [undefined, null, 42, {}, ['http://x']]) same('parse', [input]);
});

test('format answers what Node answers', () => {
  const objects = [
    { protocol: 'https', hostname: 'example.com', pathname: '/some/path', query: { page: 1, format: 'json' } },
    { protocol: 'http:', host: 'a.com:8080', pathname: 'no-slash', search: 'x=1', hash: 'top' },
    { protocol: 'mailto', pathname: 'a@b.com' },
    { protocol: 'file', pathname: '/tmp/x' },
    { protocol: 'file' },
    { hostname: '::1', port: 80, pathname: '/p?#' },
    { auth: 'user:p@ss word', hostname: 'h', pathname: '/' },
    { slashes: true, hostname: 'h', search: '?a#b' },
    { query: { a: ['1', '2'], b: '' } },
    {},
  ];
  for (const object of objects) same('format', [object]);
  for (const input of PARSED) same('format', [input]);
  for (const input of [undefined, null, 42]) same('format', [input]);
  const whatwg = new URL('https://u:p@xn--mnchen-3ya.de:8443/p?q=1#h');
  for (const options of [undefined, {}, { fragment: false }, { search: false }, { auth: false }, { unicode: true }]) {
    assert.equal(url.format(whatwg, options), real.format(whatwg, options), JSON.stringify(options));
  }
});

test('resolve and resolveObject answer what Node answers', () => {
  const bases = [
    'http://a/b/c/d;p?q',
    'http://example.com/one/two/',
    'http://example.com',
    'https://user:pw@host:99/dir/file?x#y',
    'mailto:local1@domain1',
    'file:///a/b/c',
    '/relative/base',
    'rel/base',
    '',
  ];
  const relatives = [
    'g', './g', 'g/', '/g', '//g', '?y', 'g?y', '#s', 'g#s', ';x', 'g;x', '', '.', './', '..', '../', '../g',
    '../..', '../../', '../../g', '../../../g', '/./g', '/../g', 'g.', '.g', 'g..', '..g', './../g', './g/.',
    'g/./h', 'g/../h', 'http:g', 'https://other/x', 'ftp://f/', 'mailto:x@y', 'local2@domain2', 'file:///z',
    'http://', 'javascript:void(0)', '\\\\back\\slash',
  ];
  for (const base of bases) {
    for (const relative of relatives) {
      same('resolve', [base, relative]);
      same('resolveObject', [base, relative]);
    }
  }
});

test('random strings: parse, format and resolve answer what Node answers', () => {
  const alphabet = ['a', 'B', '1', '.', '-', '_', ':', '/', '\\', '?', '#', '@', '%', '2', 'F', ' ', '\t', '\n', '"', "'",
    '<', '>', '^', '`', '{', '|', '}', '[', ']', ';', '=', '&', '+', '!', '~', '*', '(', ')', 'é', '\u00a0', '\ufeff',
    'http:', 'https://', 'file:', 'javascript:', 'mailto:', '//', '..', 'xn--'];
  let seed = 20261203;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const word = () => {
    let text = '';
    const length = Math.floor(random() * 14);
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
    return text;
  };
  for (let round = 0; round < 20000; round++) {
    const input = word();
    same('parse', [input, round % 2 === 0, round % 3 === 0]);
    same('format', [input]);
    same('resolve', [word(), input]);
  }
});

test('domain names and file URLs answer what Node answers', () => {
  for (const domain of ['example.com', 'EXAMPLE.com', 'münchen.de', 'xn--mnchen-3ya.de', 'xn--iñvalid.com', 'a b.com', '', '[::1]']) {
    same('domainToASCII', [domain]);
    same('domainToUnicode', [domain]);
  }
  for (const input of ['file:///tmp/a%20b', 'file:///a%2Fb', 'file:///a%2fb', 'file://host/x', 'http://x/y', new URL('file:///x/y'), 42]) {
    same('fileURLToPath', [input]);
  }
  for (const input of ['/tmp/a b', '/tmp/dir/', 'relative/x', '/a%b\\c\nd\re\tf', '/q?h#', 42]) {
    same('pathToFileURL', [input]);
  }
});

test('the module has Node\'s names, and its default export is the module', () => {
  for (const name of ['URL', 'URLSearchParams', 'Url', 'parse', 'format', 'resolve', 'resolveObject', 'domainToASCII', 'domainToUnicode', 'fileURLToPath', 'pathToFileURL']) {
    assert.equal(typeof url[name], 'function', name);
    assert.equal(urlDefault[name], url[name], name);
  }
  assert.ok(url.parse('http://x/') instanceof url.Url);
  const parsed = url.parse('http://x/');
  assert.equal(url.parse(parsed), parsed, 'a Url is parsed as itself');
});

test('urlToHttpOptions answers as Node\'s, for the shapes http.request takes', () => {
  for (const href of [
    'https://example.com/a/b?x=1#frag',
    'http://user:p%40ss@[::1]:8080/path',
    'https://%C3%A9t%C3%A9:@h.example/',
    'http://h.example',
    'https://xn--bcher-kva.example:443/?',
  ]) {
    const ours = url.urlToHttpOptions(new URL(href));
    const node = real.urlToHttpOptions(new URL(href));
    assert.deepEqual({ ...ours }, { ...node }, href);
    assert.equal(Object.getPrototypeOf(ours), null);
  }
  // An object extended by its user keeps its own properties, as in Node.
  const extended = Object.assign(new URL('https://h.example/x'), { agent: 'mine' });
  assert.equal(url.urlToHttpOptions(extended).agent, real.urlToHttpOptions(extended).agent);
  assert.equal(urlDefault.urlToHttpOptions, url.urlToHttpOptions);
});
