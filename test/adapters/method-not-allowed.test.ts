/**
 * A known path asked with another method: 405, code 7 and the path's real `Allow` list, on Express 4 and 5,
 * Koa 2 and 3 (@koa/router) and Fastify 5, over real sockets; an unknown path stays 404 code 7.
 */
import { readFileSync } from 'node:fs'
import type { RequestListener, Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Router from '@koa/router'
import { errorHandler as expressErrorHandler, notFound as expressNotFound } from 'esign-errors/express'
import { esignErrors, notFound as fastifyNotFound } from 'esign-errors/fastify'
import { allowedMethods, errorHandler as koaErrorHandler, notFound as koaNotFound } from 'esign-errors/koa'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { createApp as expressExample } from '../../examples/express.js'
import { createApp as fastifyExample } from '../../examples/fastify.js'
import { createApp as koaExample } from '../../examples/koa.js'
import { APP_KINDS, type AppKind, closeServers, serve } from '../helpers/apps.js'
import { sink } from '../helpers/log-lines.js'

afterEach(closeServers)

const METHOD_NOT_ALLOWED =
  '{"code":7,"name":"InvalidRequestType","message":"Method Not Allowed","status":405,"retryable":false}'
const NOT_FOUND =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'

/**
 * The same routes on each framework, mounted as the README says: POST /login, GET /documents/:id,
 * PUT /documents/:id/title, and GET /passes, whose route passes the request on as if it were not there.
 */
async function app(kind: AppKind): Promise<RequestListener> {
  switch (kind) {
    case 'express5':
    case 'express4': {
      const e = (kind === 'express5' ? express : express4) as typeof express
      const app = e()
      app.post('/login', (_req, res) => {
        res.json({ ok: true })
      })
      app.get('/documents/:id', (_req, res) => {
        res.json({ ok: true })
      })
      app.put('/documents/:id/title', (_req, res) => {
        res.json({ ok: true })
      })
      app.get('/passes', (_req, _res, next) => next())
      app.use(expressNotFound())
      app.use(expressErrorHandler({ log: false }))
      return app
    }
    case 'koa3':
    case 'koa2': {
      const app = kind === 'koa3' ? new Koa() : new Koa2()
      app.silent = true
      const router = new Router()
      router.post('/login', (ctx) => {
        ctx.body = { ok: true }
      })
      router.get('/documents/:id', (ctx) => {
        ctx.body = { ok: true }
      })
      router.put('/documents/:id/title', (ctx) => {
        ctx.body = { ok: true }
      })
      router.get('/passes', async (_ctx, next) => {
        await next()
      })
      app.use(koaErrorHandler({ log: false }))
      app.use(koaNotFound())
      app.use(router.routes())
      app.use(allowedMethods(router))
      return app.callback()
    }
    case 'fastify5': {
      const app = Fastify({ genReqId: () => '' })
      await app.register(esignErrors({ log: false }))
      app.post('/login', async () => ({ ok: true }))
      app.get('/documents/:id', async () => ({ ok: true }))
      app.put('/documents/:id/title', async () => ({ ok: true }))
      app.get('/passes', async (_request, reply) => reply.callNotFound())
      await app.ready()
      return (req, res) => app.routing(req, res)
    }
  }
}

describe.each(APP_KINDS)('%s', (kind) => {
  it('a POST-only route asked with GET: 405, Allow: POST, code 7', async () => {
    const res = await request(await serve(await app(kind))).get('/login')
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('POST')
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.text).toBe(METHOD_NOT_ALLOWED)
  })

  it('a GET route with a parameter asked with DELETE: 405, Allow: GET, HEAD', async () => {
    const server = await serve(await app(kind))
    const res = await request(server).delete('/documents/D-1')
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('GET, HEAD')
    expect(res.text).toBe(METHOD_NOT_ALLOWED)
    const nested = await request(server).post('/documents/D-1/title')
    expect(nested.status).toBe(405)
    expect(nested.headers.allow).toBe('PUT')
  })

  it('HEAD on a POST-only route: 405 with Allow, no body', async () => {
    const res = await request(await serve(await app(kind))).head('/login')
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('POST')
    expect(res.text).toBeUndefined()
  })

  it('an unknown path, and a route that passes its own method on: 404 code 7, no Allow', async () => {
    const server = await serve(await app(kind))
    for (const res of [
      await request(server).get('/nowhere'),
      await request(server).delete('/documents'),
      await request(server).get('/passes'),
    ]) {
      expect(res.status).toBe(404)
      expect(res.headers.allow).toBeUndefined()
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.text).toBe(NOT_FOUND)
    }
  })

  it('a known path and method still reach their route', async () => {
    const res = await request(await serve(await app(kind))).get('/documents/D-1')
    expect(res.status).toBe(200)
    expect(res.text).toBe('{"ok":true}')
  })

  it('OPTIONS on a known path is answered with its Allow list, not an error', async () => {
    const res = await request(await serve(await app(kind))).options('/documents/D-1')
    expect(res.status).toBeGreaterThanOrEqual(200)
    expect(res.status).toBeLessThan(300)
    expect(res.headers.allow?.split(/, ?/).sort()).toEqual(['GET', 'HEAD'])
  })
})

describe('Express: routes of routers mounted on the app count', () => {
  it.each([
    ['express5', express],
    ['express4', express4 as unknown as typeof express],
  ])('%s', async (_kind, e) => {
    const app = e()
    const api = e.Router()
    api.post('/documents/:id/sign', (_req, res) => {
      res.json({ ok: true })
    })
    const admin = e.Router()
    admin.delete('/users/:id', (_req, res) => {
      res.json({ ok: true })
    })
    api.use('/admin', admin)
    app.use('/api', api)
    app.use(expressNotFound())
    app.use(expressErrorHandler({ log: false }))
    const server = await serve(app)
    const sign = await request(server).get('/api/documents/D-1/sign')
    expect(sign.status).toBe(405)
    expect(sign.headers.allow).toBe('POST')
    const user = await request(server).get('/api/admin/users/7')
    expect(user.status).toBe(405)
    expect(user.headers.allow).toBe('DELETE')
    // The router's prefix must end at a segment: /apis is not under /api.
    expect((await request(server).get('/apis/documents/D-1/sign')).status).toBe(404)
  })
})

describe('Koa: a method @koa/router does not implement', () => {
  it.each([
    ['koa3', Koa],
    ['koa2', Koa2 as unknown as typeof Koa],
  ])('%s: 501 code 7, with the Allow list of a known path', async (_kind, K) => {
    const app = new K()
    app.silent = true
    const router = new Router()
    router.get('/documents/:id', (ctx) => {
      ctx.body = { ok: true }
    })
    app.use(koaErrorHandler({ log: false }))
    app.use(koaNotFound())
    app.use(router.routes())
    app.use(allowedMethods(router))
    const server = await serve(app.callback())
    const known = await request(server).search('/documents/D-1')
    expect(known.status).toBe(501)
    expect(known.headers.allow).toBe('GET, HEAD')
    expect(known.text).toBe(
      '{"code":7,"name":"InvalidRequestType","message":"Invalid request type","status":501,"retryable":false}',
    )
    const unknown = await request(server).search('/nowhere')
    expect(unknown.status).toBe(501)
    expect(unknown.headers.allow).toBeUndefined()
  })

  it("a route's own 405 stays the route's", async () => {
    const app = new Koa()
    app.silent = true
    const router = new Router()
    router.get('/legacy', (ctx) => {
      ctx.set('Allow', 'POST')
      ctx.status = 405
      ctx.body = { moved: true }
    })
    app.use(koaErrorHandler({ log: false }))
    app.use(router.routes())
    app.use(allowedMethods(router))
    const res = await request(await serve(app.callback())).get('/legacy')
    expect(res.status).toBe(405)
    expect(res.body).toEqual({ moved: true })
  })
})

describe('Fastify: the standalone not-found handler does the same', () => {
  it('405 with Allow and 404, without the plugin', async () => {
    const fastify = Fastify({ genReqId: () => '' })
    fastify.setNotFoundHandler(fastifyNotFound())
    fastify.setErrorHandler((await import('esign-errors/fastify')).errorHandler({ log: false }))
    fastify.post('/login', async () => ({ ok: true }))
    fastify.get('/only-get', async () => 'ok')
    await fastify.ready()
    const server = await serve((req, res) => fastify.routing(req, res))
    const res = await request(server).get('/login?next=/')
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('POST')
    expect(res.text).toBe(METHOD_NOT_ALLOWED)
    const deleted = await request(server).delete('/only-get')
    expect(deleted.status).toBe(405)
    expect(deleted.headers.allow).toBe('GET, HEAD')
    expect(deleted.text).toBe(METHOD_NOT_ALLOWED)
    const missing = await request(server).get('/nowhere')
    expect(missing.status).toBe(404)
    expect(missing.text).toBe(NOT_FOUND)
  })
})

describe("the examples' banners", () => {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  // `curl -i [-X METHOD] ${base}/path   # 405, code 7, Allow: …`: each 405 line a banner prints.
  const LINE = /curl -i (?:-X ([A-Z]+) )?\$\{base\}(\S+) +# 405, code 7, Allow: ([A-Z, ]+)$/gm

  it.each(['express', 'koa', 'fastify'] as const)(
    'examples/%s.ts answers its 405 lines as printed',
    async (name) => {
      const source = readFileSync(join(root, 'examples', `${name}.ts`), 'utf8')
      const lines = [...source.matchAll(LINE)]
      expect(lines.length).toBeGreaterThan(0)
      let server: Server
      if (name === 'fastify') {
        const app = await fastifyExample(sink().stream)
        onTestFinished(() => app.close())
        await app.ready()
        server = await serve((req, res) => app.routing(req, res))
      } else {
        server = await serve(
          name === 'express' ? expressExample(sink().stream) : koaExample(sink().stream).callback(),
        )
      }
      for (const [, method = 'GET', path = '', allow] of lines) {
        const res = await request(server)[method.toLowerCase() as 'get'](path)
        expect([method, path, res.status, res.headers.allow, res.body.code]).toEqual([
          method,
          path,
          405,
          allow,
          7,
        ])
      }
      expect((await request(server).get('/nowhere')).status).toBe(404)
    },
  )
})

describe('docs/codes.md', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/codes.md', import.meta.url)), 'utf8')
  const items = [...doc.matchAll(/^- \*\*(\d{3})\*\* `([^`]+)`(.*)$/gm)].map(([, status, message, rest]) => ({
    status: Number(status),
    message,
    allow: rest?.includes('`Allow`') === true,
  }))

  it('lists the 404, 405 and 501 answers', () => {
    expect(items.map((item) => item.status)).toEqual([404, 405, 501])
  })

  it.each(APP_KINDS)('%s sends the 404 and 405 it lists', async (kind) => {
    const server = await serve(await app(kind))
    const answers = [await request(server).get('/nowhere'), await request(server).get('/login')]
    for (const [index, res] of answers.entries()) {
      const item = items[index]
      expect(res.body).toMatchObject({
        code: 7,
        name: 'InvalidRequestType',
        status: item?.status,
        message: item?.message,
      })
      expect(res.headers.allow !== undefined).toBe(item?.allow)
    }
  })
})
