// Where a secret could show once a platform call failed, and the forms it could take there: for the tests
// that look for every secret, token, data and mac value in what errors print.
import { inspect } from 'node:util'
import { createResponder } from 'esign-errors'
import { expect } from 'vitest'

/** The encodings a URL or a form gives a value, written here without the code under test. */
export function encodings(value: string): string[] {
  const uri = encodeURIComponent(value)
  const form = new URLSearchParams({ v: value }).toString().slice(2)
  const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (pct) => pct.toLowerCase())
  const forms = [value, uri, form, lowerHex(uri), lowerHex(form)]
  if (/^[0-9a-f]+$/i.test(value)) forms.push(value.toUpperCase(), value.toLowerCase())
  return [...new Set(forms)]
}

/**
 * Everything each error prints where a service shows or keeps it, one text per error: `inspect` (hidden
 * properties and all), JSON, `String`, and the answer and log entry of a responder in debug mode.
 */
export function printedWays(errors: unknown[]): string[] {
  const logs: unknown[] = []
  const responder = createResponder({ debug: true, log: (entry) => logs.push(entry) })
  return errors.map((error, index) => {
    const response = responder.respond(error)
    responder.log(response, error)
    // Each error is logged: an entry that never came could hold nothing.
    expect(logs).toHaveLength(index + 1)
    return [
      inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(error),
      String(error),
      JSON.stringify(response.body),
      inspect(logs.at(-1), { depth: Number.POSITIVE_INFINITY }),
    ].join('\n')
  })
}
