/**
 * Fastify's documented idioms for an error status set before the error: `reply.code(501).send(new Error())`
 * in a route, and `reply.code(400); done(err)` in a hook. A thrown value with no status of its own takes the
 * status the route set (400-599 only); masking follows that final status. The rule itself, for a route that
 * throws, runs on every framework in test/adapters/route-status.test.ts.
 */
import { Codes, type LogEntry, SignError } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

const apps: FastifyInstance[] = []

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function serve(routes: (app: FastifyInstance) => void, entries: LogEntry[] = []) {
  const app = Fastify({ genReqId: () => '' })
  apps.push(app)
  app.setErrorHandler(errorHandler({ log: (entry) => entries.push(entry) }))
  app.setNotFoundHandler(notFound())
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}

const body = (code: number, name: string, message: string, status: number, retryable: boolean) =>
  JSON.stringify({ code, name, message, status, retryable })

const PARAMETER_ERROR = 'Parameter error, indicating that the number and type of parameters are incorrect'

describe('Fastify: the status a route set before the error', () => {
  it('reply.code(501).send(new Error()) in a route: 501 code 7, message masked', async () => {
    const entries: LogEntry[] = []
    const server = await serve((app) => {
      app.get('/sign', (_req, reply) => {
        reply.code(501).send(new Error('HSM driver v2 missing'))
      })
    }, entries)
    const res = await request(server).get('/sign')
    expect(res.status).toBe(501)
    expect(res.text).toBe(body(7, 'InvalidRequestType', 'Invalid request type', 501, false))
    expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([['error', 501, 7]])
  })

  it('reply.code(400); done(err) in a hook: 400 code 1, with the catalog message', async () => {
    const entries: LogEntry[] = []
    const server = await serve((app) => {
      app.get(
        '/hooked',
        {
          preValidation: (_req, reply, done) => {
            reply.code(400)
            done(new Error('signer email missing'))
          },
        },
        async () => 'never',
      )
      app.addHook('onRequest', async (req, reply) => {
        if (req.url !== '/async-hook') return
        reply.code(429)
        throw new Error('too many')
      })
      app.get('/async-hook', async () => 'never')
    }, entries)
    const hooked = await request(server).get('/hooked')
    expect(hooked.status).toBe(400)
    expect(hooked.text).toBe(body(1, 'ParameterError', PARAMETER_ERROR, 400, false))
    const limited = await request(server).get('/async-hook')
    expect(limited.status).toBe(429)
    expect(JSON.parse(limited.text)).toMatchObject({ code: 89, status: 429 })
    expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([
      ['warn', 400, 1],
      ['warn', 429, 89],
    ])
  })

  it('only 400-599 count: reply.code(302).send(new Error()) is still 500 code 4', async () => {
    const server = await serve((app) => {
      app.get('/moved', (_req, reply) => {
        reply.code(302).send(new Error('after redirect'))
      })
    })
    const res = await request(server).get('/moved')
    expect(res.status).toBe(500)
    expect(res.text).toBe(body(4, 'ProcessingFailed', 'Processing failed', 500, true))
  })

  it('a value with a status of its own keeps it: reply.code(400).send(a 5xx SignError)', async () => {
    const server = await serve((app) => {
      app.get('/sign-error', (_req, reply) => {
        reply.code(400).send(new SignError(Codes.SigningFailed))
      })
    })
    const signError = await request(server).get('/sign-error')
    expect([signError.status, JSON.parse(signError.text).code]).toEqual([500, 29])
  })

  it('masking follows the final status: an exposed message never shows at 5xx', async () => {
    const server = await serve((app) => {
      app.get('/exposed', (_req, reply) => {
        reply.code(502).send(Object.assign(new Error('upstream said: password=hunter2'), { expose: true }))
      })
    })
    const res = await request(server).get('/exposed')
    expect(res.status).toBe(502)
    expect(res.text).toBe(body(4, 'ProcessingFailed', 'Processing failed', 502, true))
  })
})
