/**
 * Real Express 4/5, Koa 2/3 and Fastify 5 apps, each with its framework's JSON body parser, whose only route
 * throws a given value, with `errorHandler()` mounted the way the README says.
 */
import { once } from 'node:events'
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import type { ErrorHandlerOptions } from 'esign-errors'
import { asyncHandler, errorHandler as expressErrorHandler } from 'esign-errors/express'
import { esignErrors, errorHandler as fastifyErrorHandler } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import express4 from 'express4'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
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
  setup?: AppSetup,
): RequestListener {
  return buildRouteApp(
    kind,
    () => {
      throw thrown()
    },
    options,
    setup,
  )
}

/** What a route may do before it fails, each in its framework's own words. */
export interface Route {
  /** The request as the handler's hooks get it: Express's `req`, Koa's `ctx`, Fastify's `request`. */
  readonly request: unknown
  /** The request path, without its query. */
  readonly path: string
  /** `res.setHeader()`, `ctx.set()`, `reply.header()`. */
  header(name: string, value: string): void
  /** `res.status()`, `ctx.status =`, `reply.code()`. */
  status(code: number): void
  /** Node's own response, below the framework. */
  readonly raw: ServerResponse
}

/** How the app around the route is set up, where the frameworks need telling. */
export interface AppSetup {
  /** The JSON parser's limit in bytes: `express.json({ limit })`, `bodyParser({ jsonLimit })`, `bodyLimit`. */
  bodyLimit?: number
  /** Fastify only: mount the `esignErrors()` plugin, which also hears of errors after the answer started. */
  fastifyPlugin?: boolean
}

/**
 * The same app as {@link buildApp}, whose route runs `route` (sync or async) and fails with whatever it
 * throws or rejects with; Express 5, Koa and Fastify take the rejection themselves, Express 4 through
 * `asyncHandler`.
 */
export function buildRouteApp(
  kind: AppKind,
  route: (route: Route) => unknown,
  options?: ErrorHandlerOptions,
  setup: AppSetup = {},
): RequestListener {
  const merged: ErrorHandlerOptions = { log: false, ...options }
  const limit = setup.bodyLimit === undefined ? {} : { limit: setup.bodyLimit }
  switch (kind) {
    case 'express5': {
      const app = express()
      app.use(express.json(limit))
      // Express 5 sends a rejected promise to the error handlers by itself.
      app.use(async (req, res) => {
        await route(expressRoute(req, res))
      })
      app.use(expressErrorHandler(merged))
      return app
    }
    case 'express4': {
      const app = express4()
      app.use(express4.json(limit))
      app.use(
        asyncHandler(async (req, res) => {
          await route(expressRoute(req, res))
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
      app.use(bodyParser(setup.bodyLimit === undefined ? {} : { jsonLimit: setup.bodyLimit }))
      app.use(async (ctx) => {
        await route({
          request: ctx,
          path: ctx.path,
          header: (name, value) => ctx.set(name, value),
          status: (code) => {
            ctx.status = code
          },
          raw: ctx.res,
        })
      })
      return app.callback()
    }
    case 'fastify5':
      return fastifyListener(
        (app) => {
          const declare = (scope: FastifyInstance) =>
            scope.all('*', async (request, reply) => {
              await route({
                request,
                path: request.url.split('?')[0] ?? '',
                header: (name, value) => {
                  reply.header(name, value)
                },
                status: (code) => {
                  reply.code(code)
                },
                raw: reply.raw,
              })
            })
          if (setup.fastifyPlugin) {
            void app.register(esignErrors(merged))
            // Registered after the plugin has loaded, so its hooks reach the route.
            void app.register(async (scope) => {
              declare(scope)
            })
          } else {
            app.setErrorHandler(fastifyErrorHandler(merged))
            declare(app)
          }
        },
        setup.bodyLimit === undefined ? {} : { bodyLimit: setup.bodyLimit },
      )
  }
}

function expressRoute(req: { path: string }, res: ServerResponse & { status(code: number): unknown }): Route {
  return {
    request: req,
    path: req.path,
    header: (name, value) => {
      res.setHeader(name, value)
    },
    status: (code) => {
      res.status(code)
    },
    raw: res,
  }
}

/**
 * A Fastify 5 app as a plain request listener, so it can be served like the others. Fastify numbers every
 * request (`req-1`, …) and the handler echoes that id; here, as in the other apps, the id is the client's
 * X-Request-Id or none.
 */
export function fastifyListener(
  configure: (app: FastifyInstance) => void,
  serverOptions: FastifyServerOptions = {},
): RequestListener {
  const app = Fastify({ requestIdHeader: 'x-request-id', genReqId: () => '', ...serverOptions })
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
