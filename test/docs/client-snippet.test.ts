/**
 * The first client snippet of docs/client.md, run as written against the README's own server
 * (examples/express.ts) over a real socket: the request it sends must reach the route as the JSON it means.
 * Only `fetch` is given a base, as a browser page on that origin would resolve the path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../examples/express.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

type Fetch = (input: string, init?: RequestInit) => Promise<Response>
type Snippet = (fetch: Fetch, password: string, askAgain: () => void) => Promise<unknown>

/** The snippet as an async function of what it leaves free (`fetch`, `password`, `askAgain`), returning `error`. */
async function clientSnippet(): Promise<{ source: string; run: Snippet }> {
  const section = readFileSync(`${root}docs/client.md`, 'utf8')
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error('docs/client.md has no ts block')
  const [imports, ...body] = block.split('\n\n')
  expect(imports).toMatch(/^import .* from 'esign-errors\/client'$/)
  // Written beside the tests so that its import resolves as the tests' do; the block itself is unchanged.
  mkdirSync(`${root}.tmp`, { recursive: true })
  const file = `${root}.tmp/readme-client-snippet.ts`
  writeFileSync(
    file,
    `${imports}\n\nexport async function run(fetch, password, askAgain) {\n${body.join('\n\n')}\nreturn error\n}\n`,
  )
  const module = (await import(/* @vite-ignore */ file)) as { run: Snippet }
  return { source: block, run: module.run }
}

let server: Server
let origin: string

beforeAll(async () => {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() })
  server = createServer(createApp(quiet)).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise((resolve) => server.close(resolve)))

describe("docs/client.md's client snippet against the README's server", () => {
  const onOrigin: Fetch = (input, init) => fetch(new URL(input, origin), init)

  it('gets code 22 for a wrong password, and asks again', async () => {
    const { run } = await clientSnippet()
    let asked = 0
    const error = await run(onOrigin, 'nope', () => asked++)
    expect(asked).toBe(1)
    expect(error).toMatchObject({
      name: 'ApiError',
      status: 401,
      code: 22,
      codeName: 'WrongPassword',
      message: 'Wrong password',
      retryable: false,
      format: 'envelope',
    })
  })

  it('gets no error for the right password', async () => {
    const { run } = await clientSnippet()
    let asked = 0
    await expect(run(onOrigin, 'secret', () => asked++)).resolves.toBeUndefined()
    expect(asked).toBe(0)
  })
})
