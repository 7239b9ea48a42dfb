// Node's `os`, describing the machine a Kiln app runs on as a sandbox can:
// the constants of the Linux Forge's Node.js runtime runs on (`EOL`,
// `devNull`, `constants`: signal and error numbers, priorities), and
// `platform`, `type`, `arch`, `machine` and `endianness` as Forge's Lambda
// answers them. Nothing of the host: the sandbox reads no file, user,
// network interface or processor of the machine running Kiln, and an app
// must not learn them (fingerprinting the host is where an escape starts).
// So the rest reads as a machine with nothing to show: no processors
// (`cpus()` is empty, `availableParallelism()` 1), no network interfaces,
// zero load and memory, `localhost`, home at `/` (the working folder, as
// `process.cwd()`), a user with no id, kernel release `0.0.0`. Packages read
// `os` mostly for `EOL` (winston, logform) and `platform()`/`release()` for a
// user agent (@slack/web-api, the AWS SDK v2); `setPriority` throws (no
// processes).
//
// The tables are Node 20's on Linux x64; test/os.test.js compares them, and
// each answer's type, with Node's `os`.

import { invalidArgType } from './arg_errors.js';

/** A frozen object with no prototype, as Node's tables are. */
function table(entries) {
  return Object.freeze(Object.assign(Object.create(null), entries));
}

export const EOL = '\n';
export const devNull = '/dev/null';

export const constants = table({
  UV_UDP_REUSEADDR: 4,
  dlopen: table({
    RTLD_LAZY: 1,
    RTLD_NOW: 2,
    RTLD_GLOBAL: 256,
    RTLD_LOCAL: 0,
    RTLD_DEEPBIND: 8,
  }),
  errno: table({
    E2BIG: 7,
    EACCES: 13,
    EADDRINUSE: 98,
    EADDRNOTAVAIL: 99,
    EAFNOSUPPORT: 97,
    EAGAIN: 11,
    EALREADY: 114,
    EBADF: 9,
    EBADMSG: 74,
    EBUSY: 16,
    ECANCELED: 125,
    ECHILD: 10,
    ECONNABORTED: 103,
    ECONNREFUSED: 111,
    ECONNRESET: 104,
    EDEADLK: 35,
    EDESTADDRREQ: 89,
    EDOM: 33,
    EDQUOT: 122,
    EEXIST: 17,
    EFAULT: 14,
    EFBIG: 27,
    EHOSTUNREACH: 113,
    EIDRM: 43,
    EILSEQ: 84,
    EINPROGRESS: 115,
    EINTR: 4,
    EINVAL: 22,
    EIO: 5,
    EISCONN: 106,
    EISDIR: 21,
    ELOOP: 40,
    EMFILE: 24,
    EMLINK: 31,
    EMSGSIZE: 90,
    EMULTIHOP: 72,
    ENAMETOOLONG: 36,
    ENETDOWN: 100,
    ENETRESET: 102,
    ENETUNREACH: 101,
    ENFILE: 23,
    ENOBUFS: 105,
    ENODATA: 61,
    ENODEV: 19,
    ENOENT: 2,
    ENOEXEC: 8,
    ENOLCK: 37,
    ENOLINK: 67,
    ENOMEM: 12,
    ENOMSG: 42,
    ENOPROTOOPT: 92,
    ENOSPC: 28,
    ENOSR: 63,
    ENOSTR: 60,
    ENOSYS: 38,
    ENOTCONN: 107,
    ENOTDIR: 20,
    ENOTEMPTY: 39,
    ENOTSOCK: 88,
    ENOTSUP: 95,
    ENOTTY: 25,
    ENXIO: 6,
    EOPNOTSUPP: 95,
    EOVERFLOW: 75,
    EPERM: 1,
    EPIPE: 32,
    EPROTO: 71,
    EPROTONOSUPPORT: 93,
    EPROTOTYPE: 91,
    ERANGE: 34,
    EROFS: 30,
    ESPIPE: 29,
    ESRCH: 3,
    ESTALE: 116,
    ETIME: 62,
    ETIMEDOUT: 110,
    ETXTBSY: 26,
    EWOULDBLOCK: 11,
    EXDEV: 18,
  }),
  signals: table({
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGILL: 4,
    SIGTRAP: 5,
    SIGABRT: 6,
    SIGIOT: 6,
    SIGBUS: 7,
    SIGFPE: 8,
    SIGKILL: 9,
    SIGUSR1: 10,
    SIGSEGV: 11,
    SIGUSR2: 12,
    SIGPIPE: 13,
    SIGALRM: 14,
    SIGTERM: 15,
    SIGCHLD: 17,
    SIGSTKFLT: 16,
    SIGCONT: 18,
    SIGSTOP: 19,
    SIGTSTP: 20,
    SIGTTIN: 21,
    SIGTTOU: 22,
    SIGURG: 23,
    SIGXCPU: 24,
    SIGXFSZ: 25,
    SIGVTALRM: 26,
    SIGPROF: 27,
    SIGWINCH: 28,
    SIGIO: 29,
    SIGPOLL: 29,
    SIGPWR: 30,
    SIGSYS: 31,
  }),
  priority: table({
    PRIORITY_LOW: 19,
    PRIORITY_BELOW_NORMAL: 10,
    PRIORITY_NORMAL: 0,
    PRIORITY_ABOVE_NORMAL: -7,
    PRIORITY_HIGH: -14,
    PRIORITY_HIGHEST: -20,
  }),
});

export function arch() {
  return globalThis.process?.arch ?? 'x64';
}

export function machine() {
  return arch() === 'arm64' ? 'aarch64' : 'x86_64';
}

export function platform() {
  return 'linux';
}

export function type() {
  return 'Linux';
}

export function endianness() {
  return 'LE';
}

export function release() {
  return '0.0.0';
}

export function version() {
  return '#1 SMP Kiln sandbox';
}

export function hostname() {
  return 'localhost';
}

export function homedir() {
  return '/';
}

export function tmpdir() {
  return '/tmp';
}

export function cpus() {
  return [];
}

export function availableParallelism() {
  return 1;
}

export function networkInterfaces() {
  return {};
}

export function loadavg() {
  return [0, 0, 0];
}

export function freemem() {
  return 0;
}

export function totalmem() {
  return 0;
}

/** Seconds, whole, since the app's instance started (the sandbox has no boot). */
export function uptime() {
  const seconds = globalThis.process?.uptime?.();
  return typeof seconds === 'number' && Number.isFinite(seconds) ? Math.floor(seconds) : 0;
}

export function userInfo() {
  return { uid: -1, gid: -1, username: 'app', homedir: '/', shell: null };
}

function validPid(pid) {
  if (pid !== undefined && !Number.isInteger(pid)) {
    throw invalidArgType('pid', 'of type number', pid);
  }
}

export function getPriority(pid) {
  validPid(pid);
  return constants.priority.PRIORITY_NORMAL;
}

export function setPriority(pid, priority) {
  if (priority === undefined) validPid(undefined);
  else validPid(pid);
  throw new Error('os.setPriority() is not available to a Kiln app: the sandbox has no processes');
}

export default {
  EOL,
  devNull,
  constants,
  arch,
  machine,
  platform,
  type,
  endianness,
  release,
  version,
  hostname,
  homedir,
  tmpdir,
  cpus,
  availableParallelism,
  networkInterfaces,
  loadavg,
  freemem,
  totalmem,
  uptime,
  userInfo,
  getPriority,
  setPriority,
};
