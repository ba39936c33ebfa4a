/**
 * The plugin's not-found handler answers a 404 or 405 itself, as Fastify answers its own default 404: no error
 * goes down Fastify's error path, so `onError` hooks hear of neither. `notFound()` mounted alone keeps that
 * path, since the error handler is the app's. Real apps over sockets.
 */
import { errorHandler, esignErrors, notFound } from 'esign-errors/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

const NOT_FOUND =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'
const METHOD_NOT_ALLOWED =
  '{"code":7,"name":"InvalidRequestType","message":"Method Not Allowed","status":405,"retryable":false}'

const apps: FastifyInstance[] = []

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

type Mount = 'plugin' | 'handlers' | 'none'

/** An app with one GET route that throws, an `onError` hook that counts, and the 404 mounted as `mount` says. */
async function serve(mount: Mount, options: Parameters<typeof esignErrors>[0] = { log: false }) {
  const app = Fastify({ genReqId: () => '' })
  apps.push(app)
  if (mount === 'plugin') await app.register(esignErrors(options))
  if (mount === 'handlers') {
    app.setErrorHandler(errorHandler(options))
    app.setNotFoundHandler(notFound())
  }
  const heard: unknown[] = []
  app.addHook('onError', async (_request, _reply, error) => {
    heard.push(error)
  })
  app.get('/documents/:id', async () => {
    throw new Error('the route failed')
  })
  await app.ready()
  return { server: app.server, heard }
}

describe('the esignErrors() plugin’s 404 and 405', () => {
  it('are answered without an error reaching onError hooks, as Fastify’s own 404 is', async () => {
    const bare = await serve('none')
    expect((await request(bare.server).get('/nowhere')).status).toBe(404)
    expect(bare.heard).toHaveLength(0)

    const { server, heard } = await serve('plugin')
    const missing = await request(server).get('/nowhere')
    expect([missing.status, missing.text]).toEqual([404, NOT_FOUND])
    const wrong = await request(server).post('/documents/D-1')
    expect([wrong.status, wrong.headers.allow, wrong.text]).toEqual([405, 'GET, HEAD', METHOD_NOT_ALLOWED])
    expect(heard).toHaveLength(0)
    // The hook is there, and hears of what a route throws.
    expect((await request(server).get('/documents/D-1')).status).toBe(500)
    expect(heard).toHaveLength(1)
  })

  it('still go through the app’s error path from notFound() mounted alone', async () => {
    const { server, heard } = await serve('handlers')
    expect((await request(server).get('/nowhere')).text).toBe(NOT_FOUND)
    expect((await request(server).post('/documents/D-1')).text).toBe(METHOD_NOT_ALLOWED)
    expect(heard.map((error) => (error as { status?: number }).status)).toEqual([404, 405])
  })

  it('hand the log a view of the 404 while it stays a 4xx, and the error itself, a new one each time, under a 5xx override', async () => {
    const views: unknown[] = []
    const client = await serve('plugin', { log: (entry) => views.push(entry.err), clientErrors: 'warn' })
    for (const path of ['/nowhere', '/elsewhere']) await request(client.server).get(path)
    expect(views).toHaveLength(2)
    expect(views[0]).toEqual({ type: 'SignError', message: 'Not Found' })
    expect(Object.isFrozen(views[0])).toBe(false)
    expect(views[0]).not.toBe(views[1])

    const errors: unknown[] = []
    const server = await serve('plugin', {
      statusOverrides: { 7: 503 },
      log: (entry) => errors.push(entry.err),
    })
    for (const path of ['/nowhere', '/elsewhere'])
      expect((await request(server.server).get(path)).status).toBe(503)
    expect(errors).toHaveLength(2)
    expect(errors[0]).not.toBe(errors[1])
    expect(Object.isFrozen(errors[0])).toBe(false)
    expect(errors[0]).toBeInstanceOf(Error)
  })

  it('let a hook that runs before the 404 handler fail through the error handler, as before', async () => {
    const app = Fastify({ genReqId: () => '' })
    apps.push(app)
    await app.register(esignErrors({ log: false }))
    app.addHook('preHandler', async () => {
      throw new Error('the hook failed')
    })
    await app.ready()
    const answer = await request(app.server).get('/nowhere')
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.text)).toMatchObject({ code: 4, status: 500 })
  })
})
