// Date.prototype.toISOString for epoch milliseconds, with the text up to the second kept from the
// previous call: every captured call is stamped, and calls come many to a second.

let lastSecond = NaN;
let lastPrefix = '';

const DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Same text as new Date(ms).toISOString() (and the same RangeError for an invalid time). */
export function isoTime(ms: number): string {
  const t = Math.trunc(ms);
  // Years before 1970 or past 9999 (signed, six-digit years) take the general path.
  if (!(t >= 0 && t < 253402300800000)) return new Date(ms).toISOString();
  const second = Math.floor(t / 1000);
  if (second !== lastSecond) {
    lastPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    lastSecond = second;
  }
  return `${lastPrefix}${DIGITS[t - second * 1000]}Z`;
}
