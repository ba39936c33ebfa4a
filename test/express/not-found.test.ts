/**
 * Express's `notFound()` asks the route matchers once per path, not once per request: a repeated 404 or 405
 * costs Express's own dispatch alone, however many routes the app has. What it learnt is forgotten when a
 * route is added (to the app, to a mounted router, or a method to a route already there), and it keeps at
 * most 1,000 paths. Matcher calls are counted on every layer of the real app, over real sockets.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { errorHandler, notFound } from 'esign-errors/express'
import express, { type Express, type Router } from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'
import { closeServers, serve } from '../helpers/apps.js'

afterEach(closeServers)

const NOT_FOUND =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'
const METHOD_NOT_ALLOWED =
  '{"code":7,"name":"InvalidRequestType","message":"Method Not Allowed","status":405,"retryable":false}'

interface CountedLayer {
  match: (path: string) => unknown
}

/** Counts every call of `match` on the layers of these stacks, as Express and `notFound()` make them. */
function countMatches(...stacks: unknown[][]): { readonly calls: number } {
  const counter = { calls: 0 }
  for (const stack of stacks) {
    for (const layer of stack as CountedLayer[]) {
      const original = layer.match
      layer.match = function counted(this: unknown, path: string) {
        counter.calls++
        return original.call(this, path)
      }
    }
  }
  return counter
}

function stackOf(app: Express): unknown[][] {
  // Express 4 keeps its router in `_router` and throws on reading `router`; Express 5 keeps it in `router`.
  const holder = app as unknown as { _router?: { stack: unknown[] }; router: { stack: unknown[] } }
  return [(holder._router ?? holder.router).stack]
}

/** One request; status, Allow and body. A keep-alive client, so a thousand requests take well under a second. */
async function ask(server: Server, method: string, path: string) {
  const { port } = server.address() as AddressInfo
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method })
  return { status: res.status, allow: res.headers.get('allow'), body: await res.text() }
}

describe.each([
  ['Express 5', express],
  ['Express 4', express4 as unknown as typeof express],
] as const)('%s notFound()', (_version, factory) => {
  function app(routes: number): Express {
    const instance = factory()
    for (let i = 0; i < routes; i++) {
      instance.get(`/r${i}/:id`, (_req, res) => {
        res.json({ ok: true })
      })
    }
    instance.use(notFound())
    instance.use(errorHandler({ log: false }))
    return instance
  }

  it.each([10, 2000])(
    'with %i routes, a path answered before costs Express its own dispatch only',
    async (routes) => {
      const instance = app(routes)
      const [stack] = stackOf(instance)
      const counter = countMatches(stack!)
      const server = await serve(instance)
      // Express itself tries every layer up to notFound(), which hands its error to errorHandler() directly;
      // notFound()'s own look at a new path tries every layer of the app.
      const dispatch = stack!.length - 1
      const survey = stack!.length

      for (const [method, path, status] of [
        ['GET', '/nowhere', 404],
        ['POST', '/r7/D-1', 405],
      ] as const) {
        let before = counter.calls
        expect((await ask(server, method, path)).status).toBe(status)
        // The first time, notFound() asks every layer once more.
        expect(counter.calls - before).toBe(dispatch + survey)
        for (let round = 0; round < 3; round++) {
          before = counter.calls
          const answer = await ask(server, method, path)
          expect(answer.status).toBe(status)
          expect(counter.calls - before).toBe(dispatch)
        }
      }
      expect(await ask(server, 'POST', '/r7/D-1')).toEqual({
        status: 405,
        allow: 'GET, HEAD',
        body: METHOD_NOT_ALLOWED,
      })
    },
  )

  it('a route added after a 404 turns that path into a 405 with Allow', async () => {
    const instance = app(10)
    const server = await serve(instance)
    expect(await ask(server, 'GET', '/later')).toEqual({ status: 404, allow: null, body: NOT_FOUND })
    instance.post('/later', (_req, res) => {
      res.json({ ok: true })
    })
    expect(await ask(server, 'GET', '/later')).toEqual({
      status: 405,
      allow: 'POST',
      body: METHOD_NOT_ALLOWED,
    })
  })

  it('a method added later to a route already there is listed', async () => {
    const instance = app(10)
    const route = instance.route('/documents/:id')
    route.get((_req, res) => {
      res.json({ ok: true })
    })
    const server = await serve(instance)
    expect((await ask(server, 'DELETE', '/documents/D-1')).allow).toBe('GET, HEAD')
    route.put((_req, res) => {
      res.json({ ok: true })
    })
    expect(await ask(server, 'DELETE', '/documents/D-1')).toEqual({
      status: 405,
      allow: 'GET, HEAD, PUT',
      body: METHOD_NOT_ALLOWED,
    })
  })

  it('a route added later to a mounted router is noticed', async () => {
    const instance = factory()
    const api: Router = factory.Router()
    const admin: Router = factory.Router()
    api.use('/admin', admin)
    instance.use('/api', api)
    instance.use(notFound())
    instance.use(errorHandler({ log: false }))
    const server = await serve(instance)
    expect((await ask(server, 'GET', '/api/admin/users/7')).status).toBe(404)
    admin.delete('/users/:id', (_req, res) => {
      res.json({ ok: true })
    })
    expect(await ask(server, 'GET', '/api/admin/users/7')).toEqual({
      status: 405,
      allow: 'DELETE',
      body: METHOD_NOT_ALLOWED,
    })
  })

  it('does not remember a path over 1 KB: each 404 for it asks the routes again', async () => {
    const instance = app(10)
    const [stack] = stackOf(instance)
    const counter = countMatches(stack!)
    const dispatch = stack!.length - 1
    const survey = stack!.length
    const server = await serve(instance)
    const long = `/${'x'.repeat(1025)}`
    expect((await ask(server, 'GET', long)).status).toBe(404)
    const before = counter.calls
    expect((await ask(server, 'GET', long)).status).toBe(404)
    expect(counter.calls - before).toBe(dispatch + survey)
  })

  it('remembers at most 1,000 paths: the oldest is asked again, the newest is not', async () => {
    const instance = app(10)
    const [stack] = stackOf(instance)
    const counter = countMatches(stack!)
    const dispatch = stack!.length - 1
    const survey = stack!.length
    const server = await serve(instance)
    for (let i = 0; i <= 1000; i++) expect((await ask(server, 'GET', `/nowhere/${i}`)).status).toBe(404)

    let before = counter.calls
    await ask(server, 'GET', '/nowhere/1000')
    expect(counter.calls - before).toBe(dispatch)
    before = counter.calls
    await ask(server, 'GET', '/nowhere/0')
    expect(counter.calls - before).toBe(dispatch + survey)
  })
})
