/**
 * The callback handlers of docs/callbacks.md, run as written: each block is written to .tmp beside two stubs
 * (the platform client and the store the docs leave to the reader), served over a real socket, and called
 * back by the fake platform in each encoding it knows, then by forged callbacks.
 */
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { callbackUrl, createPlatformClient, type PlatformClient } from 'esign-errors/platform'
import { type CallbackFormat, type FakePlatform, startFakePlatform } from 'esign-errors/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = `${root}.tmp/callbacks-doc/`
const SECRET = 'CB0000000000000000000000000000000SECRET0'

/** The ts blocks of docs/callbacks.md whose first line is `// <file>.ts`, by file name. */
function blocks(): Map<string, string> {
  const doc = readFileSync(`${root}docs/callbacks.md`, 'utf8')
  const found = new Map<string, string>()
  for (const [, code] of doc.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w-]+\.ts)/.exec(code!)?.[1]
    if (name) found.set(name, code!)
  }
  return found
}

const STUB_PLATFORM = `import type { PlatformClient } from 'esign-errors/platform'
export const holder: { client?: PlatformClient } = {}
export const platform = { signingStatus: (contractnum: string) => holder.client!.signingStatus(contractnum) }
`
const STUB_STORE = `export const completed: string[] = []
export async function markCompleted(contractnum: string): Promise<void> {
  completed.push(contractnum)
}
`

let holder: { client?: PlatformClient }
let completed: string[]
const apps = new Map<string, () => Promise<{ base: string; close: () => Promise<void> }>>()
const fakes = new Map<CallbackFormat, FakePlatform>()

async function serve(listener: RequestListener): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = createServer(listener)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

beforeAll(async () => {
  const found = blocks()
  expect([...found.keys()].sort()).toEqual(['express.ts', 'fastify.ts', 'koa.ts', 'recheck.ts'])
  mkdirSync(dir, { recursive: true })
  for (const [name, code] of found) writeFileSync(`${dir}${name}`, code)
  writeFileSync(`${dir}platform.ts`, STUB_PLATFORM)
  writeFileSync(`${dir}store.ts`, STUB_STORE)
  process.env.SC_API_SECRET = SECRET
  ;({ holder } = (await import(/* @vite-ignore */ `${dir}platform.ts`)) as { holder: typeof holder })
  ;({ completed } = (await import(/* @vite-ignore */ `${dir}store.ts`)) as { completed: string[] })
  apps.set('Express', async () => serve((await import(/* @vite-ignore */ `${dir}express.ts`)).app))
  apps.set('Koa', async () => serve((await import(/* @vite-ignore */ `${dir}koa.ts`)).app.callback()))
  apps.set('Fastify', async () => {
    const { app } = (await import(/* @vite-ignore */ `${dir}fastify.ts`)) as { app: FastifyInstance }
    await app.ready()
    return serve((req, res) => app.routing(req, res))
  })
  for (const format of ['form', 'json', 'multipart'] as const) {
    fakes.set(format, await startFakePlatform({ apiSecret: SECRET, callbackFormat: format }))
  }
})

afterAll(async () => {
  await Promise.all([...fakes.values()].map((fake) => fake.close()))
})

const pdf = Buffer.from('%PDF-1.4\n%callbacks\n%%EOF\n')

async function signingFor(fake: FakePlatform, base: string, signers: string[]) {
  const client = createPlatformClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
  })
  holder.client = client
  const { contractnum } = await client.uploadDocument({
    file: pdf,
    type: 'pdf',
    contractInfo: { contractname: 'Lease', signerinfo: signers.map((email) => ({ email })) },
  })
  const callUrl = callbackUrl(`${base}/signing-callback`, contractnum, { secret: SECRET })
  for (const email of signers) {
    await client.manualSigningUrl({ contractnum, signerInfo: { email }, callUrl })
  }
  return { contractnum, callUrl }
}

describe.each(['Express', 'Koa', 'Fastify'])('the %s handler of docs/callbacks.md', (framework) => {
  let app: { base: string; close: () => Promise<void> }
  beforeAll(async () => {
    app = await apps.get(framework)!()
  })
  afterAll(async () => {
    await app.close()
  })

  it.each(['form', 'json', 'multipart'] as const)(
    'reads a callback sent as %s, rechecks, and answers 204 each time it comes',
    async (format) => {
      const fake = fakes.get(format)!
      completed.length = 0
      const { contractnum } = await signingFor(fake, app.base, ['a@example.com', 'b@example.com'])
      // One of two signers: the state read is in progress, so nothing is marked.
      expect(await fake.sign(contractnum, 'a@example.com')).toMatchObject({ status: 204 })
      expect(completed).toEqual([])
      const last = (await fake.sign(contractnum, 'b@example.com'))!
      expect([last.status, last.error]).toEqual([204, undefined])
      expect(completed).toEqual([contractnum])
      // The same callback again: read and acted on again; markCompleted must not mind.
      const again = await fetch(last.url, {
        method: 'POST',
        headers: { 'content-type': last.contentType },
        body: last.body,
      })
      expect(again.status).toBe(204)
      expect(completed).toEqual([contractnum, contractnum])
    },
  )

  it('refuses forged callbacks with 403 before anything is read from the platform', async () => {
    const fake = fakes.get('form')!
    const { contractnum, callUrl } = await signingFor(fake, app.base, ['a@example.com'])
    const other = await signingFor(fake, app.base, ['a@example.com'])
    const before = fake.received.length
    completed.length = 0
    const post = async (url: string, body: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
      return [res.status, ((await res.json()) as { code: number }).code]
    }
    expect(
      await post(`${app.base}/signing-callback?contractnum=${contractnum}`, `contractnum=${contractnum}`),
    ).toEqual([403, 44])
    expect(await post(callUrl.replace(contractnum, other.contractnum), '')).toEqual([403, 2])
    const sig = new URL(callUrl).searchParams.get('esign_sig')!
    const tampered = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`
    expect(await post(callUrl.replace(sig, tampered), '')).toEqual([403, 2])
    expect(await post(callUrl, `contractnum=${other.contractnum}`)).toEqual([403, 44])
    expect(fake.received.length).toBe(before)
    expect(completed).toEqual([])
  })
})
