import { createCipheriv, createHash } from 'node:crypto'
import { getEventListeners } from 'node:events'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import type { SignError, UpstreamError } from 'esign-errors'
import { errorHandler } from 'esign-errors/express'
import { createPlatformClient, type PlatformClientOptions, type PlatformRequest } from 'esign-errors/platform'
import express from 'express'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { z as z3 } from 'zod3'
import {
  DEMO_API_KEY,
  DEMO_API_SECRET,
  type FakePlatform,
  startPlatform,
} from '../../examples/fake-platform.js'
import { rejectionOf, signErrorOf } from '../helpers/rejections.js'
import { printedWays } from '../helpers/secret-search.js'

// What the fake platform answers account/infomation with (the Node sample's fields).
const ACCOUNT = { info: { dsacnt: '100', smscnt: 100, maxsigner: 10, ekyccnt: 100, diskspace: '1GB' } }

// Which exchange the client makes its calls with when a test gives no `fetch` of its own: on Node, by default,
// its own through node:http (src/upstream/node-exchange.ts). requester-fetch.test.ts runs this whole file
// again with `fetch`, which a client given a `fetch`, and every client in Bun, Deno and workers, uses.
const viaFetch = (globalThis as { requesterViaFetch?: boolean }).requesterViaFetch === true

let platform: FakePlatform
beforeEach(async () => {
  platform = await startPlatform()
})
afterEach(async () => {
  await platform.close()
})

/** Every body the platform answered, as the client saw it: the data and mac values to look for. */
const answered: string[] = []

function recordingFetch(): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init)
    const text = await response.clone().text()
    if (text.length < 100_000) answered.push(text)
    return response
  }) as typeof fetch
}

function client(options: Partial<PlatformClientOptions> = {}) {
  return createPlatformClient({
    baseUrl: platform.url,
    apiKey: DEMO_API_KEY,
    apiSecret: DEMO_API_SECRET,
    ...(viaFetch ? { fetch: globalThis.fetch } : {}),
    retry: { baseDelayMs: 10, maxDelayMs: 20 },
    ...options,
  })
}

const calls = (path: string) => platform.received.filter((call) => call.path === path)

// Decrypts with node:crypto alone, under SHA-256 of the secret: not with the code under test.
function independentEncrypt(value: unknown): string {
  const key = createHash('sha256').update(DEMO_API_SECRET).digest()
  const cipher = createCipheriv('aes-256-ecb', key, null)
  return Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]).toString('hex')
}

const contractInfo = { contractname: 'Lease', signerinfo: [{ email: 'signer@example.com', name: 'Signer' }] }
const pdf = Buffer.from('%PDF-1.4\n%esign-errors test vector\n%%EOF\n')

describe('transport, as PROTOCOL §2 says', () => {
  it('gets a token with client_id alone, then sends a call without payload with accesstoken alone', async () => {
    // The fake answers account/infomation with the fields the vendor's Node sample reads (ACCOUNT).
    expect(await client().accountInformation()).toEqual(ACCOUNT)
    expect(
      platform.received.map((call) => [call.method, call.path, call.transport, Object.keys(call.params)]),
    ).toEqual([
      ['GET', 'accesstoken', 'query', ['client_id']],
      ['GET', 'account/infomation', 'query', ['accesstoken']],
    ])
    expect(platform.received[0]!.params.client_id).toBe(DEMO_API_KEY)
    expect(platform.received[1]!.params.accesstoken).toBe(platform.tokens()[0])
  })

  it('puts accesstoken, data and mac in the query of a GET, data encrypted as the vendor does', async () => {
    await client().listContracts({ pageSize: 10 })
    const [call] = calls('contract/list')
    expect(call!.transport).toBe('query')
    expect(Object.keys(call!.params)).toEqual(['accesstoken', 'data', 'mac'])
    const sent = { startIndex: 0, pageSize: 10, rDetail: 2, contractState: -1, date: '' }
    expect(call!.params.data).toBe(independentEncrypt(sent))
    expect(call!.params.mac).toBe(
      createHash('sha256')
        .update(call!.params.data + DEMO_API_SECRET)
        .digest('hex'),
    )
    expect(call!.payload).toEqual(sent)
  })

  it('sends a POST as a urlencoded form and a DELETE in the query', async () => {
    const platformClient = client()
    const { contractnum } = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    await platformClient.manualSigningUrl({ contractnum, signerInfo: { email: 'signer@example.com' } })
    await platformClient.deleteContract(contractnum)
    const manual = calls('contract/signature/manual')[0]!
    expect([manual.method, manual.transport, Object.keys(manual.params)]).toEqual([
      'POST',
      'form',
      ['accesstoken', 'data', 'mac'],
    ])
    expect(manual.payload).toEqual({ contractnum, signerInfo: { email: 'signer@example.com' } })
    const deleted = calls('contract/list').find((call) => call.method === 'DELETE')!
    expect([deleted.transport, Object.keys(deleted.params)]).toEqual([
      'query',
      ['accesstoken', 'data', 'mac'],
    ])
    expect(deleted.payload).toEqual({ contractnum })
  })

  it('sends a file as multipart with its hash inside the encrypted payload', async () => {
    const { contractnum } = await client().uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    expect(contractnum).toMatch(/^[0-9A-F]{32}$/)
    const upload = calls('contract/file')[0]!
    expect(upload.transport).toBe('multipart')
    expect(Object.keys(upload.params).sort()).toEqual(['accesstoken', 'data', 'mac', 'uploadFile'])
    // The vectors' file and its hash, as the vendor's PHP and Java compute it.
    expect(upload.payload).toEqual({
      type: 'pdf',
      contractInfo: { contractnum: '', signernum: 1, ...contractInfo },
      uploadFileHash: '1e48801362be397f3f889800a602a776814ecb600faa6c9e87e00bfc3f188d2c',
    })
  })
})

describe('the access token', () => {
  it('is fetched once for 50 concurrent calls', async () => {
    const platformClient = client()
    const answers = await Promise.all(Array.from({ length: 50 }, () => platformClient.accountInformation()))
    expect(answers).toHaveLength(50)
    expect(platform.tokenRequests()).toBe(1)
    expect(calls('account/infomation')).toHaveLength(50)
    expect(new Set(calls('account/infomation').map((call) => call.params.accesstoken)).size).toBe(1)
  })

  it('is cached for tokenTtlMs, then fetched again', async () => {
    const platformClient = client({ tokenTtlMs: 100 })
    await platformClient.accountInformation()
    await platformClient.accountInformation()
    expect(platform.tokenRequests()).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 150))
    await platformClient.accountInformation()
    expect(platform.tokenRequests()).toBe(2)
    expect(calls('account/infomation').map((call) => call.params.accesstoken)).toEqual([
      platform.tokens()[0],
      platform.tokens()[0],
      platform.tokens()[1],
    ])
  })

  it('is kept 25 minutes by default', async () => {
    const platformClient = client()
    await platformClient.accountInformation()
    const now = Date.now()
    const clock = vi.spyOn(Date, 'now')
    try {
      clock.mockReturnValue(now + 24 * 60 * 1000)
      await platformClient.accountInformation()
      expect(platform.tokenRequests()).toBe(1)
      clock.mockReturnValue(now + 25 * 60 * 1000 + 1000)
      await platformClient.accountInformation()
      expect(platform.tokenRequests()).toBe(2)
    } finally {
      clock.mockRestore()
    }
  })

  it.each([
    ['6 (expired)', 'expired' as const],
    ['5 (invalid)', 'invalid-token' as const],
  ])('is renewed once when the platform answers %s, and the call replayed once', async (_label, kind) => {
    const platformClient = client()
    await platformClient.accountInformation()
    platform.inject({ path: 'contract/signature/manual', fault: { kind } })
    const { contractnum } = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    const { url } = await platformClient.manualSigningUrl({
      contractnum,
      signerInfo: { email: 'signer@example.com' },
    })
    expect(url).toContain('toIntegratorSign')
    expect(platform.tokenRequests()).toBe(2)
    const manual = calls('contract/signature/manual')
    expect(manual).toHaveLength(2)
    expect(manual[0]!.params.accesstoken).toBe(platform.tokens()[0])
    expect(manual[1]!.params.accesstoken).toBe(platform.tokens()[1])
  })

  it('renews tokens the platform expired, once for many concurrent callers', async () => {
    const platformClient = client()
    await platformClient.accountInformation()
    platform.expireTokens()
    await Promise.all(Array.from({ length: 20 }, () => platformClient.accountInformation()))
    expect(platform.tokenRequests()).toBe(2)
  })

  it('gives up on a second 5 or 6: the error is the platform code, answered 502', async () => {
    platform.inject({ path: 'account/infomation', times: 2, fault: { kind: 'expired' } })
    const err = await signErrorOf(client().accountInformation())
    expect([err.code, err.codeName, err.status, err.retryable]).toEqual([6, 'AccessTokenExpired', 502, false])
    expect(platform.tokenRequests()).toBe(2)
    expect(calls('account/infomation')).toHaveLength(2)
  })

  it('answers the service credential codes 502 by default, and as overridden', async () => {
    const wrongKey = client({ apiKey: 'NOT-THE-KEY' })
    const err = await signErrorOf(wrongKey.accountInformation())
    expect([err.code, err.codeName, err.status]).toEqual([53, 'IntegrationKeyNotFound', 502])
    const overridden = client({ apiKey: 'NOT-THE-KEY', statusOverrides: { 53: 401 } })
    expect((await signErrorOf(overridden.accountInformation())).status).toBe(401)
    platform.inject({
      path: 'account/infomation',
      fault: { kind: 'result', result: 2, message: 'MAC mismatch' },
    })
    expect((await signErrorOf(client().accountInformation())).status).toBe(502)
  })

  it('is refused when its answer does not verify: code 2, 502, and never cached', async () => {
    platform.inject({ path: 'accesstoken', fault: { kind: 'tamper' } })
    const platformClient = client()
    const err = await signErrorOf(platformClient.accountInformation())
    expect([err.code, err.status, err.retryable]).toEqual([2, 502, false])
    expect(platform.tokenRequests()).toBe(1)
    await platformClient.accountInformation()
    expect(platform.tokenRequests()).toBe(2)
  })
})

describe('retries', () => {
  it('does not retry a POST answered 89', async () => {
    const platformClient = client()
    const { contractnum } = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    platform.inject({ path: 'contract/signature/manual', fault: { kind: 'busy', retryAfter: '0' } })
    const err = await signErrorOf(
      platformClient.manualSigningUrl({ contractnum, signerInfo: { email: 'signer@example.com' } }),
    )
    expect([err.code, err.codeName, err.status, err.retryable]).toEqual([89, 'SystemBusy', 503, true])
    expect(calls('contract/signature/manual')).toHaveLength(1)
  })

  it('does not retry a DELETE by default: a repeated delete would fail', async () => {
    const platformClient = client()
    const { contractnum } = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    platform.inject({ path: 'contract/list', fault: { kind: 'busy' } })
    expect((await signErrorOf(platformClient.deleteContract(contractnum))).code).toBe(89)
    expect(calls('contract/list')).toHaveLength(1)
  })

  it('retries a GET answered 89, waiting for its Retry-After', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'busy', retryAfter: '1' } })
    const started = Date.now()
    await client().accountInformation()
    const [first, second] = calls('account/infomation')
    expect(calls('account/infomation')).toHaveLength(2)
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990)
    // Not a timing target: proof that it did not wait for a backoff on top (a loaded machine gets room).
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('honours Retry-After as an HTTP date too, on an HTTP 503', async () => {
    const when = new Date(Date.now() + 2000).toUTCString()
    platform.inject({
      path: 'account/infomation',
      fault: { kind: 'busy', retryAfter: when, httpStatus: 503 },
    })
    await client().accountInformation()
    const [first, second] = calls('account/infomation')
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900)
  })

  it('gives up at once when Retry-After asks longer than maxRetryAfterMs', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'busy', retryAfter: '30' } })
    const started = Date.now()
    const err = await signErrorOf(client().accountInformation())
    expect(err.code).toBe(89)
    expect(calls('account/infomation')).toHaveLength(1)
    // It did not wait the 30 s asked; the bound leaves a loaded machine room.
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('makes at most `attempts` attempts', async () => {
    platform.inject({ path: 'account/infomation', times: 10, fault: { kind: 'busy' } })
    const err = await signErrorOf(client({ retry: { attempts: 4, baseDelayMs: 5 } }).accountInformation())
    expect(err.code).toBe(89)
    expect(calls('account/infomation')).toHaveLength(4)
  })

  it('stops when the next delay would pass maxTotalDelayMs', async () => {
    platform.inject({ path: 'account/infomation', times: 10, fault: { kind: 'busy', retryAfter: '1' } })
    const retry = { attempts: 10, maxTotalDelayMs: 1500 }
    const err = await signErrorOf(client({ retry }).accountInformation())
    expect(err.code).toBe(89)
    expect(calls('account/infomation')).toHaveLength(2)
  })

  it('makes one attempt with retry: false', async () => {
    platform.inject({ path: 'account/infomation', times: 2, fault: { kind: 'busy' } })
    await signErrorOf(client({ retry: false }).accountInformation())
    expect(calls('account/infomation')).toHaveLength(1)
  })

  it('retries a POST marked idempotent: queryUsers and verifySignedFile are', async () => {
    platform.inject({ path: 'account/queryusers', fault: { kind: 'busy' } })
    const found = await client().queryUsers({ email: 'nobody@example.com' })
    expect(found).toEqual({ users: {} })
    expect(calls('account/queryusers')).toHaveLength(2)
    platform.inject({ path: 'contract/signature/verify', fault: { kind: 'busy' } })
    expect((await signErrorOf(client().verifySignedFile(pdf))).code).toBe(91)
    expect(calls('contract/signature/verify')).toHaveLength(2)
  })

  it('retries the token request of a POST: nothing was sent yet', async () => {
    platform.inject({ path: 'accesstoken', fault: { kind: 'busy' } })
    await client().addUsers([{ email: 'new@example.com' }])
    expect(platform.tokenRequests()).toBe(2)
    expect(calls('account/addusers')).toHaveLength(1)
  })

  it('retries a GET that timed out, and the timeout is a 504', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'slow', ms: 500 } })
    await client({ timeoutMs: 200 }).accountInformation()
    expect(calls('account/infomation')).toHaveLength(2)
    platform.inject({ path: 'account/infomation', times: 3, fault: { kind: 'slow', ms: 500 } })
    const err = await signErrorOf(client({ timeoutMs: 200, retry: false }).accountInformation())
    expect([err.code, err.status, err.retryable]).toEqual([4, 504, true])
  })

  it('never retries a tampered answer: code 2, 502', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'tamper' } })
    const err = await signErrorOf(client().accountInformation())
    expect([err.code, err.codeName, err.status, err.retryable, err.expose]).toEqual([
      2,
      'MacMismatch',
      502,
      false,
      false,
    ])
    expect(calls('account/infomation')).toHaveLength(1)
    expect((err.cause as UpstreamError).message).toMatch(/: answer mac does not verify$/)
  })

  it('is cancelled by the signal while it waits, with the caller reason untouched', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'busy', retryAfter: '3' } })
    const controller = new AbortController()
    const reason = new Error('the client went away')
    setTimeout(() => controller.abort(reason), 300)
    const started = Date.now()
    const error = await rejectionOf(
      client({ retry: { maxRetryAfterMs: 5000 } }).accountInformation({ signal: controller.signal }),
    )
    expect(error).toBe(reason)
    // Sooner than the 3 s asked: the wait was cut, whatever the load of the machine.
    expect(Date.now() - started).toBeLessThan(2900)
    expect(calls('account/infomation')).toHaveLength(1)
  })

  it('is cancelled by the signal while it waits for the shared token, leaving the others be', async () => {
    platform.inject({ path: 'accesstoken', fault: { kind: 'slow', ms: 300 } })
    const platformClient = client()
    const reason = new Error('gone')
    const controller = new AbortController()
    setTimeout(() => controller.abort(reason), 50)
    const [aborted, other] = await Promise.allSettled([
      platformClient.accountInformation({ signal: controller.signal }),
      platformClient.accountInformation(),
    ])
    expect(aborted).toEqual({ status: 'rejected', reason })
    expect(other.status).toBe('fulfilled')
    expect(platform.tokenRequests()).toBe(1)
  })
})

describe('answers that cannot be used', () => {
  it('data that does not decrypt is code 3, 502', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'bad-data' } })
    const err = await signErrorOf(client().accountInformation())
    expect([err.code, err.codeName, err.status]).toEqual([3, 'DataFormatError', 502])
  })

  it('a body over maxBytes is cut: code 4, 502', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'huge', bytes: 20 * 1024 * 1024 } })
    const err = await signErrorOf(client({ maxBytes: 64 * 1024, retry: false }).accountInformation())
    expect([err.code, err.status]).toEqual([4, 502])
    expect((err.cause as UpstreamError).message).toMatch(
      /upstream body is larger than the limit of 65536 bytes$/,
    )
  })

  it('a result without the field a method needs is code 3, 502', async () => {
    const platformClient = client()
    const { contractnum } = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    const err = await signErrorOf(
      platformClient.request({
        method: 'GET',
        path: 'contract/details',
        payload: { contractnum },
        parse: z.object({ contractDetails: z.object({ pages: z.number() }) }),
      }),
    )
    expect([err.code, err.status]).toEqual([3, 502])
    expect((err.cause as UpstreamError).message).toMatch(
      /GET .*contract\/details\?accesstoken=…&data=…&mac=…: the answer does not have the expected shape: contractDetails\.pages: /,
    )
    expect(JSON.stringify(err)).toBe(
      '{"code":3,"name":"DataFormatError","message":"Data format error","status":502,"retryable":false}',
    )
  })

  it('a parse function that throws is code 3 too, with its error below', async () => {
    const err = await signErrorOf(
      client().request({
        method: 'GET',
        path: 'account/infomation',
        parse: () => {
          throw new Error('not what we expected')
        },
      }),
    )
    expect(err.code).toBe(3)
    expect(((err.cause as UpstreamError).cause as Error).message).toBe('not what we expected')
  })

  /** An upload through `request()`: its answer is `{ docid, contractnum }`. */
  const upload = <T>(parse: PlatformRequest<T>['parse']) =>
    client().request({
      method: 'POST',
      path: 'contract/file',
      payload: { type: 'pdf', contractInfo },
      file: { field: 'uploadFile', content: pdf },
      parse,
    })

  it('a parse schema types the answer and passes unknown fields through', async () => {
    const uploaded = await upload(z.looseObject({ contractnum: z.string() }))
    const contractnum: string = uploaded.contractnum
    expect(contractnum).toMatch(/^[0-9A-F]{32}$/)
    expect(uploaded.docid).toEqual(expect.any(Number))
  })

  it('a zod 3 schema works the same', async () => {
    const uploaded = await upload(z3.object({ contractnum: z3.string() }).passthrough())
    const contractnum: string = uploaded.contractnum
    expect(contractnum).toMatch(/^[0-9A-F]{32}$/)
    const err = await signErrorOf(upload(z3.object({ docid: z3.string() })))
    expect(err.code).toBe(3)
    expect((err.cause as UpstreamError).message).toMatch(
      /expected shape: docid: Expected string, received number$/,
    )
  })

  it('a refused connection is code 4, 502, retried for a GET', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    let attempts = 0
    const counting = ((input: string | URL | Request, init?: RequestInit) => {
      attempts += 1
      return fetch(input, init)
    }) as typeof fetch
    const err = await signErrorOf(
      client({ baseUrl: `http://127.0.0.1:${port}/signserver/v1/`, fetch: counting }).accountInformation(),
    )
    expect([err.code, err.status, err.retryable]).toEqual([4, 502, true])
    expect(attempts).toBe(3)
  })
})

describe('the signing flow', () => {
  it('uploads, lists, reads, signs, verifies, downloads and deletes', async () => {
    const platformClient = client()
    const uploaded = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
    // Unknown fields pass through: the platform also answers docid.
    expect(uploaded.docid).toEqual(expect.any(Number))
    const { contractnum } = uploaded
    const list = await platformClient.listContracts()
    expect(list.contractList.map((row) => row.contractnumber)).toEqual([contractnum])
    expect(list.contractTotal).toBe(1)
    const details = await platformClient.contractDetails(contractnum)
    expect(details.contractDetails.previewurl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/signserver\//)
    expect(
      await signErrorOf(platformClient.verifySignedFile(pdf)).then((err) => [err.code, err.status]),
    ).toEqual([91, 422])
    expect(
      await platformClient.signAutomatically({
        contractnum,
        signerInfo: { email: 'signer@example.com', signkeyword: 'Signature' },
      }),
    ).toBeUndefined()
    // A valid file is result 0 with no fields, as the vendor's PHP reads it.
    expect(await platformClient.verifySignedFile(pdf)).toBeUndefined()
    expect(Buffer.from(await platformClient.downloadContract(contractnum)).equals(pdf)).toBe(true)
    expect(calls('contract/file').at(-1)!.payload).toEqual({ contractnum })
    await platformClient.downloadContract(contractnum, { certificate: true })
    expect(calls('contract/file').at(-1)!.payload).toEqual({ contractnum, isReqCertOfCompletion: true })
    expect(await platformClient.deleteContract(contractnum)).toBeUndefined()
    const gone = await signErrorOf(platformClient.contractDetails(contractnum))
    expect([gone.code, gone.codeName, gone.status]).toEqual([41, 'DocumentNotFound', 404])
  })

  it('adds and queries users', async () => {
    const platformClient = client()
    await platformClient.addUsers([
      { email: 'new@example.com', name: 'New', phonesn: '60123', roletype: '1' },
    ])
    expect(calls('account/addusers')[0]!.payload).toEqual({
      users: [{ email: 'new@example.com', name: 'New', phonesn: '60123', roletype: '1' }],
    })
    expect(await platformClient.queryUsers({ email: 'new@example.com' })).toEqual({
      users: { 'new@example.com': { email: 'new@example.com', roletype: '1' } },
    })
    expect(calls('account/queryusers')[0]!.payload).toEqual({ q: { email: 'new@example.com' } })
  })

  it('refuses bad input before any call, as rejections', async () => {
    const platformClient = client()
    await expect(platformClient.contractDetails('')).rejects.toThrow(
      new TypeError('contractDetails: contractnum must be a non-empty string'),
    )
    await expect(platformClient.addUsers([])).rejects.toThrow(TypeError)
    await expect(platformClient.request({ method: 'PUT' as never, path: 'contract/list' })).rejects.toThrow(
      new TypeError('request: method must be GET, POST or DELETE'),
    )
    for (const path of ['/contract/list', 'contract/list?x=1', '../admin', 'https://evil.example/x', '']) {
      await expect(platformClient.request({ method: 'GET', path })).rejects.toThrow(TypeError)
    }
    await expect(
      platformClient.request({ method: 'GET', path: 'contract/file', file: { field: 'f', content: pdf } }),
    ).rejects.toThrow(new TypeError('request: a file can only be sent with POST'))
    expect(platform.received).toHaveLength(0)
  })
})

describe('createPlatformClient checks its options', () => {
  const good = {
    baseUrl: 'https://platform.example/signserver/v1/',
    apiKey: 'KEY',
    apiSecret: 'SECRET-VALUE-1234',
  }
  it.each([
    [
      'no baseUrl',
      { baseUrl: undefined },
      TypeError,
      'createPlatformClient: baseUrl must be an absolute http: or https: URL',
    ],
    [
      'a relative baseUrl',
      { baseUrl: '/signserver/v1/' },
      TypeError,
      'createPlatformClient: baseUrl must be an absolute http: or https: URL',
    ],
    [
      'an ftp: baseUrl',
      { baseUrl: 'ftp://p.example/v1/' },
      TypeError,
      'createPlatformClient: baseUrl must use http: or https:, got ftp:',
    ],
    [
      'a baseUrl with credentials',
      { baseUrl: 'https://user:pass@p.example/v1/' },
      TypeError,
      'createPlatformClient: baseUrl must not carry credentials',
    ],
    [
      'a baseUrl with a query',
      { baseUrl: 'https://p.example/v1/?x=1' },
      TypeError,
      'createPlatformClient: baseUrl must not have a query or a fragment',
    ],
    ['an empty apiKey', { apiKey: '' }, TypeError, 'createPlatformClient: apiKey must be a non-empty string'],
    [
      'no apiSecret',
      { apiSecret: undefined },
      TypeError,
      'createPlatformClient: apiSecret must be a non-empty string',
    ],
    [
      'a timeoutMs of 3e9',
      { timeoutMs: 3e9 },
      RangeError,
      'createPlatformClient: timeoutMs must be an integer from 1 to 2147483647, got 3000000000',
    ],
    [
      'a tokenTtlMs of 0',
      { tokenTtlMs: 0 },
      RangeError,
      'createPlatformClient: tokenTtlMs must be an integer from 1 to 2147483647, got 0',
    ],
    [
      'a negative maxBytes',
      { maxBytes: -1 },
      RangeError,
      'createPlatformClient: maxBytes must be an integer of 0 or more, got -1',
    ],
    [
      'retry.attempts 0',
      { retry: { attempts: 0 } },
      RangeError,
      'createPlatformClient: retry.attempts must be an integer from 1 to 10',
    ],
    [
      'retry.baseDelayMs 1.5',
      { retry: { baseDelayMs: 1.5 } },
      RangeError,
      'createPlatformClient: retry.baseDelayMs must be an integer from 0 to 2147483647',
    ],
    ['retry true', { retry: true }, TypeError, 'createPlatformClient: retry must be an object or false'],
    [
      'fetch that is not a function',
      { fetch: 'fetch' },
      TypeError,
      'createPlatformClient: fetch must be a function',
    ],
    [
      'a bad status override',
      { statusOverrides: { 53: 200 } },
      TypeError,
      'createPlatformClient: statusOverrides[53] must be an integer from 400 to 599',
    ],
  ])('refuses %s with a message that names the option', (_label, change, kind, message) => {
    const options = { ...good, ...change } as unknown as PlatformClientOptions
    let error: unknown
    try {
      createPlatformClient(options)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(kind)
    expect((error as Error).message).toBe(message)
    expect((error as Error).message).not.toContain('SECRET-VALUE-1234')
  })

  it('accepts a base URL without its trailing slash', async () => {
    const platformClient = client({ baseUrl: platform.url.replace(/\/$/, '') })
    await platformClient.accountInformation()
    expect(calls('account/infomation')).toHaveLength(1)
  })
})

describe('secrets never leave', () => {
  it('no error, cause, log entry, inspect or JSON holds the secret, a token, data or mac', async () => {
    answered.length = 0
    const errors: unknown[] = []
    const collect = async (promise: Promise<unknown>) => errors.push(await rejectionOf(promise))
    // Through a fetch that keeps every answer's data and mac, to look for them below.
    const platformClient = client({
      timeoutMs: 300,
      retry: { attempts: 2, baseDelayMs: 5 },
      fetch: recordingFetch(),
    })
    const { contractnum } = await platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo })

    platform.inject({ path: 'contract/details', fault: { kind: 'tamper' } })
    await collect(platformClient.contractDetails(contractnum))
    platform.inject({ path: 'contract/details', times: 2, fault: { kind: 'invalid-token', echoToken: true } })
    await collect(platformClient.contractDetails(contractnum))
    platform.inject({ path: 'contract/details', fault: { kind: 'bad-data' } })
    await collect(platformClient.contractDetails(contractnum))
    platform.inject({ path: 'contract/details', times: 2, fault: { kind: 'busy', retryAfter: '0' } })
    await collect(platformClient.contractDetails(contractnum))
    platform.inject({ path: 'contract/details', times: 2, fault: { kind: 'slow', ms: 600 } })
    await collect(platformClient.contractDetails(contractnum))
    platform.inject({ path: 'contract/details', fault: { kind: 'huge', bytes: 40 * 1024 * 1024 } })
    await collect(
      client({ maxBytes: 1024, retry: false, fetch: recordingFetch() }).contractDetails(contractnum),
    )
    await collect(
      platformClient.request({
        method: 'GET',
        path: 'contract/details',
        payload: { contractnum },
        parse: z.object({ contractDetails: z.object({ contractnum: z.number() }) }),
      }),
    )
    await collect(
      platformClient.request({ method: 'GET', path: 'no/such/endpoint', payload: { contractnum } }),
    )
    // A foreign fetch whose error quotes the URL it was given, query and all.
    const leaky = ((input: string | URL | Request, init?: RequestInit) =>
      String(input).includes('/accesstoken?')
        ? fetch(input, init)
        : Promise.reject(new TypeError(`cannot reach ${String(input)}`))) as typeof fetch
    await collect(client({ fetch: leaky, retry: false }).contractDetails(contractnum))

    expect(errors).toHaveLength(9)
    expect(errors.map((error) => (error as SignError).code)).toEqual([2, 5, 3, 89, 4, 4, 3, 4, 4])

    const sensitive = new Set<string>([DEMO_API_SECRET, ...platform.tokens()])
    for (const call of platform.received) {
      if (call.params.data) sensitive.add(call.params.data)
      if (call.params.mac) sensitive.add(call.params.mac)
    }
    for (const text of answered.filter((body) => body.startsWith('{') && body.endsWith('}'))) {
      const body = JSON.parse(text) as { data?: string; mac?: string }
      if (body.data) sensitive.add(body.data)
      if (body.mac) sensitive.add(body.mac)
    }
    expect(sensitive.size).toBeGreaterThan(10)

    for (const printed of printedWays(errors)) {
      for (const value of sensitive) expect(printed).not.toContain(value)
      // URLs in errors keep their shape, never their query values.
      for (const url of printed.match(/https?:\/\/[^\s'"]+/g) ?? []) {
        for (const [, value] of new URL(url.replace(/[),:]+$/, '')).searchParams) expect(value).toBe('…')
      }
    }
  })

  it('a foreign error holding a long data value out of sight (non-enumerable, past 10,000 characters) is withheld', async () => {
    const seen: string[] = []
    const leaky = ((input: string | URL | Request, init?: RequestInit) => {
      if (String(input).includes('/accesstoken?')) return fetch(input, init)
      const url = new URL(String(input))
      seen.push(url.searchParams.get('data') ?? '', url.searchParams.get('mac') ?? '')
      const error = new TypeError('cannot reach the platform')
      Object.defineProperty(error, 'url', { value: String(input), enumerable: false })
      return Promise.reject(error)
    }) as typeof fetch
    const error = await rejectionOf(
      client({ fetch: leaky, retry: false }).request({
        method: 'GET',
        path: 'contract/list',
        payload: { note: 'x'.repeat(8000) },
      }),
    )
    const [data, mac] = seen
    expect(data!.length).toBeGreaterThan(10_000)
    expect((error as SignError).code).toBe(4)
    const printed = inspect(error, {
      depth: Number.POSITIVE_INFINITY,
      showHidden: true,
      maxStringLength: Number.POSITIVE_INFINITY,
    })
    expect(printed).not.toContain(data!)
    expect(printed).not.toContain(mac!)
  })
})

/** A server on 127.0.0.1 that hands each request to `handle`. */
async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Passes a request on to the fake platform, path and all, and its answer back. */
function proxy(req: IncomingMessage, res: ServerResponse, path: string): void {
  const upstream = httpRequest(
    new URL(path, platform.url),
    { method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  req.pipe(upstream)
}

describe('redirects', () => {
  // In front of the fake platform: `moved` paths answer a redirect to `where(req.url)`, the rest pass.
  async function front(moved: (path: string) => boolean, where: (url: string) => string) {
    const seen: string[] = []
    const server = await startServer((req, res) => {
      const url = req.url ?? '/'
      seen.push(`${req.method} ${new URL(url, 'http://x').pathname}`)
      if (url.startsWith('/moved/')) return proxy(req, res, url.slice('/moved'.length))
      if (!moved(new URL(url, 'http://x').pathname.replace('/signserver/v1/', '')))
        return proxy(req, res, url)
      res.writeHead(307, { location: where(url) })
      res.end()
    })
    return { ...server, seen }
  }

  let elsewhere: Awaited<ReturnType<typeof startServer>>
  let reached: string[]
  beforeEach(async () => {
    reached = []
    // Another origin: it would take anything, and refuse the token to get a fresh one.
    elsewhere = await startServer((req, res) => {
      reached.push(`${req.method} ${req.url}`)
      req.resume()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"result":5,"message":"Invalid access token"}')
    })
  })
  afterEach(() => elsewhere.close())

  it('a 307 to another origin is code 4, 502, not retried: nothing reaches it, no fresh token follows', async () => {
    const gate = await front(
      (path) => path === 'contract/signature/manual' || path === 'contract/list' || path === 'contract/file',
      (url) => `${elsewhere.origin}${url}`,
    )
    try {
      const platformClient = client({ baseUrl: gate.origin })
      for (const call of [
        () => platformClient.listContracts(),
        () => platformClient.uploadDocument({ file: pdf, type: 'pdf', contractInfo }),
        () => platformClient.manualSigningUrl({ contractnum: 'C1', signerInfo: { email: 'a@example.com' } }),
      ]) {
        const err = await signErrorOf(call())
        expect([err.code, err.status, err.retryable]).toEqual([4, 502, false])
        expect((err.cause as UpstreamError).message).toMatch(
          /: upstream answered HTTP 307, a redirect, which is not followed$/,
        )
      }
      expect(reached).toEqual([])
      // The GET was not retried: one attempt each.
      expect(gate.seen.filter((line) => line !== 'GET /signserver/v1/accesstoken')).toEqual([
        'GET /signserver/v1/contract/list',
        'POST /signserver/v1/contract/file',
        'POST /signserver/v1/contract/signature/manual',
      ])
      expect(platform.tokenRequests()).toBe(1)
    } finally {
      await gate.close()
    }
  })

  it('a redirected token request sends the api key nowhere else', async () => {
    const gate = await front(
      (path) => path === 'accesstoken',
      (url) => `${elsewhere.origin}${url}`,
    )
    try {
      const err = await signErrorOf(client({ baseUrl: gate.origin }).accountInformation())
      expect([err.code, err.status, err.retryable]).toEqual([4, 502, false])
      expect(reached).toEqual([])
    } finally {
      await gate.close()
    }
  })

  it("redirects: 'same-origin' follows a redirect to the same origin, request and file sent once, one token", async () => {
    const gate = await front(
      (path) => path !== 'accesstoken',
      (url) => `/moved${url}`,
    )
    try {
      const following = client({ baseUrl: gate.origin, redirects: 'same-origin' })
      const { contractnum } = await following.uploadDocument({ file: pdf, type: 'pdf', contractInfo })
      expect((await following.listContracts()).contractList).toHaveLength(1)
      const { url } = await following.manualSigningUrl({
        contractnum,
        signerInfo: { email: 'signer@example.com' },
      })
      expect(url).toContain('toIntegratorSign')
      expect(Buffer.from(await following.downloadContract(contractnum)).equals(pdf)).toBe(true)
      expect(platform.received.map((call) => `${call.method} ${call.path}`)).toEqual([
        'GET accesstoken',
        'POST contract/file',
        'GET contract/list',
        'POST contract/signature/manual',
        'GET contract/file',
      ])
      expect(platform.tokenRequests()).toBe(1)
      // Without the option, the same redirect is refused.
      const err = await signErrorOf(client({ baseUrl: gate.origin }).listContracts())
      expect([err.code, err.status]).toEqual([4, 502])
    } finally {
      await gate.close()
    }
  })

  it("redirects: 'same-origin' never follows one to another origin", async () => {
    const gate = await front(
      (path) => path === 'account/infomation',
      (url) => `${elsewhere.origin}${url}`,
    )
    try {
      const err = await signErrorOf(
        client({ baseUrl: gate.origin, redirects: 'same-origin' }).accountInformation(),
      )
      expect([err.code, err.status, err.retryable]).toEqual([4, 502, false])
      expect((err.cause as UpstreamError).message).toMatch(
        /: upstream answered HTTP 307, a redirect to another origin, which is never followed$/,
      )
      expect(reached).toEqual([])
    } finally {
      await gate.close()
    }
  })

  it('refuses a redirects option it does not know', () => {
    expect(() => client({ redirects: 'follow' as never })).toThrow(
      new TypeError("createPlatformClient: redirects must be 'error' or 'same-origin'"),
    )
  })
})

describe('baseUrl', () => {
  const options = { apiKey: 'KEY', apiSecret: 'SECRET-VALUE-1234' }

  it('takes the origin alone, and the full path with or without its slash', async () => {
    const origin = new URL(platform.url).origin
    for (const baseUrl of [origin, `${origin}/`, `${origin}/signserver/v1`, `${origin}/signserver/v1/`]) {
      await client({ baseUrl }).accountInformation()
    }
    expect(calls('account/infomation')).toHaveLength(4)
  })

  it.each([
    ['https://platform.example/api/v2/'],
    ['https://platform.example/signserver/'],
    ['https://platform.example/signserver/v1/contract'],
    ['https://platform.example/v1/signserver/v1'],
  ])('refuses %s, naming baseUrl', (baseUrl) => {
    expect(() => createPlatformClient({ ...options, baseUrl })).toThrow(
      new TypeError(
        'createPlatformClient: baseUrl must be the platform origin (https://host) or end in /signserver/v1',
      ),
    )
  })

  it.each([
    ['http://platform.example/signserver/v1/'],
    ['http://10.0.0.5:8080'],
    ['http://localhost.example.com'],
  ])('refuses plain http to %s: a forged result 0 would read as success', (baseUrl) => {
    expect(() => createPlatformClient({ ...options, baseUrl })).toThrow(
      new TypeError('createPlatformClient: baseUrl must use https: (http: only for a loopback host)'),
    )
  })

  it.each([
    ['http://localhost:8080'],
    ['http://127.0.0.1'],
    ['http://127.8.9.10:1/'],
    ['http://[::1]:3000/signserver/v1'],
  ])('takes plain http to the loopback host %s', (baseUrl) => {
    expect(() => createPlatformClient({ ...options, baseUrl })).not.toThrow()
  })
})

describe('large documents, per-call limits and the deadline', () => {
  it('downloads a 24 MiB document with the default limits', async () => {
    const platformClient = client()
    const big = Buffer.alloc(24 * 1024 * 1024, 0x25)
    const { contractnum } = await platformClient.uploadDocument({ file: big, type: 'pdf', contractInfo })
    const downloaded = await platformClient.downloadContract(contractnum)
    expect(downloaded.byteLength).toBe(big.length)
    expect(Buffer.from(downloaded).equals(big)).toBe(true)
  }, 60_000)

  it('reads at most 128 MiB by default', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'huge', bytes: 140 * 1024 * 1024 } })
    const err = await signErrorOf(client({ retry: false }).accountInformation())
    expect([err.code, err.status]).toEqual([4, 502])
    expect((err.cause as UpstreamError).message).toMatch(/the limit of 134217728 bytes$/)
  }, 60_000)

  it('does not retry a body over maxBytes: it will not shrink', async () => {
    platform.inject({ path: 'account/infomation', times: 3, fault: { kind: 'huge', bytes: 1024 * 1024 } })
    const err = await signErrorOf(client({ maxBytes: 64 * 1024 }).accountInformation())
    expect([err.code, err.status, err.retryable]).toEqual([4, 502, false])
    expect(calls('account/infomation')).toHaveLength(1)
  })

  it('takes maxBytes, timeoutMs and deadlineMs per call, over the client options', async () => {
    const platformClient = client({ retry: false })
    platform.inject({ path: 'account/infomation', fault: { kind: 'huge', bytes: 1024 * 1024 } })
    const tooBig = await signErrorOf(
      platformClient.request({ method: 'GET', path: 'account/infomation', maxBytes: 1024 }),
    )
    expect((tooBig.cause as UpstreamError).message).toMatch(/the limit of 1024 bytes$/)

    platform.inject({ path: 'account/infomation', fault: { kind: 'slow', ms: 500 } })
    const slow = await signErrorOf(
      platformClient.request({ method: 'GET', path: 'account/infomation', timeoutMs: 100 }),
    )
    expect([slow.code, slow.status]).toEqual([4, 504])
    expect((slow.cause as UpstreamError).message).toMatch(/: no complete answer within 100 ms$/)

    platform.inject({ path: 'account/infomation', fault: { kind: 'slow', ms: 500 } })
    const late = await signErrorOf(
      platformClient.request({ method: 'GET', path: 'account/infomation', deadlineMs: 100 }),
    )
    expect([late.code, late.status, late.retryable]).toEqual([4, 504, true])
    expect((late.cause as UpstreamError).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/signserver\/v1\/account\/infomation\?accesstoken=…: no answer within the deadline of 100 ms$/,
    )

    // Within its own limits, the same call answers as one without them.
    expect(
      await platformClient.request({ method: 'GET', path: 'account/infomation', maxBytes: 4096 }),
    ).toEqual(await platformClient.request({ method: 'GET', path: 'account/infomation' }))
    await expect(
      platformClient.request({ method: 'GET', path: 'account/infomation', timeoutMs: 0 }),
    ).rejects.toThrow(new RangeError('request: timeoutMs must be an integer from 1 to 2147483647, got 0'))
    await expect(
      platformClient.request({ method: 'GET', path: 'account/infomation', deadlineMs: -1 }),
    ).rejects.toThrow(new RangeError('request: deadlineMs must be an integer from 1 to 2147483647, got -1'))
    await expect(
      platformClient.request({ method: 'GET', path: 'account/infomation', maxBytes: 1.5 }),
    ).rejects.toThrow(new RangeError('request: maxBytes must be an integer of 0 or more, got 1.5'))
  })

  it('bounds the whole call, retries included, by deadlineMs', async () => {
    // Each attempt times out after 300 ms and is retried at once: the retries alone would take 3 s.
    platform.inject({ path: 'account/infomation', times: 10, fault: { kind: 'slow', ms: 1000 } })
    const started = Date.now()
    const err = await signErrorOf(
      client({
        deadlineMs: 700,
        timeoutMs: 300,
        retry: { attempts: 10, baseDelayMs: 0 },
      }).accountInformation(),
    )
    expect([err.code, err.status, err.retryable]).toEqual([4, 504, true])
    expect((err.cause as UpstreamError).message).toMatch(/: no answer within the deadline of 700 ms$/)
    // The deadline stopped it, not the retries running out; a loaded machine gets room.
    expect(calls('account/infomation').length).toBeLessThan(5)
    expect(Date.now() - started).toBeLessThan(2500)
  })

  it('bounds the wait for a slow token too, and leaves the others waiting for it be', async () => {
    platform.inject({ path: 'accesstoken', fault: { kind: 'slow', ms: 600 } })
    const platformClient = client()
    const [late, other] = await Promise.allSettled([
      platformClient.request({ method: 'GET', path: 'account/infomation', deadlineMs: 100 }),
      platformClient.accountInformation(),
    ])
    expect(late.status).toBe('rejected')
    const err = (late as PromiseRejectedResult).reason as SignError
    expect([err.code, err.status]).toEqual([4, 504])
    expect(other.status).toBe('fulfilled')
    expect(platform.tokenRequests()).toBe(1)
  })

  it('keeps the caller abort its own within the deadline', async () => {
    platform.inject({ path: 'account/infomation', fault: { kind: 'slow', ms: 500 } })
    const reason = new Error('gone')
    const controller = new AbortController()
    setTimeout(() => controller.abort(reason), 100)
    const error = await rejectionOf(client().accountInformation({ signal: controller.signal }))
    expect(error).toBe(reason)
  })

  it('refuses a deadlineMs that is not a positive integer', () => {
    expect(() => client({ deadlineMs: 0 })).toThrow(
      new RangeError('createPlatformClient: deadlineMs must be an integer from 1 to 2147483647, got 0'),
    )
  })
})

describe("the platform's Retry-After", () => {
  it("reaches the service's own answer: a busy 89 with Retry-After: 7 is a 503 with Retry-After: 7", async () => {
    const platformClient = client()
    const app = express()
    app.get('/account', async (_req, res) => {
      res.json(await platformClient.accountInformation())
    })
    app.use(errorHandler({ log: false }))
    platform.inject({ path: 'account/infomation', fault: { kind: 'busy', retryAfter: '7' } })
    const answer = await request(app).get('/account')
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('7')
    expect(answer.body).toEqual({
      code: 89,
      name: 'SystemBusy',
      message: 'The system is busy',
      status: 503,
      retryable: true,
    })
    // Asked longer than maxRetryAfterMs: given up at once.
    expect(calls('account/infomation')).toHaveLength(1)
  })

  it('is kept in whole seconds on the error, from a date too, and on a call that is not retried', async () => {
    const platformClient = client()
    platform.inject({ path: 'account/addusers', fault: { kind: 'busy', retryAfter: '2' } })
    const busy = await signErrorOf(platformClient.addUsers([{ email: 'new@example.com' }]))
    expect([busy.code, busy.retryAfter, busy.headers]).toEqual([89, 2, { 'Retry-After': '2' }])
    platform.inject({
      path: 'account/infomation',
      fault: { kind: 'busy', retryAfter: new Date(Date.now() + 30_500).toUTCString(), httpStatus: 503 },
    })
    const dated = await signErrorOf(platformClient.accountInformation())
    expect(dated.retryAfter).toBeGreaterThanOrEqual(29)
    expect(dated.retryAfter).toBeLessThanOrEqual(31)
    platform.inject({ path: 'account/infomation', fault: { kind: 'result', result: 22 } })
    expect((await signErrorOf(platformClient.accountInformation())).retryAfter).toBeUndefined()
  })
})

describe("the platform's Retry-After, rounded", () => {
  it('a date a fraction of a second past whole seconds becomes the next whole second, never the one before', async () => {
    const platformClient = client()
    // Start early in a second, so the date (whole seconds) lies 2.6 to 2.9 s ahead: up is 3, down would be 2.
    while (Date.now() % 1000 < 100 || Date.now() % 1000 > 400)
      await new Promise((done) => setTimeout(done, 20))
    const when = new Date((Math.floor(Date.now() / 1000) + 3) * 1000)
    // A POST, which is not retried: the error comes back with the delay the platform asked.
    platform.inject({
      path: 'account/addusers',
      fault: { kind: 'busy', retryAfter: when.toUTCString(), httpStatus: 503 },
    })
    const busy = await signErrorOf(platformClient.addUsers([{ email: 'new@example.com' }]))
    expect(busy.retryAfter).toBe(3)
  })
})

describe('many calls sharing one signal', () => {
  it('50 concurrent calls with one AbortSignal print no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const controller = new AbortController()
      const platformClient = client({ retry: { attempts: 10, baseDelayMs: 1 } })
      // They all wait for the one token, then some wait between retries.
      platform.inject({ path: 'accesstoken', fault: { kind: 'slow', ms: 100 } })
      platform.inject({ path: 'account/infomation', times: 20, fault: { kind: 'busy', retryAfter: '0' } })
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => platformClient.accountInformation({ signal: controller.signal })),
      )
      expect(answers).toHaveLength(50)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 10))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([])
  })
})
