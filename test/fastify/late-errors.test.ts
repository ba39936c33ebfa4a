/**
 * Errors Fastify never hands to an error handler, because the answer had already started or ended: a stream
 * that fails midway, a route that throws after `reply.raw.end()`. The `esignErrors()` plugin makes the log
 * hook hear of each exactly once, as it does for every other error. A route that wrote part of its answer and
 * threw, or ended it, waited for the end and threw, runs on every framework in test/adapters/late-errors.test.ts.
 */
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Codes, type LogEntry, SignError } from 'esign-errors'
import { esignErrors } from 'esign-errors/fastify'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'

const apps: FastifyInstance[] = []

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/**
 * How the plugin hears of a stream that fails after its answer started: its own `onSend` hook, or, given to
 * Fastify, its log controller (docs/fastify.md).
 */
type Watch = 'hooks' | 'log controller'

/** A real app with the plugin registered at the root, before the routes, as the README says. */
async function serve(routes: (app: FastifyInstance) => void, entries: LogEntry[], watch: Watch = 'hooks') {
  const errors = esignErrors({ log: (entry) => entries.push(entry) })
  const app = Fastify({
    genReqId: () => '',
    ...(watch === 'log controller' ? { logController: errors.logController(LogController) } : {}),
  })
  apps.push(app)
  await app.register(errors)
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}

interface Outcome {
  status?: number | undefined
  body: string
  aborted: boolean
}

/** A GET that reports a cut answer instead of failing on it. */
function get(server: FastifyInstance['server'], path: string): Promise<Outcome> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('aborted', () => resolve({ status: res.statusCode, body, aborted: true }))
      res.on('end', () => resolve({ status: res.statusCode, body, aborted: false }))
    })
    req.on('error', () => resolve({ body: '', aborted: true }))
    req.end()
  })
}

/** Lets anything that would log a second time do so before the entries are counted. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

const summary = (entries: LogEntry[]) => entries.map((entry) => [entry.level, entry.status, entry.code])

/** A stream that sends one chunk, then fails. */
function failingMidway(error: Error): Readable {
  let reads = 0
  return new Readable({
    read() {
      if (reads++ === 0) this.push('first chunk;')
      else setTimeout(() => this.destroy(error), 10)
    },
  })
}

describe.each<Watch>(['hooks', 'log controller'])(
  'esignErrors(), watching streams with its %s: errors after the answer started reach the log hook once',
  (watch) => {
    it('a Node stream that fails midway: the answer is cut and the log hears of it', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/export', async () => failingMidway(new Error('disk went away')))
        },
        entries,
        watch,
      )
      const outcome = await get(server, '/export')
      expect(outcome).toEqual({ status: 200, body: 'first chunk;', aborted: true })
      await settle()
      expect(summary(entries)).toEqual([['error', 500, 4]])
      expect(entries[0]!.causes[0]!.message).toBe('disk went away')
    })

    it('a web ReadableStream that fails midway, sent with reply.send()', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/export', (_req, reply) => {
            let pulls = 0
            const body = new ReadableStream<Uint8Array>({
              async pull(controller) {
                if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('first chunk;'))
                else setTimeout(() => controller.error(new SignError(Codes.SigningFailed)), 10)
              },
            })
            reply.header('content-type', 'text/plain').send(body)
          })
        },
        entries,
        watch,
      )
      const outcome = await get(server, '/export')
      expect(outcome).toEqual({ status: 200, body: 'first chunk;', aborted: true })
      await settle()
      expect(summary(entries)).toEqual([['error', 500, 29]])
    })

    it('a stream that fails before its first byte is answered, and logged once', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/export', async () => {
            return new Readable({
              read() {
                this.destroy(new SignError(Codes.DocumentNotFound))
              },
            })
          })
        },
        entries,
        watch,
      )
      const res = await request(server).get('/export')
      expect(res.status).toBe(404)
      expect(JSON.parse(res.text)).toMatchObject({ code: 41, name: 'DocumentNotFound' })
      await settle()
      expect(summary(entries)).toEqual([['warn', 404, 41]])
    })

    it('an async route that throws after reply.raw.end(): the answer stands, the log hears of it', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/done', async (_req, reply) => {
            reply.raw.end('complete')
            throw new SignError(Codes.SigningFailed)
          })
        },
        entries,
        watch,
      )
      const outcome = await get(server, '/done')
      expect(outcome).toEqual({ status: 200, body: 'complete', aborted: false })
      await settle()
      // Logged as the client got it: a whole 200.
      expect(summary(entries)).toEqual([['warn', 200, 29]])
    })

    it('a route that throws synchronously after reply.raw.end(), in a child plugin', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          void app.register(
            async (child) => {
              child.get('/done', (_req, reply) => {
                reply.raw.end('complete')
                throw new Error('audit write failed')
              })
            },
            { prefix: '/v1' },
          )
        },
        entries,
        watch,
      )
      const outcome = await get(server, '/v1/done')
      expect(outcome).toEqual({ status: 200, body: 'complete', aborted: false })
      await settle()
      expect(summary(entries)).toEqual([['warn', 200, 4]])
    })

    it('a route that throws after reply.hijack(): Fastify answers nothing, the log still hears of it', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/socket', async (_req, reply) => {
            reply.hijack()
            reply.raw.end('mine')
            throw new SignError(Codes.SystemBusy)
          })
        },
        entries,
        watch,
      )
      expect(await get(server, '/socket')).toEqual({ status: 200, body: 'mine', aborted: false })
      await settle()
      expect(summary(entries)).toEqual([['warn', 200, 89]])
    })

    it("a stream's error after it ended: the client has all of it, logged with the 200 it got", async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/export', async (_req, reply) => {
            reply.type('text/plain')
            // Sends its whole body, ends, then fails to close (a file descriptor that cannot be closed).
            return new Readable({
              read() {
                this.push('whole answer')
                this.push(null)
              },
              destroy(_error, callback) {
                setTimeout(() => callback(new Error('close failed')), 20)
              },
            })
          })
        },
        entries,
        watch,
      )
      expect(await get(server, '/export')).toEqual({ status: 200, body: 'whole answer', aborted: false })
      await settle()
      expect(summary(entries)).toEqual([['warn', 200, 4]])
      expect(entries[0]!.causes[0]!.message).toBe('close failed')
    })

    it('a route that answers normally, with a stream or a value, logs nothing', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/stream', async () => Readable.from(['a', 'b']))
          app.get('/value', async () => ({ ok: true }))
        },
        entries,
        watch,
      )
      expect((await request(server).get('/stream')).text).toBe('ab')
      expect((await request(server).get('/value')).text).toBe('{"ok":true}')
      await settle()
      expect(entries).toEqual([])
    })

    it('a stream the app itself ends early, with no error: the answer is cut, nothing is logged', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/export', async () => {
            let reads = 0
            return new Readable({
              read() {
                if (reads++ === 0) this.push('first chunk;')
                else setTimeout(() => this.destroy(), 10)
              },
            })
          })
        },
        entries,
        watch,
      )
      expect(await get(server, '/export')).toEqual({ status: 200, body: 'first chunk;', aborted: true })
      await settle()
      expect(entries).toEqual([])
    })

    it('a stream whose close fails at once, after its last byte: logged once, with the 200 the client got', async () => {
      const entries: LogEntry[] = []
      const server = await serve(
        (app) => {
          app.get('/export', async (_req, reply) => {
            reply.type('text/plain')
            return new Readable({
              read() {
                this.push('whole answer')
                this.push(null)
              },
              destroy(_error, callback) {
                callback(new Error('close failed'))
              },
            })
          })
        },
        entries,
        watch,
      )
      expect(await get(server, '/export')).toEqual({ status: 200, body: 'whole answer', aborted: false })
      await settle()
      expect(summary(entries)).toEqual([['warn', 200, 4]])
    })

    it('a client that goes away midway is no failure of the answer: nothing is logged', async () => {
      const entries: LogEntry[] = []
      let destroyed = false
      const server = await serve(
        (app) => {
          app.get('/export', async () => {
            let reads = 0
            return new Readable({
              read() {
                if (reads++ === 0) this.push('first chunk;')
              },
              destroy(error, callback) {
                destroyed = true
                callback(error)
              },
            })
          })
        },
        entries,
        watch,
      )
      const { port } = server.address() as AddressInfo
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/export' }, (res) => {
          res.once('data', () => req.destroy())
        })
        req.on('error', () => {})
        req.on('close', () => resolve())
        req.end()
      })
      await vi.waitFor(() => expect(destroyed).toBe(true))
      await settle()
      expect(entries).toEqual([])
    })
  },
)

describe('esignErrors(): the plugin', () => {
  it('sets the error and not-found handlers at the root, for every plugin', async () => {
    const entries: LogEntry[] = []
    const server = await serve((app) => {
      void app.register(async (child) => {
        child.get('/documents/:id', async () => {
          throw new SignError(Codes.DocumentNotFound)
        })
      })
    }, entries)
    const missing = await request(server).get('/documents/D-9')
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.text)).toMatchObject({ code: 41 })
    const nowhere = await request(server).get('/nowhere')
    expect(nowhere.status).toBe(404)
    expect(JSON.parse(nowhere.text)).toMatchObject({ code: 7, name: 'InvalidRequestType' })
  })

  it('names itself to Fastify and hands its handler to frameworkErrors, sharing one log', async () => {
    const entries: LogEntry[] = []
    const errors = esignErrors({ log: (entry) => entries.push(entry) })
    const app = Fastify({ genReqId: () => '', frameworkErrors: errors.frameworkErrors })
    apps.push(app)
    await app.register(errors)
    app.get('/documents/:id', async () => 'never')
    await app.listen({ port: 0, host: '127.0.0.1' })
    expect(app.hasPlugin('esign-errors')).toBe(true)
    const res = await request(app.server).get('/documents/%zz')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toMatchObject({ code: 1, name: 'ParameterError' })
    expect(summary(entries)).toEqual([['warn', 400, 1]])
  })

  it('refuses bad options when it is built, not on the first error', () => {
    expect(() => esignErrors({ format: 'xml' as 'json' })).toThrow(TypeError)
  })
})
