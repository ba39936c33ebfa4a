/** Keeping credentials and envelope values out of text bound for errors, logs and `debug` bodies. */

/** Finds secret values in text, in every form a URL or a form can give them; see {@link scrubberOf}. */
export interface Scrubber {
  /** `text` with every occurrence of a secret, in any of its forms, replaced by `…`. */
  scrub(text: string): string
  /** Whether `text` holds a secret in any of its forms. */
  holds(text: string): boolean
  /**
   * `text` scrubbed, then cut to `limit` characters; a cut that ends in the first 8 characters or more of a
   * secret (the rest fell past the limit, or was never there) ends in `…` instead.
   */
  cut(text: string, limit: number): string
}

// A value shorter than this is not looked for: it would match ordinary words.
const MIN_LENGTH = 8
// Characters a URL or a form never encode. (`~` is unreserved in URLs, but URLSearchParams encodes it.)
const UNRESERVED = /^[A-Za-z0-9\-._]$/

/**
 * A {@link Scrubber} for `values` (those of 8 characters or more; given as a function, it is called on first
 * use). Each character may appear as itself or percent-encoded (hex digits of either case, as
 * `encodeURIComponent`, `URLSearchParams` and `URL` write them or a server echoes them), a space also as `+`
 * and a `+` also as a space (form encoding read back); letters of either case, so hex values echoed in upper
 * case are found too; and in base64, standard or URL-safe, also inside a longer encoded text.
 */
export function scrubberOf(values: readonly string[] | (() => readonly string[])): Scrubber {
  // Built on first use: most calls end well and never look for their secrets.
  let built:
    | { secrets: string[][][]; find: RegExp | undefined; every: RegExp | undefined; longest: number }
    | undefined
  const build = () => {
    if (built !== undefined) return built
    const given = [...new Set(typeof values === 'function' ? values() : values)]
    const secrets = [...new Set(given.flatMap((value) => [value, ...base64Forms(value)]))]
      .filter((value) => value.length >= MIN_LENGTH)
      .map(formsOf)
    const source = secrets.map((units) => units.map(alternation).join('')).join('|')
    // The longest text one secret can take: how far past a limit a match may reach.
    const longest = Math.max(
      0,
      ...secrets.map((units) => units.reduce((sum, forms) => sum + forms.at(-1)!.length, 0)),
    )
    const [find, every] = source === '' ? [] : [new RegExp(source, 'i'), new RegExp(source, 'gi')]
    built = { secrets, find, every, longest }
    return built
  }

  function scrub(text: string): string {
    const { every } = build()
    return every === undefined ? text : text.replace(every, '…')
  }

  return {
    scrub,
    holds: (text) => build().find?.test(text) ?? false,
    cut(text, limit) {
      const { secrets, longest } = build()
      // Scrubbing the part that can reach the cut is enough; what lies past it goes anyway, and the end of
      // that part is checked as a cut's end is.
      const windowed = text.length > limit + longest
      const clean = scrub(windowed ? text.slice(0, limit + longest) : text)
      if (clean.length <= limit && !windowed) return clean
      const kept = clean.slice(0, limit)
      const lower = asciiLower(kept)
      for (let start = 0; start <= kept.length - MIN_LENGTH; start++) {
        if (secrets.some((units) => runsOutInside(lower, start, units, 0))) return `${kept.slice(0, start)}…`
      }
      return kept
    },
  }
}

/**
 * What of `value` shows in base64 (and its URL-safe alphabet) wherever it sits in what was encoded: a platform
 * may echo a credential wrapped (`Basic <base64 of key:token>`). Its bytes start at any of three offsets from a
 * 3-byte group; per offset, the characters that hold its bytes alone. Values under 12 bytes have none long
 * enough to tell apart from chance.
 */
function base64Forms(value: string): string[] {
  const bytes = encoder.encode(value)
  if (bytes.length < 12) return []
  const forms: string[] = []
  for (let offset = 0; offset < 3; offset++) {
    let binary = '\u0000'.repeat(offset)
    for (const byte of bytes) binary += String.fromCharCode(byte)
    const encoded = btoa(binary)
    // A character holds 6 bits: the first wholly the value's is past the offset's bits, the last ends with them.
    const core = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6))
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return forms
}

/** Per character of `value`, the lower-case texts it may appear as, shortest first. */
function formsOf(value: string): string[][] {
  return Array.from(value, (char) => {
    if (UNRESERVED.test(char)) return [asciiLower(char)]
    const percent = Array.from(encoder.encode(char), (byte) => `%${byte.toString(16).padStart(2, '0')}`)
    const forms = [char, percent.join('')]
    if (char === ' ') forms.splice(1, 0, '+')
    if (char === '+') forms.splice(1, 0, ' ')
    return forms
  })
}

const encoder = new TextEncoder()

// Lower case that keeps every index where it was (`toLowerCase` may not, beyond ASCII).
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase())
}

function alternation(forms: string[]): string {
  const escaped = forms.map((form) => form.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))
  return escaped.length === 1 ? escaped[0]! : `(?:${escaped.join('|')})`
}

/** Whether `text` from `at` to its end is the start of the secret from unit `unit` on: the text runs out inside it. */
function runsOutInside(text: string, at: number, units: string[][], unit: number): boolean {
  if (at === text.length) return true
  if (unit === units.length) return false
  const rest = text.slice(at)
  for (const form of units[unit]!) {
    if (
      rest.startsWith(form) ? runsOutInside(text, at + form.length, units, unit + 1) : form.startsWith(rest)
    ) {
      return true
    }
  }
  return false
}

// Node's `inspect`, where there is one (Node, Bun, Deno), reached without importing `node:util`: this module
// is part of the root entry, which loads in browsers too, and whose bundle names no `node:` module.
const inspect = (
  (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule?.(
    'util',
  ) as typeof import('node:util') | undefined
)?.inspect

// Bounds on the walk of a printed value: far past any error's own, short of a hostile object's.
const MAX_DEPTH = 32
const MAX_ITEMS = 10_000
// Bytes read of one byte array: a parser's error keeps a few KB; a download kept on an error is not searched whole.
const MAX_BYTES_READ = 1024 * 1024

/**
 * All that `value` can print, for a search of its secrets: `inspect` of it with hidden properties, at any depth
 * and strings whole, and every string and byte reachable through its own properties (`cause` too, never a
 * getter), bytes read as latin1 text: `inspect` shows a Buffer as hex and JSON as numbers, where an echoed
 * secret would not be found.
 */
export function printedWhole(value: unknown): string {
  const texts: string[] = []
  try {
    if (inspect !== undefined) {
      texts.push(
        inspect(value, {
          depth: Number.POSITIVE_INFINITY,
          showHidden: true,
          maxStringLength: Number.POSITIVE_INFINITY,
        }),
      )
    }
  } catch {
    // A value inspect cannot print (a Proxy that throws): the walk below still reads what it can.
  }
  walk(value, texts, () => false)
  return texts.join('\n')
}

/**
 * What came from outside the library in `value`, for a search of the values of a request: every string and
 * byte reachable through own properties, as {@link printedWhole} reads them, save stacks (their frames name
 * code, and the library's words and names may match an ordinary value) and the messages of what `ours` says
 * the library wrote itself.
 */
export function foreignText(value: unknown, ours: (holder: object) => boolean): string {
  const texts: string[] = []
  walk(value, texts, (holder, key) => key === 'stack' || (key === 'message' && ours(holder)))
  return texts.join('\n')
}

function walk(value: unknown, texts: string[], skip: (holder: object, key: PropertyKey) => boolean): void {
  const seen = new Set<object>()
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === 'string') {
      texts.push(item)
      return
    }
    if (typeof item !== 'object' || item === null || depth > MAX_DEPTH || seen.size >= MAX_ITEMS) return
    if (seen.has(item)) return
    seen.add(item)
    if (ArrayBuffer.isView(item)) {
      texts.push(latin1(new Uint8Array(item.buffer, item.byteOffset, item.byteLength)))
      return
    }
    if (item instanceof ArrayBuffer) {
      texts.push(latin1(new Uint8Array(item)))
      return
    }
    if (item instanceof Map) {
      for (const [key, entry] of item) {
        visit(key, depth + 1)
        visit(entry, depth + 1)
      }
    }
    if (item instanceof Set) for (const entry of item) visit(entry, depth + 1)
    for (const key of Reflect.ownKeys(item)) {
      if (skip(item, key)) continue
      const descriptor = Reflect.getOwnPropertyDescriptor(item, key)
      if (descriptor !== undefined && 'value' in descriptor) visit(descriptor.value, depth + 1)
    }
  }
  try {
    visit(value, 0)
  } catch {
    // A Proxy whose traps throw: what was read so far is searched.
  }
}

function latin1(bytes: Uint8Array): string {
  let text = ''
  const end = Math.min(bytes.length, MAX_BYTES_READ)
  for (let start = 0; start < end; start += 8192) {
    text += String.fromCharCode(...bytes.subarray(start, Math.min(start + 8192, end)))
  }
  return text
}
