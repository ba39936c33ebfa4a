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
  // A date starts with its day name: Date.parse would also take `1.5` or an ISO timestamp for a date.
  if (!DAY_NAME.test(text)) return undefined
  // An asctime date names no zone and means GMT; Date.parse would read it as local time.
  const time = Date.parse(text.endsWith(' GMT') ? text : `${text} GMT`)
  return Number.isNaN(time) ? undefined : Math.max(0, time - now)
}

const DELAY_SECONDS = /^\d+$/
const DAY_NAME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*[, ]/
