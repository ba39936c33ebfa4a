import { createCipheriv, createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SignError, UpstreamError } from 'esign-errors'
import { createPlatformClient } from 'esign-errors/platform'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scrubberOf } from '../../src/upstream/secrets.js'
import { rejectionOf } from '../helpers/rejections.js'
import { encodings, printedWays } from '../helpers/secret-search.js'

const API_KEY = 'KEY+of/the=integration'
const API_SECRET = 'SECRET0000000000000000000000000000000042'
// A token with every character a URL or a form encodes: `+`, `/` and `=`.
const TOKEN = 'q+Z/4mW9=xR+t/Lp8K2=vN+b/Hc6J3=Fd+Y/'
const KEY_HEX = createHash('sha256').update(API_SECRET).digest('hex')

describe('scrubberOf', () => {
  const scrubber = scrubberOf([TOKEN, 'deadbeefdeadbeef00', 'short'])

  it.each(encodings(TOKEN).map((form) => [form]))('scrubs the token written as %s', (form) => {
    expect(scrubber.scrub(`token [${form}] refused`)).toBe('token […] refused')
    expect(scrubber.holds(`token [${form}] refused`)).toBe(true)
  })

  it('scrubs a hex value in either case, and a space written as + or %20', () => {
    const spaced = scrubberOf(['a secret with spaces'])
    expect(scrubber.scrub('mac DEADBEEFDEADBEEF00 and deadbeefDEADBEEF00')).toBe('mac … and …')
    expect(spaced.scrub('a+secret%20with+spaces!')).toBe('…!')
    expect(spaced.scrub('a%2Bsecret with spaces')).toBe('a%2Bsecret with spaces')
  })

  it.each(['', 'a', 'ab', 'user:', 'KEY+of/the=integration:'])(
    'finds the token in base64 after %j, whatever its offset in the encoded bytes, in either alphabet',
    (prefix) => {
      const encoded = Buffer.from(`${prefix}${TOKEN} and more`).toString('base64')
      const urlSafe = Buffer.from(`${prefix}${TOKEN} and more`).toString('base64url')
      for (const text of [encoded, urlSafe]) {
        expect(scrubber.holds(`Basic ${text}`)).toBe(true)
        // What is left either side is the prefix's and the tail's, a few characters at most of the token's.
        const [before = '', after = ''] = scrubber.scrub(text).split('…')
        expect(before.length).toBeLessThanOrEqual(Math.ceil((prefix.length * 8) / 6) + 1)
        expect(after.length).toBeLessThanOrEqual(Math.ceil((' and more'.length * 8) / 6) + 3)
      }
      expect(scrubber.holds(Buffer.from(`${prefix}nothing secret here at all`).toString('base64'))).toBe(
        false,
      )
    },
  )

  it('leaves values under 8 characters and other text alone', () => {
    expect(scrubber.scrub('short text, q+Z/4mW9')).toBe('short text, q+Z/4mW9')
    expect(scrubber.holds('nothing here')).toBe(false)
  })

  it('scrubs before it cuts: a token straddling the cut leaves nothing of itself', () => {
    const message = `${'x'.repeat(180)}${TOKEN} tail`
    // Cut first, 20 of its 36 characters would have stayed.
    expect(message.slice(0, 200)).toBe(`${'x'.repeat(180)}${TOKEN.slice(0, 20)}`)
    expect(scrubber.cut(message, 200)).toBe(`${'x'.repeat(180)}… tail`)
  })

  it.each(encodings(TOKEN).map((form) => [form]))(
    'drops a tail that starts the token (%s) at the end of a cut',
    (form) => {
      // The platform echoed only the start of the token: nothing whole to scrub.
      const message = `${'x'.repeat(185)}${form.slice(0, 30)}`
      expect(scrubber.cut(message, 200)).toBe(`${'x'.repeat(185)}…`)
    },
  )

  it('checks the end of what it scrubbed of a very long message, even when that end is short', () => {
    // Only the part that can reach the cut is scrubbed: its end may fall inside a token.
    const message = `${'x'.repeat(20)}${TOKEN.repeat(20)}`
    const cut = scrubber.cut(message, 200)
    expect(cut.startsWith(`${'x'.repeat(20)}……`)).toBe(true)
    expect(cut.endsWith('…')).toBe(true)
    expect(cut).not.toContain(TOKEN.slice(0, 8))
  })

  it('keeps a tail shorter than 8 characters, and a cut that ends in no secret', () => {
    const started = `${'x'.repeat(193)}${TOKEN.slice(0, 20)}`
    expect(scrubber.cut(started, 200)).toBe(`${'x'.repeat(193)}${TOKEN.slice(0, 7)}`)
    expect(scrubber.cut('y'.repeat(300), 200)).toBe('y'.repeat(200))
    expect(scrubber.cut('short', 200)).toBe('short')
  })
})

// A platform of its own: the token it issues holds `+`, `/` and `=`, and its error answers echo what they got.
function encrypt(value: unknown): string {
  const key = createHash('sha256').update(API_SECRET).digest()
  const cipher = createCipheriv('aes-256-ecb', key, null)
  return Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]).toString('hex')
}

const echoes: Record<string, (params: URLSearchParams, url: string) => string> = {
  encoded: (params) => `refused ${encodeURIComponent(params.get('accesstoken')!)}`,
  form: (params) => `refused ${new URLSearchParams({ t: params.get('accesstoken')! }).toString().slice(2)}`,
  'lower-hex': (params) =>
    `refused ${encodeURIComponent(params.get('accesstoken')!).replace(/%[0-9A-F]{2}/g, (p) => p.toLowerCase())}`,
  'mac-upper': (params) => `mac ${params.get('mac')!.toUpperCase()} does not match`,
  'data-upper': (params) => `data ${params.get('data')!.toUpperCase()} is bad`,
  query: (_params, url) => `bad request ${url}`,
  straddle: (params) => `${'x'.repeat(180)}${params.get('accesstoken')} and more`,
  truncated: (params) => `${'x'.repeat(185)}${encodeURIComponent(params.get('accesstoken')!).slice(0, 30)}`,
  // The AES key, which is the secret's SHA-256: a platform's debugging message may print it.
  key: () => `decrypting with key ${KEY_HEX} failed`,
  // The token wrapped in base64 with the key, as an Authorization header would carry it.
  base64: (params) =>
    `refused Basic ${Buffer.from(`${API_KEY}:${params.get('accesstoken')}`).toString('base64')}`,
}

let server: Server
let base: string
const seen: URLSearchParams[] = []

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const path = url.pathname.replace('/signserver/v1/', '')
    seen.push(url.searchParams)
    const data = encrypt({ at: TOKEN })
    const mac = createHash('sha256')
      .update(data + API_SECRET)
      .digest('hex')
    const echo = Object.hasOwn(echoes, path.replace('echo/', ''))
      ? echoes[path.replace('echo/', '')]
      : undefined
    const body =
      path === 'accesstoken'
        ? { result: 0, message: 'Success', data, mac }
        : { result: echo ? 1 : 7, message: echo?.(url.searchParams, req.url ?? '') ?? 'no such path' }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signserver/v1/`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('secrets in any encoding never leave', () => {
  it('the cause, inspect, JSON, the log entry and debug bodies hold no form of a secret, nor the start of one', async () => {
    const platform = createPlatformClient({
      baseUrl: base,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      retry: false,
    })
    const errors: unknown[] = []
    for (const echo of Object.keys(echoes)) {
      errors.push(
        await rejectionOf(platform.request({ method: 'GET', path: `echo/${echo}`, payload: { echo } })),
      )
    }
    // A foreign fetch whose error quotes the URL it was given: the token form-encoded in its query.
    const leaky = ((input: string | URL | Request, init?: RequestInit) =>
      String(input).includes('/accesstoken?')
        ? fetch(input, init)
        : Promise.reject(new TypeError(`cannot reach ${String(input)}`))) as typeof fetch
    const quoting = createPlatformClient({
      baseUrl: base,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      retry: false,
      fetch: leaky,
    })
    errors.push(await rejectionOf(quoting.request({ method: 'GET', path: 'echo/query', payload: { n: 1 } })))
    expect(errors.map((error) => (error as SignError).code)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4])
    // What the platform said is still there for the log, with the secrets taken out.
    expect((errors[0] as SignError & { cause: UpstreamError }).cause.upstreamMessage).toBe('refused …')
    expect((errors[3] as SignError & { cause: UpstreamError }).cause.upstreamMessage).toBe(
      'mac … does not match',
    )
    // The key's and the token's base64 are gone from the Basic credential (the key is a secret too).
    const wrapped = Buffer.from(`${API_KEY}:${TOKEN}`).toString('base64')
    const basic = (errors[9] as SignError & { cause: UpstreamError }).cause.upstreamMessage ?? ''
    expect(basic.startsWith('refused Basic ')).toBe(true)
    for (const at of [0, 12, 32, 48]) expect(basic).not.toContain(wrapped.slice(at, at + 12))

    const values = [TOKEN, API_SECRET, API_KEY, KEY_HEX]
    for (const params of seen)
      for (const key of ['data', 'mac']) if (params.get(key)) values.push(params.get(key)!)
    expect(values.length).toBeGreaterThan(10)
    const forms = values.flatMap(encodings)

    for (const printed of printedWays(errors)) {
      for (const form of forms) expect(printed).not.toContain(form.slice(0, 8))
    }
  })
})
