// Node's `tty`, as a Kiln app sees it: there is no terminal in the sandbox
// (an app's output goes to Kiln's capped log), so `isatty` answers false for
// every descriptor, as Node does when its output is piped. Colour libraries
// (picocolors, colorette, supports-color) ask it while their module loads
// and then print plain text. A terminal stream cannot be opened.

export function isatty() {
  return false;
}

function noTerminal(name) {
  return class {
    constructor() {
      throw Object.assign(new Error(`tty.${name} is not available to a Kiln app: the sandbox has no terminal`), {
        code: 'ERR_TTY_INIT_FAILED',
      });
    }
  };
}

export const ReadStream = noTerminal('ReadStream');
export const WriteStream = noTerminal('WriteStream');

export default { isatty, ReadStream, WriteStream };
