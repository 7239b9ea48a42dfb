// Node's argument errors, worded as Node words them (`The "callback" argument
// must be of type function. Received undefined`, code ERR_INVALID_ARG_TYPE):
// code written for Node matches on the code, and people on the text.

/**
 * A TypeError as Node's ERR_INVALID_ARG_TYPE: `name` must be `expected` (a
 * dotted name, `options.signal`, is a "property", as Node says).
 */
export function invalidArgType(name, expected, value) {
  const what = name.includes('.') ? 'property' : 'argument';
  return Object.assign(new TypeError(`The "${name}" ${what} must be ${expected}.${received(value)}`), {
    code: 'ERR_INVALID_ARG_TYPE',
  });
}

/** How Node's errors show the value they were given. */
export function received(value) {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? ` Received an instance of ${name}` : ' Received [Object: null prototype]';
  }
  let shown = typeof value === 'bigint' ? `${value}n` : String(value);
  if (typeof value === 'string') {
    if (value.length > 28) shown = `${value.slice(0, 25)}...`;
    shown = shown.includes("'") && !shown.includes('"') ? `"${shown}"` : `'${shown}'`;
  }
  return ` Received type ${typeof value} (${shown})`;
}
