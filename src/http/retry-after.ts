/** Reading a `Retry-After` received from an upstream or an API: one rule for the platform client and the browser client. */

/**
 * Milliseconds a received `Retry-After` asks to wait: delay-seconds, or the time left until an HTTP-date in
 * any of the three forms RFC 9110 §5.6.7 has recipients accept (IMF-fixdate, RFC 850, asctime); 0 for a past
 * date, `undefined` for anything else. Uncapped: each caller bounds it by its own policy.
 */
export function retryAfterDelay(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (DELAY_SECONDS.test(text)) return Number(text) * 1000
  // Only what has the shape of a date in one of the three forms, day and month names left to Date.parse:
  // alone, it would also take `1.5`, an ISO timestamp or `Mon, 99` for a date.
  if (!HTTP_DATE.test(text)) return undefined
  // An asctime date names no zone and means GMT; Date.parse would read it as local time.
  const time = Date.parse(text.endsWith(' GMT') ? text : `${text} GMT`)
  return Number.isNaN(time) ? undefined : Math.max(0, time - now)
}

const DELAY_SECONDS = /^\d+$/
// RFC 9110 §5.6.7: `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT`, `Sun Nov  6 08:49:37 1994`.
const HTTP_DATE =
  /^[A-Z][a-z]{2,8},? (?:\d\d[ -][A-Z][a-z]{2}[ -]\d\d(?:\d\d)? \d\d:\d\d:\d\d GMT|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})$/
