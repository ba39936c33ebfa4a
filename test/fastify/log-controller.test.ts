/**
 * `esignErrors().logController()`: a Fastify `LogController` whose stream error line also tells the plugin's
 * log, so the plugin needs no `onSend` hook. What it hears of failed streams is pinned with the hooks' in
 * test/fastify/late-errors.test.ts and http2.test.ts; here, what is its own. Real apps over sockets.
 */
import { Readable } from 'node:stream'
import type { LogEntry } from 'esign-errors'
import { esignErrors } from 'esign-errors/fastify'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import Fastify510, { LogController as LogController510 } from 'fastify510'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'

const apps: FastifyInstance[] = []

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** What a hook of the app's own, added after the plugin, receives as the payload of a web stream route. */
async function payloadSeen(withController: boolean) {
  const errors = esignErrors({ log: false })
  const app = Fastify(withController ? { logController: errors.logController(LogController) } : {})
  apps.push(app)
  await app.register(errors)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('whole'))
      controller.close()
    },
  })
  let seen: unknown
  app.addHook('onSend', async (_request, _reply, payload) => {
    seen = payload
    return payload
  })
  app.get('/export', async () => body)
  await app.ready()
  const answer = await request(app.server).get('/export')
  return { text: answer.text, same: seen === body }
}

/** A stream that sends one chunk, then fails. */
function failingMidway(): Readable {
  let reads = 0
  return new Readable({
    read() {
      if (reads++ === 0) this.push('first chunk;')
      else setTimeout(() => this.destroy(new Error('disk went away')), 10)
    },
  })
}

describe('esignErrors().logController()', () => {
  it('spares the plugin its onSend hook: a streamed payload goes out as the route returned it', async () => {
    expect(await payloadSeen(true)).toEqual({ text: 'whole', same: true })
    // Without it, the plugin's hook hands a web stream on through a pass-through of its own.
    expect(await payloadSeen(false)).toEqual({ text: 'whole', same: false })
  })

  it('keeps the line of the class it extends: a subclass of the app’s own still writes its own', async () => {
    const lines: string[] = []
    class Mine extends LogController {
      override streamError(...args: Parameters<LogController['streamError']>): void {
        lines.push(`mine: ${args[0].message}`)
        super.streamError(...args)
      }
    }
    const entries: LogEntry[] = []
    const errors = esignErrors({ log: (entry) => entries.push(entry) })
    const app = Fastify({ logController: errors.logController(Mine) })
    apps.push(app)
    await app.register(errors)
    app.get('/export', async () => failingMidway())
    await app.listen({ port: 0, host: '127.0.0.1' })
    await request(app.server)
      .get('/export')
      .catch(() => undefined)
    await vi.waitFor(() => expect(lines).toEqual(['mine: disk went away']))
    expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([['error', 500, 4]])
  })

  it('builds the controller with the arguments given after the class', () => {
    const controller = esignErrors().logController(LogController, { requestIdLogLabel: 'traceId' })
    expect(controller).toBeInstanceOf(LogController)
    expect(controller.requestIdLogLabel).toBe('traceId')
  })

  it('refuses what is not a LogController', () => {
    const errors = esignErrors()
    // Fastify before 5.10 exports no LogController: `undefined` is what such an app would pass.
    expect(() => errors.logController(undefined as unknown as typeof LogController)).toThrow(
      /give it Fastify's LogController/,
    )
    expect(() => errors.logController(Map as unknown as typeof LogController)).toThrow(TypeError)
  })

  it('keeps the hook on an app built without it, made or not: the failure is heard of there too', async () => {
    const entries: LogEntry[] = []
    const errors = esignErrors({ log: (entry) => entries.push(entry) })
    const given = errors.logController(LogController)
    const other = Fastify({ logController: given })
    const app = Fastify()
    apps.push(app, other)
    await app.register(errors)
    await other.register(errors)
    for (const each of [app, other]) each.get('/export', async () => failingMidway())
    await Promise.all([app.ready(), other.ready()])
    for (const each of [app, other]) {
      await request(each.server)
        .get('/export')
        .catch(() => undefined)
    }
    await vi.waitFor(() => expect(entries).toHaveLength(2))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([
      ['error', 500, 4],
      ['error', 500, 4],
    ])
    // The app built with it got no hook: its web stream went out as returned.
    expect(await payloadSeen(true)).toMatchObject({ same: true })
  })

  it('works on Fastify 5.10.0, the first to take a LogController: logged once, and no hook', async () => {
    const entries: LogEntry[] = []
    const errors = esignErrors({ log: (entry) => entries.push(entry) })
    const app = Fastify510({ logController: errors.logController(LogController510) })
    apps.push(app as unknown as FastifyInstance)
    await app.register(errors as unknown as Parameters<typeof app.register>[0])
    let seen: unknown
    app.addHook('onSend', async (_request, _reply, payload) => {
      seen = payload
      return payload
    })
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('whole'))
        controller.close()
      },
    })
    app.get('/web', async () => body)
    app.get('/export', async () => failingMidway())
    await app.ready()
    expect((await request(app.server).get('/web')).text).toBe('whole')
    expect(seen).toBe(body)
    await request(app.server)
      .get('/export')
      .catch(() => undefined)
    await vi.waitFor(() => expect(entries).toHaveLength(1))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([['error', 500, 4]])
  })
})
