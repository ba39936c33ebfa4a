import { createHmac } from 'node:crypto'
import { inspect } from 'node:util'
import { isSignError, type SignError, type UpstreamError } from 'esign-errors'
import { callbackUrl, openCallback } from 'esign-errors/platform'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const secret = 'D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F70819A2B'
const C1 = '85346F27E86CF44ABD8E8B7FEA93988F'
const C2 = 'C555873284EA879410A8F57383AB231E'
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0)
const DAY = 24 * 3600

/** The construction the docs describe, written out here with node:crypto alone. */
function expectedSig(key: string, contractnum: string, expires: number): string {
  const derived = createHmac('sha256', key).update('esign-errors callback v1').digest()
  return createHmac('sha256', derived).update(`${contractnum}\n${expires}`).digest('base64url')
}

/** Path and query of a signed URL, as a framework hands it over (`req.originalUrl`). */
function pathOf(url: string): string {
  const parsed = new URL(url)
  return `${parsed.pathname}${parsed.search}`
}

async function refusal(input: Parameters<typeof openCallback>[0], key = secret): Promise<SignError> {
  const error = await openCallback(input, { secret: key }).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(isSignError(error)).toBe(true)
  return error as SignError
}

function why(error: SignError): string {
  return (error.cause as UpstreamError).message
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  vi.useRealTimers()
})

describe('callbackUrl', () => {
  it('adds the contract, an expiry and an HMAC-SHA256 bound to both, keeping the query it had', () => {
    const expires = NOW / 1000 + 30 * DAY
    expect(callbackUrl('https://api.example.com/cb?tenant=t1', C1, { secret })).toBe(
      `https://api.example.com/cb?tenant=t1&esign_contractnum=${C1}&esign_expires=${expires}&esign_sig=${expectedSig(secret, C1, expires)}`,
    )
    expect(callbackUrl(new URL('http://127.0.0.1:3001/cb'), C2, { secret, ttlSeconds: 60 })).toBe(
      `http://127.0.0.1:3001/cb?esign_contractnum=${C2}&esign_expires=${NOW / 1000 + 60}&esign_sig=${expectedSig(secret, C2, NOW / 1000 + 60)}`,
    )
    expect(callbackUrl('https://api.example.com/cb?', C1, { secret, ttlSeconds: 1 })).toMatch(
      /^https:\/\/api\.example\.com\/cb\?esign_contractnum=/,
    )
  })

  it('takes a key of bytes as well as a string', () => {
    const bytes = Buffer.from(secret)
    expect(callbackUrl('https://a.example/cb', C1, { secret: bytes })).toBe(
      callbackUrl('https://a.example/cb', C1, { secret }),
    )
  })

  it.each([
    ['a relative URL', '/cb', C1, { secret }, 'callbackUrl: url must be an absolute http: or https: URL'],
    [
      'another scheme',
      'ftp://a.example/cb',
      C1,
      { secret },
      'callbackUrl: url must be an absolute http: or https: URL',
    ],
    ['a fragment', 'https://a.example/cb#x', C1, { secret }, 'callbackUrl: url must not have a fragment'],
    [
      'a URL signed already',
      `https://a.example/cb?esign_sig=x`,
      C1,
      { secret },
      'callbackUrl: url already has an esign_sig parameter',
    ],
    [
      'an empty contract number',
      'https://a.example/cb',
      '',
      { secret },
      'callbackUrl: contractnum must be 1 to 128 letters, digits or @_,-',
    ],
    [
      'a contract number with a newline',
      'https://a.example/cb',
      'C1\nC2',
      { secret },
      'callbackUrl: contractnum must be 1 to 128 letters, digits or @_,-',
    ],
    [
      'a short secret',
      'https://a.example/cb',
      C1,
      { secret: 'short' },
      'callbackUrl: secret must be a string or bytes of at least 16 bytes',
    ],
    [
      'no options',
      'https://a.example/cb',
      C1,
      undefined,
      'callbackUrl: secret must be a string or bytes of at least 16 bytes',
    ],
    [
      'a ttl of 0',
      'https://a.example/cb',
      C1,
      { secret, ttlSeconds: 0 },
      'callbackUrl: ttlSeconds must be an integer from 1 to 31622400, got 0',
    ],
    [
      'a ttl past a year',
      'https://a.example/cb',
      C1,
      { secret, ttlSeconds: 366 * DAY + 1 },
      'callbackUrl: ttlSeconds must be an integer from 1 to 31622400, got 31622401',
    ],
    [
      // The secret given as the ttl as well (options built from the wrong variable): named by its type only.
      'a ttl that is a string',
      'https://a.example/cb',
      C1,
      { secret, ttlSeconds: secret },
      'callbackUrl: ttlSeconds must be an integer from 1 to 31622400, got a string',
    ],
  ])('refuses %s with a TypeError', (_label, url, contractnum, options, message) => {
    expect(() => callbackUrl(url, contractnum, options as never)).toThrow(new TypeError(message))
  })

  it('never puts the secret in its own errors', () => {
    let thrown: unknown
    try {
      callbackUrl('https://a.example/cb', C1, { secret: `${secret}`, ttlSeconds: -1 })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect(inspect(thrown)).not.toContain(secret)
  })
})

describe('openCallback', () => {
  const signed = () => pathOf(callbackUrl('https://api.example.com/cb?tenant=t1', C1, { secret }))

  it('returns the contract its URL was signed for, and the body as fields', async () => {
    const url = signed()
    expect(await openCallback({ url, body: { contractnum: C1, note: 'x' } }, { secret })).toEqual({
      contractnum: C1,
      fields: { contractnum: C1, note: 'x' },
    })
    // A full URL, or a URL object, does as well as path and query.
    expect(
      await openCallback({ url: new URL(url, 'https://api.example.com'), body: undefined }, { secret }),
    ).toEqual({ contractnum: C1, fields: {} })
    expect(await openCallback({ url: `https://internal:8080${url}` }, { secret })).toEqual({
      contractnum: C1,
      fields: {},
    })
  })

  it('accepts a URL up to the last second before it expires', async () => {
    const url = pathOf(callbackUrl('https://a.example/cb', C1, { secret, ttlSeconds: 10 }))
    vi.setSystemTime(NOW + 9_999)
    expect((await openCallback({ url }, { secret })).contractnum).toBe(C1)
    vi.setSystemTime(NOW + 10_000)
    const err = await refusal({ url })
    expect([err.code, err.status, err.codeName, why(err)]).toEqual([
      97,
      403,
      'VerificationCodeExpired',
      'callback URL has expired',
    ])
  })

  const boundary = 'xYzBoundary'
  const multipart = (fields: Record<string, string>) =>
    Buffer.from(
      `${Object.entries(fields)
        .map(
          ([name, value]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        )
        .join('')}--${boundary}--\r\n`,
    )

  it.each([
    ['JSON text', `{"contractnum":"${C1}","n":1}`, 'application/json', { contractnum: C1, n: 1 }],
    [
      'JSON bytes',
      Buffer.from(`{"contractnum":"${C1}"}`),
      'application/json; charset=utf-8',
      { contractnum: C1 },
    ],
    ['JSON behind a byte order mark', `\uFEFF{"a":"b"}`, 'application/json', { a: 'b' }],
    ['a vendor JSON type', '{"a":"b"}', 'application/vnd.example+json', { a: 'b' }],
    [
      'a urlencoded form',
      `contractnum=${C1}&a=1&a=2`,
      'application/x-www-form-urlencoded',
      { contractnum: C1, a: ['1', '2'] },
    ],
    [
      'a multipart form',
      multipart({ contractnum: C1, a: 'b' }),
      `multipart/form-data; boundary=${boundary}`,
      { contractnum: C1, a: 'b' },
    ],
    [
      'a multipart form as text',
      multipart({ a: 'b' }).toString(),
      `multipart/form-data; boundary=${boundary}`,
      { a: 'b' },
    ],
    ['JSON without a content type', '{"a":"b"}', undefined, { a: 'b' }],
    ['a form without a content type', 'a=b', undefined, { a: 'b' }],
    ['a form sent as text/plain', 'a=b', 'text/plain', { a: 'b' }],
    ['an empty body of any type', '', 'application/xml', {}],
    ['empty bytes', Buffer.alloc(0), 'application/json', {}],
  ])('reads %s', async (_label, body, contentType, fields) => {
    expect(await openCallback({ url: signed(), body, contentType }, { secret })).toEqual({
      contractnum: C1,
      fields,
    })
  })

  it('reads what a body parser already made: an object, URLSearchParams or FormData', async () => {
    const url = signed()
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 'b' })
    expect((await openCallback({ url, body: nullProto }, { secret })).fields).toEqual({ a: 'b' })
    // fast-querystring's records (behind @fastify/formbody): a constructor with an empty prototype-less prototype.
    function Empty(this: Record<string, unknown>) {}
    Empty.prototype = Object.create(null)
    const built = Object.assign(new (Empty as unknown as new () => Record<string, unknown>)(), {
      contractnum: C2,
    })
    const crossed = await refusal({ url, body: built })
    expect([crossed.code, crossed.status]).toEqual([44, 403])
    expect((await openCallback({ url, body: new URLSearchParams('a=b&a=c') }, { secret })).fields).toEqual({
      a: ['b', 'c'],
    })
    const form = new FormData()
    form.set('contractnum', C1)
    expect((await openCallback({ url, body: form }, { secret })).fields).toEqual({ contractnum: C1 })
  })

  it('keeps a "__proto__" field a field, and touches no prototype', async () => {
    const { fields } = await openCallback(
      { url: signed(), body: '{"__proto__":{"polluted":1},"a":1}', contentType: 'application/json' },
      { secret },
    )
    expect(Object.keys(fields)).toEqual(['__proto__', 'a'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype)
  })

  describe('fails closed', () => {
    const parts = () => {
      const url = new URL(signed(), 'https://api.example.com')
      return {
        contractnum: url.searchParams.get('esign_contractnum')!,
        expires: url.searchParams.get('esign_expires')!,
        sig: url.searchParams.get('esign_sig')!,
      }
    }
    const build = (query: string) => `/cb?tenant=t1&${query}`

    it('refuses an unsigned callback: code 44, 403', async () => {
      for (const url of ['/cb', `/cb?contractnum=${C1}`, '/cb?tenant=t1']) {
        const err = await refusal({ url, body: { contractnum: C1 } })
        expect([err.code, err.status, err.codeName, why(err)]).toEqual([
          44,
          403,
          'IllegalOperation',
          'callback URL is not signed',
        ])
      }
    })

    it.each([
      [
        'a flipped bit in the signature',
        (p: ReturnType<typeof parts>) => {
          const bytes = Buffer.from(p.sig, 'base64url')
          bytes[0]! ^= 1
          return `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}&esign_sig=${bytes.toString('base64url')}`
        },
        'callback URL signature does not verify',
      ],
      [
        'a second spelling of the signature',
        (p: ReturnType<typeof parts>) => {
          // The last of 43 characters carries 2 bits no byte uses: flipping one keeps the bytes, not the text.
          const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
          const index = last.indexOf(p.sig.at(-1)!)
          const other = `${p.sig.slice(0, -1)}${last[index ^ 1]}`
          expect(Buffer.from(other, 'base64url').equals(Buffer.from(p.sig, 'base64url'))).toBe(true)
          return `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}&esign_sig=${other}`
        },
        'callback URL signature does not verify',
      ],
      [
        'another contract in the URL',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${C2}&esign_expires=${p.expires}&esign_sig=${p.sig}`,
        'callback URL signature does not verify',
      ],
      [
        'a later expiry',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}&esign_expires=${Number(p.expires) + 1}&esign_sig=${p.sig}`,
        'callback URL signature does not verify',
      ],
      [
        "another contract's signature",
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}&esign_sig=${expectedSig(secret, C2, Number(p.expires))}`,
        'callback URL signature does not verify',
      ],
      [
        'a signature made with another key',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}&esign_sig=${expectedSig(`${secret}X`, C1, Number(p.expires))}`,
        'callback URL signature does not verify',
      ],
      [
        'the signature in hex',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}&esign_sig=${Buffer.from(p.sig, 'base64url').toString('hex')}`,
        'callback URL signature does not verify',
      ],
      [
        'no signature',
        (p: ReturnType<typeof parts>) => `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}`,
        'callback URL has some of its signature parameters, not all',
      ],
      [
        'a second contract',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}&esign_sig=${p.sig}&esign_contractnum=${C2}`,
        'callback URL repeats a signature parameter',
      ],
      [
        'an expiry that is not a number',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}&esign_expires=${p.expires}x&esign_sig=${p.sig}`,
        'callback URL has a malformed contract number or expiry',
      ],
      [
        'a contract number with a space',
        (p: ReturnType<typeof parts>) =>
          `esign_contractnum=${p.contractnum}%20&esign_expires=${p.expires}&esign_sig=${p.sig}`,
        'callback URL has a malformed contract number or expiry',
      ],
    ])('refuses %s: code 2, 403', async (_label, query, reason) => {
      const err = await refusal({ url: build(query(parts())), body: {} })
      expect([err.code, err.status, err.codeName, err.retryable, why(err)]).toEqual([
        2,
        403,
        'MacMismatch',
        false,
        reason,
      ])
    })

    it('refuses a URL checked with another key', async () => {
      const err = await refusal({ url: signed() }, `${secret}X`)
      expect([err.code, err.status]).toEqual([2, 403])
    })

    it('checks the URL before it reads the body', async () => {
      const err = await refusal({ url: '/cb', body: '{not json', contentType: 'application/json' })
      expect([err.code, err.status]).toEqual([44, 403])
    })

    it.each([
      ['a JSON body', { contractnum: C2 }, undefined],
      ['contractnumber, any case', { ContractNumber: C2 }, undefined],
      ['deep inside', { data: { list: [{ x: 1 }, { contractInfo: { contractnum: C2 } }] } }, undefined],
      ['as a number', { contractnum: 42 }, undefined],
      ['the same contract and another', { contractnum: [C1, C2] }, undefined],
      ['a repeated form field', `contractnum=${C1}&contractnum=${C2}`, 'application/x-www-form-urlencoded'],
      [
        'JSON inside a form field',
        `info=${encodeURIComponent(JSON.stringify({ contractnum: C2 }))}`,
        'application/x-www-form-urlencoded',
      ],
      ['a multipart field', multipart({ contractnum: C2 }), `multipart/form-data; boundary=${boundary}`],
      [
        'a multipart file part',
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="contractnum"; filename="c.txt"\r\n` +
            `Content-Type: text/plain\r\n\r\n${C2}\r\n--${boundary}--\r\n`,
        ),
        `multipart/form-data; boundary=${boundary}`,
      ],
      ['the same contract in another case', { contractnum: C1.toLowerCase() }, undefined],
    ])('refuses a body naming another contract, %s: code 44, 403', async (_label, body, contentType) => {
      const err = await refusal({ url: signed(), body, contentType })
      expect([err.code, err.status, why(err)]).toEqual([
        44,
        403,
        'callback body names another contract than its signed URL',
      ])
    })

    it('accepts a body naming its own contract, padded, or naming none with an empty value', async () => {
      for (const body of [{ contractnum: ` ${C1} ` }, { contractnum: '' }, { contractnumber: [C1] }]) {
        expect((await openCallback({ url: signed(), body }, { secret })).contractnum).toBe(C1)
      }
    })

    it.each([
      ['malformed JSON', '{"contractnum":', 'application/json', 400, 'callback body is not valid JSON'],
      ['a JSON array', '[1]', 'application/json', 400, 'callback body is not an object of fields'],
      ['a JSON string', '"x"', 'application/json', 400, 'callback body is not an object of fields'],
      [
        'bytes that are not UTF-8',
        Buffer.from([0x7b, 0xff, 0x7d]),
        'application/json',
        400,
        'callback body is not UTF-8',
      ],
      [
        'another charset',
        'a=b',
        'application/x-www-form-urlencoded; charset=latin1',
        415,
        'callback body has a charset other than UTF-8',
      ],
      [
        'a type it cannot read',
        '<a/>',
        'application/xml',
        415,
        'callback body has a content type it cannot read',
      ],
      [
        'multipart without its boundary',
        'x',
        'multipart/form-data',
        400,
        'callback body is not valid multipart',
      ],
      ['a number', 42, undefined, 400, 'callback body is not an object of fields'],
      ['an array', ['a'], undefined, 400, 'callback body is not an object of fields'],
      ['a class instance', new Date(0), undefined, 400, 'callback body is not an object of fields'],
    ])('refuses %s: code 3', async (_label, body, contentType, status, reason) => {
      const err = await refusal({ url: signed(), body, contentType })
      expect([err.code, err.status, why(err)]).toEqual([3, status, reason])
    })

    it('refuses a body nested deeper than it checks', async () => {
      let body: Record<string, unknown> = { contractnum: C2 }
      for (let i = 0; i < 40; i += 1) body = { a: body }
      const err = await refusal({ url: signed(), body })
      expect([err.code, err.status, why(err)]).toEqual([3, 400, 'callback body is nested too deep to check'])
    })

    it('puts neither the key, the signature nor the body on its errors', async () => {
      const url = signed()
      const sig = new URL(url, 'https://x').searchParams.get('esign_sig')!
      const errors = [
        await refusal({ url: `${url}x` }),
        await refusal({
          url,
          body: `{"contractnum":"${C2}","secretish":"zzz-body-value"}`,
          contentType: 'application/json',
        }),
        await refusal({ url, body: '{"secretish":"zzz-body-value",', contentType: 'application/json' }),
      ]
      for (const err of errors) {
        const printed = `${inspect(err, { depth: 10 })}${JSON.stringify(err)}`
        for (const value of [secret, sig, 'zzz-body-value']) expect(printed).not.toContain(value)
      }
    })

    it('refuses bad arguments with a TypeError', async () => {
      await expect(openCallback({ url: signed() }, { secret: '' })).rejects.toThrow(
        new TypeError('openCallback: secret must be a string or bytes of at least 16 bytes'),
      )
      await expect(openCallback({ url: 42 } as never, { secret })).rejects.toThrow(
        new TypeError('openCallback: url must be a string or a URL (path and query will do)'),
      )
      await expect(openCallback(undefined as never, { secret })).rejects.toThrow(
        new TypeError('openCallback: the first argument must be { url, body?, contentType? }'),
      )
    })
  })
})
