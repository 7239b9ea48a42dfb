// Node's `fs/promises`: the promise forms of the layer's `fs` (fs.js), the
// same object as `fs.promises`.
import fs from './fs.js';

const { promises } = fs;
export default promises;
export const {
  access,
  appendFile,
  chmod,
  chown,
  constants,
  copyFile,
  cp,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  opendir,
  readFile,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  truncate,
  unlink,
  utimes,
  watch,
  writeFile,
} = promises;
