import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createPlatformClient } from 'esign-errors/platform'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_API_KEY, DEMO_API_SECRET, type FakePlatform, startPlatform } from '../examples/fake-platform.js'
import { createGateway, type SigningEvent } from '../examples/gateway.js'

const _run = promisify(execFile)
const _root = fileURLToPath(new URL('..', import.meta.url))

let fake: FakePlatform
let server: Server
let base: string
let events: SigningEvent[]

beforeEach(async () => {
  fake = await startPlatform()
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const platform = createPlatformClient({
    baseUrl: fake.url,
    apiKey: DEMO_API_KEY,
    apiSecret: DEMO_API_SECRET,
  })
  const gateway = createGateway(platform, { apiSecret: DEMO_API_SECRET, publicUrl: base })
  events = gateway.events
  server.on('request', gateway.app)
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await fake.close()
})

const pdf = Buffer.from('%PDF-1.4\n%gateway test\n%%EOF\n')

async function upload(): Promise<string> {
  const res = await request(base)
    .post('/documents?name=Lease&signer=a@example.com')
    .set('content-type', 'application/pdf')
    .send(pdf)
  expect(res.status).toBe(201)
  return (res.body as { data: { contractnum: string } }).data.contractnum
}

async function until<T>(check: () => T | undefined, ms = 3000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() - started > ms) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('examples/gateway.ts against the fake platform', () => {
  it('runs the flow: upload, signing link, signing, callback confirmed with contract/details', async () => {
    const contractnum = await upload()
    const details = await request(base).get(`/documents/${contractnum}`)
    expect(details.status).toBe(200)
    expect(details.body.data.contractState).toBe(1)

    const link = await request(base)
      .post(`/documents/${contractnum}/signing-url`)
      .send({ email: 'a@example.com' })
    expect(link.status).toBe(200)
    expect(link.body.data.url).toMatch(/toIntegratorSign\.action\?accesscode=/)

    const signed = await request(base).post(`/documents/${contractnum}/sign`).send({ email: 'a@example.com' })
    expect(signed.status).toBe(202)
    // The platform POSTs the callback; the gateway acts only on the state contract/details confirms.
    const event = await until(() => events[0])
    expect(event).toEqual({ contractnum, contractState: 4 })
    const detailsCalls = fake.received.filter((call) => call.path === 'contract/details')
    expect(detailsCalls).toHaveLength(2)
    const file = await request(base).get(`/documents/${contractnum}/file`).buffer(true)
    expect(file.status).toBe(200)
    expect(Buffer.from(file.body as Buffer).equals(pdf)).toBe(true)
  })

  it('refuses a forged callback: a bad mac is 400 code 2, a missing token 403', async () => {
    const contractnum = await upload()
    await request(base).post(`/documents/${contractnum}/signing-url`).send({ email: 'a@example.com' })
    const forged = await request(base)
      .post(`/platform-callback?contractnum=${contractnum}`)
      .type('form')
      .send({ data: '00'.repeat(16), mac: 'ab'.repeat(32) })
    expect([forged.status, forged.body.code]).toEqual([400, 2])
    const unsigned = await request(base).post('/platform-callback').type('form').send({ contractnum })
    expect([unsigned.status, unsigned.body.code]).toEqual([403, 44])
    expect(events).toEqual([])
  })

  it('answers platform errors with their status: 404 code 41, and 502 code 2 for a tampered answer', async () => {
    const missing = await request(base).get('/documents/NO-SUCH-DOCUMENT')
    expect([missing.status, missing.body.code, missing.body.name]).toEqual([404, 41, 'DocumentNotFound'])
    fake.inject({ path: 'contract/details', fault: { kind: 'tamper' } })
    const contractnum = await upload()
    const tampered = await request(base).get(`/documents/${contractnum}`)
    expect(tampered.status).toBe(502)
    expect(tampered.body).toEqual({
      code: 2,
      name: 'MacMismatch',
      message: 'Data check failed (MAC mismatch)',
      status: 502,
      retryable: false,
    })
  })
})
