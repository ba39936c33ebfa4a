import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Express } from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

async function firstExample(): Promise<Express> {
  const readme = readFileSync(`${root}README.md`, 'utf8')
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  if (block === undefined) throw new Error('README has no ts block')
  expect(block).toContain("app.post('/login'")
  // Written beside the tests so that its imports resolve as the tests' do; the block itself is unchanged.
  mkdirSync(`${root}.tmp`, { recursive: true })
  const file = `${root}.tmp/readme-first-example.ts`
  writeFileSync(file, `${block}\nexport { app }\n`)
  const module = (await import(/* @vite-ignore */ file)) as { app: Express }
  return module.app
}

describe("the README's first example", () => {
  it('answers a POST without a body 400 code 1, not a 500', async () => {
    const app = await firstExample()
    const res = await request(app).post('/login')
    expect(res.status).toBe(400)
    expect(res.body).toEqual({
      code: 1,
      name: 'ParameterError',
      message: 'password is required',
      status: 400,
      retryable: false,
      details: { field: 'password' },
    })
  })

  it('answers a wrong password with exactly the 401 the README shows', async () => {
    const app = await firstExample()
    const res = await request(app).post('/login').send({ password: 'nope' })
    const readme = readFileSync(`${root}README.md`, 'utf8')
    const shown = /```http\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    expect(shown.split('\n')[0]).toBe('HTTP/1.1 401 Unauthorized')
    expect(shown.trim().split('\n').at(-1)).toBe(res.text)
    for (const line of shown.split('\n').slice(1)) {
      const match = /^([a-z-]+): (.*)$/.exec(line)
      if (match) expect(res.headers[match[1]!], match[1]).toBe(match[2])
    }
  })

  it('answers the right password with the success envelope', async () => {
    const app = await firstExample()
    const res = await request(app).post('/login').send({ password: 'secret' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ code: 0, message: 'Success', data: { token: '…' } })
  })
})
