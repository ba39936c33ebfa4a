/**
 * What `notFound()` spends on a 404 or 405, on Express 4 and 5, Koa 2 and 3 and Fastify 5, over real sockets:
 * its error carries no stack (the frames would be the library's and the framework's, never the app's), the
 * app's `Error.stackTraceLimit` is left as it was, and Fastify's router is asked once per URL, not once per
 * request (bench/results/2026-12-07-not-found.md).
 */
import type { RequestListener, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { errorHandler as expressErrorHandler, notFound as expressNotFound } from 'esign-errors/express'
import { esignErrors } from 'esign-errors/fastify'
import { allowedMethods, errorHandler as koaErrorHandler, notFound as koaNotFound } from 'esign-errors/koa'
import express from 'express'
import express4 from 'express4'
import Fastify, { type FastifyInstance } from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterEach, describe, expect, it } from 'vitest'
import { APP_KINDS, type AppKind, closeServers, serve } from '../helpers/apps.js'

afterEach(closeServers)

/** An app with POST /login, answered with `debug: true` so that the body shows the error's stack. */
async function app(kind: AppKind): Promise<RequestListener> {
  switch (kind) {
    case 'express5':
    case 'express4': {
      const app = (kind === 'express5' ? express : (express4 as unknown as typeof express))()
      app.post('/login', (_req, res) => {
        res.json({ ok: true })
      })
      app.use(expressNotFound())
      app.use(expressErrorHandler({ log: false, debug: true }))
      return app
    }
    case 'koa3':
    case 'koa2': {
      const app = kind === 'koa3' ? new Koa() : new Koa2()
      const router = new Router()
      router.post('/login', (ctx) => {
        ctx.body = { ok: true }
      })
      app.use(koaErrorHandler({ log: false, debug: true }))
      app.use(koaNotFound())
      app.use(router.routes())
      app.use(allowedMethods(router))
      return app.callback()
    }
    case 'fastify5': {
      const app = Fastify()
      await app.register(esignErrors({ log: false, debug: true }))
      app.post('/login', async () => ({ ok: true }))
      await app.ready()
      return (req, res) => app.routing(req, res)
    }
  }
}

async function ask(server: Server, method: string, path: string) {
  const { port } = server.address() as AddressInfo
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method })
  const body = (await res.json()) as { debug: { causes: { stack?: string }[] } }
  return { status: res.status, stack: body.debug.causes[0]?.stack }
}

describe.each(APP_KINDS)('%s notFound()', (kind) => {
  it('answers a 404 with an error that has no stack, and leaves Error.stackTraceLimit as it was', async () => {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 25
    try {
      const server = await serve(await app(kind))
      expect(await ask(server, 'GET', '/nowhere')).toEqual({ status: 404, stack: 'SignError: Not Found' })
      expect(Error.stackTraceLimit).toBe(25)
      // An error of the app's own still gets its stack.
      expect(new Error('own').stack).toMatch(/^Error: own\n {4}at /)
    } finally {
      Error.stackTraceLimit = limit
    }
  })
})

// Koa's 405 is allowedMethods()'s, made from the router's answer rather than by notFound().
describe.each(APP_KINDS.filter((kind) => !kind.startsWith('koa')))('%s notFound()', (kind) => {
  it('answers a 405 with an error that has no stack', async () => {
    const server = await serve(await app(kind))
    expect(await ask(server, 'GET', '/login')).toEqual({
      status: 405,
      stack: 'SignError: Method Not Allowed',
    })
  })
})

describe('Fastify notFound()', () => {
  /**
   * An app with `routes` GET routes whose `findRoute` counts its calls, and how many calls a URL asked
   * afresh costs: one per method Fastify supports.
   */
  async function counted(routes: number): Promise<{ server: Server; calls: () => number; perUrl: number }> {
    const app: FastifyInstance = Fastify()
    let calls = 0
    const findRoute = app.findRoute
    // Set before the plugin and the routes: every encapsulated instance inherits it from the root.
    app.findRoute = function countedFindRoute(this: FastifyInstance, options) {
      calls++
      return findRoute.call(this, options)
    } as typeof app.findRoute
    await app.register(esignErrors({ log: false }))
    for (let i = 0; i < routes; i++) app.get(`/r${i}/:id`, async () => ({ ok: true }))
    app.post('/login', async () => ({ ok: true }))
    await app.ready()
    const perUrl = app.supportedMethods.length
    return { server: await serve((req, res) => app.routing(req, res)), calls: () => calls, perUrl }
  }

  it.each([10, 2000])(
    'with %i routes, asks the router about a URL once, not on every 404 or 405',
    async (routes) => {
      const { server, calls, perUrl } = await counted(routes)
      const { port } = server.address() as AddressInfo
      for (const [method, path, status] of [
        ['GET', '/nowhere', 404],
        ['GET', '/login', 405],
      ] as const) {
        const before = calls()
        expect((await fetch(`http://127.0.0.1:${port}${path}`, { method })).status).toBe(status)
        expect(calls() - before).toBe(perUrl)
        for (let round = 0; round < 3; round++) {
          const again = calls()
          const res = await fetch(`http://127.0.0.1:${port}${path}`, { method })
          expect(res.status).toBe(status)
          if (status === 405) expect(res.headers.get('allow')).toBe('POST')
          expect(calls() - again).toBe(0)
        }
      }
    },
  )

  it('a URL over 1 KB is not remembered: asked afresh each time, still answered 404', async () => {
    const { server, calls, perUrl } = await counted(10)
    const { port } = server.address() as AddressInfo
    const path = `/${'a'.repeat(1100)}`
    for (let round = 0; round < 2; round++) {
      const before = calls()
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(404)
      expect(calls() - before).toBe(perUrl)
    }
  })
})
