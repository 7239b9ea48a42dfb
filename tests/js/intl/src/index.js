// Each entry is a call a Forge backend makes to format for people; the test
// holds Node's output for the same call (Node 20 and 22, full ICU, TZ=UTC).
const at = new Date(Date.UTC(2026, 10, 29, 23, 7, 51));

const calls = {
  dateGB: () => at.toLocaleString('en-GB', { timeZone: 'Europe/London' }),
  dateUS: () => at.toLocaleString('en-US', { timeZone: 'UTC' }),
  dateDefault: () => at.toLocaleString(),
  longDate: () => at.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
  newYork: () => at.toLocaleTimeString('en-US', { timeZone: 'America/New_York' }),
  tokyo: () => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(at),
  german: () => at.toLocaleString('de-DE', { timeZone: 'Europe/Berlin' }),
  parts: () => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' }).formatToParts(at).map((p) => p.value).join('|'),
  zone: () => new Intl.DateTimeFormat().resolvedOptions().timeZone,
  number: () => (1234567.891).toLocaleString('en-US'),
  euro: () => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(1234.5),
  percent: () => new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(0.1234),
  compact: () => new Intl.NumberFormat('en', { notation: 'compact' }).format(12345678),
  germanNumber: () => (1234567.891).toLocaleString('de-DE'),
  yesterday: () => new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-1, 'day'),
  inThreeDays: () => new Intl.RelativeTimeFormat('en').format(3, 'day'),
  list: () => new Intl.ListFormat('en', { type: 'conjunction' }).format(['Ann', 'Bo', 'Cy']),
  // Not Intl, but the engine's other zone text: Node names UTC in full.
  dateString: () => at.toString(),
  timeString: () => at.toTimeString(),
  template: () => `${at}`,
  invalid: () => new Date(NaN).toString(),
  plural: () => ['one', 'two'].map((_, i) => new Intl.PluralRules('en-US').select(i + 1)).join(','),
};

export const run = async () => {
  const out = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      out[name] = call();
    } catch (error) {
      out[name] = `error: ${error}`;
    }
  }
  return out;
};
