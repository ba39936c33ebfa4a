import { request as httpRequest } from 'node:http'
import { type FakePlatform, startFakePlatform } from 'esign-errors/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { call, read, tokenOf } from './raw.js'

// What the fake platform answers account/infomation with (the Node sample's fields).
const ACCOUNT = { info: { dsacnt: '100', smscnt: 100, maxsigner: 10, ekyccnt: 100, diskspace: '1GB' } }

let fake: FakePlatform
beforeEach(async () => {
  fake = await startFakePlatform()
})
afterEach(async () => {
  await fake.close()
})

/** A GET of account/infomation with a valid token, as it came off the wire. */
async function infomation(): Promise<Response> {
  return fetch(`${fake.baseUrl}account/infomation?accesstoken=${await tokenOf(fake)}`)
}

/** What a raw socket saw of an answer: its status, the bytes that came, and how it ended. */
function rawGet(url: string, timeoutMs = 2_000): Promise<{ status?: number; bytes: number; end: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
      })
      res.on('end', () => resolve({ status: res.statusCode!, bytes, end: 'complete' }))
      res.on('error', () => resolve({ status: res.statusCode!, bytes, end: 'cut' }))
      res.on('aborted', () => resolve({ status: res.statusCode!, bytes, end: 'cut' }))
    })
    req.setTimeout(timeoutMs, () => {
      req.destroy()
      resolve({ bytes: -1, end: 'timeout' })
    })
    req.on('error', () => resolve({ bytes: 0, end: 'reset' }))
    req.end()
  })
}

describe('faults', () => {
  it('busy: result 89 with Retry-After, in HTTP 200 or the status asked for', async () => {
    fake.inject({ path: 'account/infomation', fault: { kind: 'busy', retryAfter: 7 } })
    fake.inject({ path: 'account/infomation', fault: { kind: 'busy', retryAfter: '1', httpStatus: 503 } })
    fake.inject({ path: 'account/infomation', fault: { kind: 'busy' } })
    const first = await infomation()
    expect([first.status, first.headers.get('retry-after'), await first.json()]).toEqual([
      200,
      '7',
      { result: 89, message: 'The system is busy' },
    ])
    const second = await infomation()
    expect([second.status, second.headers.get('retry-after')]).toEqual([503, '1'])
    const third = await infomation()
    expect([third.status, third.headers.get('retry-after')]).toEqual([200, null])
    expect((await read(await infomation(), fake.apiSecret)).body.result).toBe(0)
  })

  it('applies a fault the number of times asked, to its path only, and to every path but the token by default', async () => {
    fake.inject({ path: 'contract/list', times: 2, fault: { kind: 'result', result: 44 } })
    fake.inject({ fault: { kind: 'result', result: 9999, message: 'Something new' } })
    expect((await call(fake, 'GET', 'account/infomation')).body).toEqual({
      result: 9999,
      message: 'Something new',
    })
    expect((await call(fake, 'GET', 'account/infomation')).body.result).toBe(0)
    for (let i = 0; i < 2; i += 1) {
      expect((await call(fake, 'GET', 'contract/list', { pageSize: 1 })).body).toEqual({
        result: 44,
        message: 'Injected',
      })
    }
    expect((await call(fake, 'GET', 'contract/list', { pageSize: 1 })).body.result).toBe(0)
    expect(() => fake.inject({ fault: { kind: 'busy' }, times: 0 })).toThrow(
      new TypeError('inject: times must be a positive integer, got 0'),
    )
  })

  it('token expiry: 6 for an injected expiry, for expireTokens(), and once the lifetime has passed', async () => {
    fake.inject({ path: 'account/infomation', fault: { kind: 'expired' } })
    expect((await call(fake, 'GET', 'account/infomation')).body).toEqual({
      result: 6,
      message: 'Access token has expired',
    })
    expect((await call(fake, 'GET', 'account/infomation')).body.result).toBe(0)
    fake.expireTokens()
    expect((await call(fake, 'GET', 'account/infomation')).body.result).toBe(6)
    const short = await startFakePlatform({ tokenTtlMs: 50 })
    try {
      expect((await call(short, 'GET', 'account/infomation')).body.result).toBe(0)
      await new Promise((resolve) => setTimeout(resolve, 80))
      expect((await call(short, 'GET', 'account/infomation')).body.result).toBe(6)
    } finally {
      await short.close()
    }
  })

  it('an invalid token: 5, echoing the token when asked to', async () => {
    const token = await tokenOf(fake)
    fake.inject({ path: 'account/infomation', fault: { kind: 'invalid-token', echoToken: true } })
    expect((await call(fake, 'GET', 'account/infomation')).body).toEqual({
      result: 5,
      message: `Invalid access token: ${token}`,
    })
  })

  it('a tampered mac, and a mac over data that is no ciphertext', async () => {
    fake.inject({ path: 'account/infomation', fault: { kind: 'tamper' } })
    const tampered = await call(fake, 'GET', 'account/infomation')
    expect([tampered.body.result, tampered.macVerifies]).toEqual([0, false])
    fake.inject({ path: 'accesstoken', fault: { kind: 'tamper' } })
    const token = await read(
      await fetch(`${fake.baseUrl}accesstoken?client_id=${fake.apiKey}`),
      fake.apiSecret,
    )
    expect(token.macVerifies).toBe(false)
    fake.inject({ path: 'account/infomation', fault: { kind: 'bad-data' } })
    const bad = await infomation()
    const body = (await bad.json()) as { data: string }
    expect(body.data).toMatch(/^[0-9a-f]{32}$/)
  })

  it('a slow answer comes whole, late', async () => {
    fake.inject({ path: 'account/infomation', fault: { kind: 'slow', ms: 300 } })
    const started = performance.now()
    const answer = await read(await infomation(), fake.apiSecret)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(answer.payload).toEqual(ACCOUNT)
  })

  it('cut, stalled, reset and huge answers, as a socket sees them', async () => {
    const url = `${fake.baseUrl}account/infomation?accesstoken=${await tokenOf(fake)}`
    fake.inject({ path: 'account/infomation', fault: { kind: 'cut' } })
    expect(await rawGet(url)).toEqual({ status: 200, bytes: 40, end: 'cut' })
    fake.inject({ path: 'account/infomation', fault: { kind: 'stall' } })
    expect(await rawGet(url, 300)).toEqual({ bytes: -1, end: 'timeout' })
    fake.inject({ path: 'account/infomation', fault: { kind: 'reset' } })
    expect(await rawGet(url)).toEqual({ bytes: 0, end: 'reset' })
    fake.inject({ path: 'account/infomation', fault: { kind: 'huge', bytes: 1024 * 1024 } })
    const huge = await rawGet(url)
    expect([huge.status, huge.end, huge.bytes]).toEqual([200, 'complete', 40 + 1024 * 1024 + 2])
  })

  it('closes with answers still stalled or slow, and ends them', async () => {
    const url = `${fake.baseUrl}account/infomation?accesstoken=${await tokenOf(fake)}`
    fake.inject({ path: 'account/infomation', fault: { kind: 'stall' } })
    fake.inject({ path: 'account/infomation', fault: { kind: 'slow', ms: 60_000 } })
    const stalled = rawGet(url, 10_000)
    const slow = rawGet(url, 10_000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = performance.now()
    await fake.close()
    expect(performance.now() - started).toBeLessThan(1_000)
    expect((await stalled).end).toBe('cut')
    expect(['reset', 'cut']).toContain((await slow).end)
  })
})

describe('what it records', () => {
  it('every call, how its parameters came, and the payload that verified', async () => {
    await call(fake, 'GET', 'contract/list', { pageSize: 1 })
    await call(fake, 'POST', 'contract/signature/manual', {
      contractnum: 'NOPE',
      signerInfo: { email: 'a@b.c' },
    })
    expect(fake.received.map((entry) => [entry.method, entry.path, entry.transport, entry.payload])).toEqual([
      ['GET', 'accesstoken', 'query', undefined],
      ['GET', 'contract/list', 'query', { pageSize: 1 }],
      ['POST', 'contract/signature/manual', 'form', { contractnum: 'NOPE', signerInfo: { email: 'a@b.c' } }],
    ])
    expect(fake.tokenRequests()).toBe(1)
    expect(fake.tokens()).toEqual([fake.received[1]!.params.accesstoken])
  })
})
