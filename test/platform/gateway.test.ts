import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { inflateRawSync } from 'node:zlib'
import { createPlatformClient, encryptData, macOf } from 'esign-errors/platform'
import { type FakePlatform, startFakePlatform } from 'esign-errors/testing'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type SigningEvent } from '../../examples/gateway.js'

const _run = promisify(execFile)
const _root = fileURLToPath(new URL('../..', import.meta.url))

let fake: FakePlatform
let server: Server
let base: string
let events: SigningEvent[]

beforeEach(async () => {
  fake = await startFakePlatform()
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const platform = createPlatformClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
  })
  const gateway = createGateway(platform, { apiSecret: fake.apiSecret, publicUrl: base })
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
  it('runs the flow: upload, coordinates, signing link, signing, callback, signingStatus, downloads', async () => {
    const contractnum = await upload()
    const status = await request(base).get(`/documents/${contractnum}`)
    expect([status.status, status.body.data]).toEqual([200, { state: 'in-progress', signers: ['pending'] }])

    const signset = [{ pageindex: 1, top: 700, left: 120, fieldtype: 'sign' }]
    const placed = await request(base)
      .post(`/documents/${contractnum}/coordinates`)
      .send({ email: 'a@example.com', signset })
    expect(placed.status).toBe(204)
    const coordinate = fake.received.filter((call) => call.path === 'contract/coordinate')
    expect(coordinate.map((call) => call.payload)).toEqual([
      { contractInfo: { contractnum, signerinfo: [{ email: 'a@example.com', signset }] } },
    ])

    const link = await request(base)
      .post(`/documents/${contractnum}/signing-url`)
      .send({ email: 'a@example.com' })
    expect(link.status).toBe(200)
    expect(link.body.data.url).toMatch(/toIntegratorSign\.action\?accesscode=/)

    const signed = await request(base).post(`/documents/${contractnum}/sign`).send({ email: 'a@example.com' })
    expect(signed.status).toBe(202)
    expect(
      fake.received.filter((call) => call.path.startsWith('contract/signature/a')).map((call) => call.path),
    ).toEqual(['contract/signature/auto'])
    // The platform POSTs the callback; the gateway acts only on the state signingStatus() reads.
    const event = await until(() => events[0])
    expect(event).toEqual({ contractnum, state: 'completed' })
    // Nothing reads contract/details any more: the state comes from contract/list alone.
    expect(fake.received.filter((call) => call.path === 'contract/details')).toEqual([])
    const after = await request(base).get(`/documents/${contractnum}`)
    expect(after.body.data).toEqual({ state: 'completed', signers: ['signed'] })
    const file = await request(base).get(`/documents/${contractnum}/file`).buffer(true)
    expect([file.status, file.type]).toEqual([200, 'application/pdf'])
    expect(Buffer.from(file.body as Buffer).equals(pdf)).toBe(true)
    const zip = await request(base).get(`/documents/${contractnum}/zip`).responseType('blob')
    expect([zip.status, zip.type]).toEqual([200, 'application/zip'])
    // The zip's first entry, read by its local header (signature, sizes, name), inflates to the document.
    const bytes = Buffer.from(zip.body as Buffer)
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50)
    const start = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28)
    expect(inflateRawSync(bytes.subarray(start, start + bytes.readUInt32LE(18))).equals(pdf)).toBe(true)
  })

  it('acts on a signed callback each time it comes, and refuses forged ones with 403', async () => {
    const contractnum = await upload()
    const other = await upload()
    await request(base).post(`/documents/${contractnum}/sign`).send({ email: 'a@example.com' })
    const sent = await until(() => fake.callbacks.find((callback) => callback.status !== undefined))
    expect([sent.status, sent.contentType, sent.body]).toEqual([
      204,
      'application/x-www-form-urlencoded',
      `contractnum=${contractnum}`,
    ])
    const signed = new URL(sent.url)
    const path = `${signed.pathname}${signed.search}`
    expect(path).toMatch(
      new RegExp(
        `^/platform-callback\\?esign_contractnum=${contractnum}&esign_expires=\\d+&esign_sig=[\\w-]{43}$`,
      ),
    )

    // A data + mac pair proves nothing: any pair made with the secret verifies, this one too.
    const data = encryptData({ contractnum }, fake.apiSecret)
    const unsigned = await request(base)
      .post(`/platform-callback?contractnum=${contractnum}`)
      .type('form')
      .send({ data, mac: macOf(data, fake.apiSecret) })
    expect([unsigned.status, unsigned.body.code]).toEqual([403, 44])
    const otherContract = await request(base).post(path.replace(contractnum, other)).type('form').send({})
    expect([otherContract.status, otherContract.body.code]).toEqual([403, 2])
    const crossed = await request(base).post(path).type('form').send({ contractnum: other })
    expect([crossed.status, crossed.body.code]).toEqual([403, 44])
    expect(events).toEqual([{ contractnum, state: 'completed' }])

    // The genuine callback again, as JSON this time: acted on again, on the state read again.
    const again = await request(base).post(path).send({ contractnum })
    expect(again.status).toBe(204)
    expect(events).toEqual([
      { contractnum, state: 'completed' },
      { contractnum, state: 'completed' },
    ])
  })

  it('answers platform errors with their status: 404 code 41, and 502 code 2 for a tampered answer', async () => {
    const missing = await request(base).get('/documents/NO-SUCH-DOCUMENT')
    expect([missing.status, missing.body.code, missing.body.name]).toEqual([404, 41, 'DocumentNotFound'])
    fake.inject({ path: 'contract/list', fault: { kind: 'tamper' } })
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
