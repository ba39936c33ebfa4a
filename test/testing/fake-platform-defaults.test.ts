/**
 * The defaults docs/testing.md promises for `startFakePlatform()`, each observed through what the fake does
 * over 127.0.0.1: its credentials, its port, the lifetime of its tokens and how long a callback waits.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPlatformClient } from 'esign-errors/platform'
import { type FakePlatform, startFakePlatform } from 'esign-errors/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { read, tokenOf } from './raw.js'

// What the fake platform answers account/infomation with (the Node sample's fields).
const ACCOUNT = { info: { dsacnt: '100', smscnt: 100, maxsigner: 10, ekyccnt: 100, diskspace: '1GB' } }

const started: FakePlatform[] = []
async function start(options?: Parameters<typeof startFakePlatform>[0]): Promise<FakePlatform> {
  const fake = await startFakePlatform(options)
  started.push(fake)
  return fake
}
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(started.splice(0).map((fake) => fake.close()))
})

const clientOf = (fake: { baseUrl: string; apiKey: string; apiSecret: string }) =>
  createPlatformClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    retry: false,
  })

/** `account/infomation` with this token, as the fake answered it. */
async function infomation(fake: FakePlatform, token: string): Promise<{ result: number; message: string }> {
  const answer = await read(
    await fetch(`${fake.baseUrl}account/infomation?accesstoken=${token}`),
    fake.apiSecret,
  )
  return { result: answer.body.result, message: answer.body.message }
}

describe('startFakePlatform() defaults', () => {
  it('apiKey and apiSecret: random, 20 and 40 upper-case hex digits, unless given', async () => {
    const [one, two] = await Promise.all([start(), start()])
    for (const fake of [one, two]) {
      expect(fake.apiKey).toMatch(/^[0-9A-F]{20}$/)
      expect(fake.apiSecret).toMatch(/^[0-9A-F]{40}$/)
      // The fake takes its own credentials: a client holding them gets a token and a verified answer.
      expect(await clientOf(fake).accountInformation()).toEqual(ACCOUNT)
    }
    expect(one.apiKey).not.toBe(two.apiKey)
    expect(one.apiSecret).not.toBe(two.apiSecret)

    const apiKey = 'A1B2C3D4E5F60718293A'
    const apiSecret = '0123456789ABCDEF0123456789ABCDEF01234567'
    const given = await start({ apiKey, apiSecret })
    expect([given.apiKey, given.apiSecret]).toEqual([apiKey, apiSecret])
    expect(await clientOf({ baseUrl: given.baseUrl, apiKey, apiSecret }).accountInformation()).toEqual(
      ACCOUNT,
    )
    // Another key gets no token from it: the given one is the one it checks.
    const token = await fetch(`${given.baseUrl}accesstoken?client_id=${one.apiKey}`)
    expect(await token.json()).toEqual({ result: 53, message: 'Integration key does not exist' })
  })

  it('port: a free one each, on 127.0.0.1, that answers', async () => {
    const fakes = await Promise.all([start(), start()])
    const ports = fakes.map((fake) => {
      const match = /^http:\/\/127\.0\.0\.1:(\d+)\/signserver\/v1\/$/.exec(fake.baseUrl)
      expect(match).not.toBeNull()
      return Number(match![1])
    })
    expect(ports[0]).not.toBe(ports[1])
    for (const port of ports) expect(port).toBeGreaterThan(0)
    // Each answers at its own port: its credentials work there and nowhere else.
    for (const fake of fakes) expect(await clientOf(fake).accountInformation()).toEqual(ACCOUNT)
    const crossed = await fetch(`${fakes[0]!.baseUrl}accesstoken?client_id=${fakes[1]!.apiKey}`)
    expect(await crossed.json()).toEqual({ result: 53, message: 'Integration key does not exist' })
    // On 127.0.0.1 alone: another loopback address finds nothing listening at that port.
    await expect(fetch(`http://127.0.0.2:${ports[0]}/signserver/v1/accesstoken`)).rejects.toThrow(
      'fetch failed',
    )
  })

  it('tokenTtlMs: a token answers for 30 minutes, then 6', async () => {
    const fake = await start()
    // Only Date is faked: the fake stamps a token with Date.now() at issue and compares on each call.
    const issuedAt = Date.UTC(2030, 0, 1)
    vi.useFakeTimers({ toFake: ['Date'], now: issuedAt })
    const token = await tokenOf(fake)
    expect(await infomation(fake, token)).toEqual({ result: 0, message: 'Success' })
    vi.setSystemTime(issuedAt + 30 * 60 * 1000 - 1)
    expect(await infomation(fake, token)).toEqual({ result: 0, message: 'Success' })
    vi.setSystemTime(issuedAt + 30 * 60 * 1000)
    expect(await infomation(fake, token)).toEqual({ result: 6, message: 'Access token has expired' })
  })

  // A receiver that never answers: the wait is real (the fake's timeout is an AbortSignal, which no fake
  // timer reaches), about 5.5 s of wall time.
  it('callbackTimeoutMs: a callback nobody answers is given up after 5 s', { timeout: 15_000 }, async () => {
    const hanging: Server = createServer(() => {})
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
    try {
      const fake = await start()
      const client = clientOf(fake)
      const { contractnum } = await client.uploadDocument({
        file: Buffer.from('%PDF-1.4\n%defaults\n%%EOF\n'),
        type: 'pdf',
        contractInfo: { contractname: 'Lease', signerinfo: [{ email: 'alice@example.com' }] },
      })
      const callUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/cb`
      await client.manualSigningUrl({ contractnum, signerInfo: { email: 'alice@example.com' }, callUrl })

      const signing = fake.sign(contractnum, 'alice@example.com')
      const sent = fake.callbacks[0]!
      expect(sent).toMatchObject({ contractnum, event: 'signed', url: callUrl })
      await new Promise((resolve) => setTimeout(resolve, 4_500))
      expect([sent.status, sent.error]).toEqual([undefined, undefined])
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      expect([sent.status, sent.error]).toEqual([undefined, 'TimeoutError'])
      expect(await signing).toBe(sent)
    } finally {
      hanging.closeAllConnections()
      await new Promise((resolve) => hanging.close(resolve))
    }
  })
})
