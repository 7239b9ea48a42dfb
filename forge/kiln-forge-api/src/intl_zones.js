// IANA time-zone data for FormatJS's DateTimeFormat, unpacked per zone on
// first use (runtime/guest-build/js-toolchain/intl.mjs imports this between
// the polyfill and its zone data, for an app that uses Intl).
//
// FormatJS's `__addTZData` unpacks every zone's transitions into arrays at
// once: hundreds of thousands of small arrays, 12.8 MB of an app's snapshot
// for the zones in common use, of which an invocation reads one or two. Here
// each zone stays the packed string it came as until it is read; reading it
// unpacks it exactly as FormatJS's `unpack` does (same arrays, same order),
// and keeps the result for the rest of the invocation. The zone names are
// all there from the start (`Object.keys`, which validates a `timeZone`).
// Checked against FormatJS's own unpacking: every zone of the golden set,
// formatted at four instants (1970, 2000, 2026, 2038), prints the same.
function unpackZone(packed, abbrvs, offsets) {
  const bar = packed.indexOf('|');
  if (bar < 0) return [];
  return packed
    .slice(bar + 1)
    .split('|')
    .map((z) => z.split(','))
    .map(([ts, abbrvIndex, offsetIndex, dst]) => [
      ts === '' ? -Infinity : parseInt(ts, 36),
      abbrvs[+abbrvIndex],
      offsets[+offsetIndex],
      dst === '1',
    ]);
}

export function lazyZones(data) {
  const abbrvs = data.abbrvs.split('|');
  const offsets = data.offsets.split('|').map((n) => parseInt(n, 36));
  const zones = {};
  for (const packed of data.zones) {
    const bar = packed.indexOf('|');
    const name = bar < 0 ? packed : packed.slice(0, bar);
    Object.defineProperty(zones, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = unpackZone(packed, abbrvs, offsets);
        Object.defineProperty(zones, name, { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
    });
  }
  return zones;
}

const DateTimeFormat = globalThis.Intl?.DateTimeFormat;
if (typeof DateTimeFormat?.__addTZData === 'function') {
  DateTimeFormat.__addTZData = function addTZData(data) {
    DateTimeFormat.tzData = lazyZones(data);
  };
}
