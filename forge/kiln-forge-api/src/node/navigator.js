// Node's global `navigator` (Node 21 on; Forge runs Node 22), for code that
// asks it what it runs on: `navigator.userAgent` to tell Node from a browser,
// `navigator.hardwareConcurrency` to size a pool. Node's `Navigator` as
// lib/internal/navigator.js has it: enumerable getters on the prototype, the
// tag `Navigator`, a class that cannot be constructed, `languages` one frozen
// array. The answers are the layer's `process`'s (the Node version the
// manifest names, its platform and architecture), so the two agree.

const kInitialize = Symbol('kiln.navigator');

/**
 * Node's `navigator.platform` for a process: what browsers answer on that
 * system (Node's getNavigatorPlatform), `Linux x86_64` on Forge's Lambda.
 */
export function navigatorPlatform({ platform, arch }) {
  if (platform === 'darwin') return 'MacIntel';
  if (platform === 'win32') return 'Win32';
  if (platform === 'linux') {
    if (arch === 'ia32') return 'Linux i686';
    if (arch === 'x64') return 'Linux x86_64';
    return `Linux ${arch}`;
  }
  if (platform === 'freebsd') {
    if (arch === 'ia32') return 'FreeBSD i386';
    if (arch === 'x64') return 'FreeBSD amd64';
    return `FreeBSD ${arch}`;
  }
  if (platform === 'openbsd') {
    if (arch === 'ia32') return 'OpenBSD i386';
    if (arch === 'x64') return 'OpenBSD amd64';
    return `OpenBSD ${arch}`;
  }
  if (platform === 'sunos') return arch === 'ia32' ? 'SunOS i86pc' : `SunOS ${arch}`;
  if (platform === 'aix') return 'AIX';
  return `${platform[0].toUpperCase()}${platform.slice(1)} ${arch}`;
}

export class Navigator {
  // Private fields, as Node's: a getter read off another object throws.
  #hardwareConcurrency = 1;
  #languages;
  #userAgent;
  #platform;

  constructor() {
    if (arguments[0] !== kInitialize) {
      throw Object.assign(new TypeError('Illegal constructor'), { code: 'ERR_ILLEGAL_CONSTRUCTOR' });
    }
  }

  /**
   * 1, as the layer's `os.availableParallelism()`: an invocation runs on one
   * thread of the engine, whatever the host's processors, and a count of
   * them would describe the machine running Kiln to the app.
   */
  get hardwareConcurrency() {
    return this.#hardwareConcurrency;
  }

  /** `en-US`: Forge's Lambda runs with that locale, and the engine has no other. */
  get language() {
    return 'en-US';
  }

  get languages() {
    this.#languages ??= Object.freeze([this.language]);
    return this.#languages;
  }

  /** `Node.js/22`: the major version of the `process.version` the app sees. */
  get userAgent() {
    if (this.#userAgent === undefined) {
      const version = globalThis.process?.version ?? 'v22.0.0';
      this.#userAgent = `Node.js/${version.slice(1, version.indexOf('.'))}`;
    }
    return this.#userAgent;
  }

  get platform() {
    this.#platform ??= navigatorPlatform(globalThis.process ?? { platform: 'linux', arch: 'x64' });
    return this.#platform;
  }
}

const getter = { enumerable: true };
Object.defineProperties(Navigator.prototype, {
  hardwareConcurrency: getter,
  language: getter,
  languages: getter,
  userAgent: getter,
  platform: getter,
  [Symbol.toStringTag]: { value: 'Navigator', configurable: true },
});

export const navigator = new Navigator(kInitialize);
