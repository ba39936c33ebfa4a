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
 * Every string reachable from `value` through own properties (hidden ones and `cause` too, never a getter),
 * bytes read as latin1 text: what `inspect` prints of a Buffer as hex, and JSON as an array of numbers, still
 * holds a secret an answer echoed.
 */
export function reachableText(value: unknown): string {
  const texts: string[] = []
  const seen = new Set<object>()
  const visit = (item: unknown, depth: number) => {
    if (typeof item === 'string') texts.push(item)
    else if (item instanceof Uint8Array) texts.push(Buffer.from(item).toString('latin1'))
    else if (typeof item === 'object' && item !== null && depth < 32 && !seen.has(item)) {
      seen.add(item)
      for (const key of Reflect.ownKeys(item)) {
        const descriptor = Object.getOwnPropertyDescriptor(item, key)
        if (descriptor !== undefined && 'value' in descriptor) visit(descriptor.value, depth + 1)
      }
    }
  }
  visit(value, 0)
  return texts.join('\n')
}

/**
 * Everything each error prints where a service shows or keeps it, one text per error: `inspect` (hidden
 * properties and all), JSON, `String`, every string and byte it holds, and the answer and log entry of a
 * responder in debug mode.
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
      reachableText(error),
      JSON.stringify(response.body),
      inspect(logs.at(-1), { depth: Number.POSITIVE_INFINITY }),
    ].join('\n')
  })
}
