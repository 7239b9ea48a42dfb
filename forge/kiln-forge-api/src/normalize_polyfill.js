// Installed first in the setup module of an app whose code calls
// `.normalize(` (the toolchain's build.mjs): the engine has no
// `String.prototype.normalize`. See normalize.js.
import * as data from './normalize_data.js';
import { installNormalize } from './normalize.js';

installNormalize(data);
