/**
 * Real Express 4/5, Koa 2/3 and Fastify 5 apps, each with its framework's JSON body parser, whose only route
 * throws a given value, with `errorHandler()` mounted the way the README says.
 */
import { once } from 'node:events'
import { createServer, type RequestListener, type Server } from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import type { ErrorHandlerOptions } from 'esign-errors'
import { asyncHandler, errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import express4 from 'express4'
import Fastify, { type FastifyInstance } from 'fastify'
import Koa from 'koa'
import Koa2 from 'koa2'

/** The framework majors the adapters support. */
export type AppKind = 'express5' | 'express4' | 'koa3' | 'koa2' | 'fastify5'

/** Every kind, in the order the tests run them. */
export const APP_KINDS: readonly AppKind[] = ['express5', 'express4', 'koa3', 'koa2', 'fastify5']

/**
 * An app whose single route throws `thrown()` (a fresh value per request). Logging is off unless the
 * options ask for it, so the table's 500s stay quiet.
 */
export function buildApp(
  kind: AppKind,
  thrown: () => unknown,
  options?: ErrorHandlerOptions,
): RequestListener {
  const merged: ErrorHandlerOptions = { log: false, ...options }
  switch (kind) {
    case 'express5': {
      const app = express()
      app.use(express.json())
      // Express 5 sends a rejected promise to the error handlers by itself.
      app.use(async () => {
        throw thrown()
      })
      app.use(expressErrorHandler(merged))
      return app
    }
    case 'express4': {
      const app = express4()
      app.use(express4.json())
      app.use(
        asyncHandler(async () => {
          throw thrown()
        }),
      )
      app.use(expressErrorHandler(merged))
      return app
    }
    case 'koa3':
    case 'koa2': {
      const app = kind === 'koa3' ? new Koa() : new Koa2()
      // An error escaping the handler would show as a wrong response; Koa's stderr report adds nothing.
      app.silent = true
      app.use(koaErrorHandler(merged))
      app.use(bodyParser())
      app.use(() => {
        throw thrown()
      })
      return app.callback()
    }
    case 'fastify5':
      return fastifyListener((app) => {
        app.setErrorHandler(fastifyErrorHandler(merged))
        app.all('*', async () => {
          throw thrown()
        })
      })
  }
}

/**
 * A Fastify 5 app as a plain request listener, so it can be served like the others. Fastify numbers every
 * request (`req-1`, …) and the handler echoes that id; here, as in the other apps, the id is the client's
 * X-Request-Id or none.
 */
export function fastifyListener(configure: (app: FastifyInstance) => void): RequestListener {
  const app = Fastify({ requestIdHeader: 'x-request-id', genReqId: () => '' })
  configure(app)
  const ready = app.ready()
  return (req, res) => {
    void ready.then(() => app.routing(req, res))
  }
}

const open = new Set<Server>()

/** Listens on 127.0.0.1 on a free port; {@link closeServers} ends it after the test. */
export async function serve(listener: RequestListener): Promise<Server> {
  const server = createServer(listener)
  open.add(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

/** Closes every server {@link serve} started, cutting connections a test left open. */
export async function closeServers(): Promise<void> {
  const servers = [...open]
  open.clear()
  await Promise.all(
    servers.map((server) => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    }),
  )
}
