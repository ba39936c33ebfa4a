/**
 * One benchmark server per process: `node server.js <express|koa|fastify> <contender>` (see contenders.ts).
 *
 * Each contender runs in its own process, started fresh for each pair of a round (see run.ts), so that no
 * contender inherits another app's JIT state. The port is sent to the parent over IPC; IPC messages ask for
 * the process's CPU time (`'usage'`), start and stop a CPU profile (`'profile'`, `{ profileTo }`) and end the
 * process cleanly (`'stop'`, which is also when `--cpu-prof` writes its profile).
 */
import { writeFileSync } from 'node:fs'
import { createServer, STATUS_CODES } from 'node:http'
import { Session } from 'node:inspector'
import type { AddressInfo } from 'node:net'
import { Codes, createResponder, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import type { NextFunction, Request, Response } from 'express'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import createError from 'http-errors'
import Koa from 'koa'
import type { Contender, Framework } from './contenders.js'
import { AppError, CONTENDERS, FRAMEWORKS, ROUTE } from './contenders.js'

// A translation, so that an Accept-Language header is negotiated (the hostile-header rounds send one).
const options = { messages: { fr: { 22: 'Mot de passe incorrect' } } }

// What a hand-written service keeps about its own codes, to answer with the same body as (a).
const HAND_TABLE: Record<number, { name: string; status: number; retryable: boolean }> = {
  22: { name: 'WrongPassword', status: 401, retryable: false },
}

const ours = (contender: Contender) =>
  contender === 'a' || contender === 'a2' || contender === 'p' || contender === 's'
if (process.argv[3] === 's') SignError.stackTraces = 'server-errors'

/** The route of a hand-written contender on Express and Koa: it throws its own error class, or ours for (t). */
const handThrow = (contender: Contender) =>
  contender === 't'
    ? () => {
        throw new SignError(Codes.WrongPassword)
      }
    : () => {
        throw new AppError(22, 'Wrong password')
      }

/** The error a hand-written handler answers (a code and a message), or undefined for anything else. */
const handled = (contender: Contender, err: unknown): AppError | undefined =>
  err instanceof (contender === 't' ? SignError : AppError) ? (err as AppError) : undefined

// (r) and (n): the response builder the adapters use, without the adapter around it. Built for them alone: it
// loads what an adapter loads (@opentelemetry/api when installed), which the other contenders' processes must not.
const responder =
  process.argv[3] === 'r'
    ? createResponder({ ...options, log: false })
    : process.argv[3] === 'n'
      ? // The same answer reading of the request only what (e) reads: no negotiation, and Fastify's request
        // id alone (Express and Koa requests carry none).
        createResponder({
          format: 'json',
          log: false,
          requestId: (req: unknown) =>
            process.argv[2] === 'fastify' ? (req as { id: string }).id : undefined,
        })
      : (undefined as never)

/** The headers (a) writes for a 401, in its order, with the content type of the chosen format. */
function handHeaders(type: string, body: string): Record<string, string> {
  return {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'www-authenticate': 'Bearer',
    'content-length': String(Buffer.byteLength(body)),
  }
}

function handEnvelope(err: AppError, requestId?: string): string {
  const entry = HAND_TABLE[err.code]!
  const envelope: Record<string, unknown> = {
    code: err.code,
    name: entry.name,
    message: err.message,
    status: entry.status,
    retryable: entry.retryable,
  }
  if (requestId !== undefined) envelope.requestId = requestId
  return JSON.stringify(envelope)
}

function handProblem(err: AppError, path: string, requestId?: string): string {
  const entry = HAND_TABLE[err.code]!
  const problem: Record<string, unknown> = {
    type: 'about:blank',
    title: STATUS_CODES[entry.status],
    status: entry.status,
    detail: err.message,
    instance: path,
    code: err.code,
    name: entry.name,
    retryable: entry.retryable,
  }
  if (requestId !== undefined) problem.requestId = requestId
  return JSON.stringify(problem)
}

const pathOf = (url: string) => {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

function expressApp(contender: Contender): express.Express {
  const app = express()
  if (ours(contender)) {
    app.get(ROUTE, () => {
      throw new SignError(Codes.WrongPassword)
    })
    app.use(expressErrorHandler(options))
  } else if (contender === 'b') {
    app.get(ROUTE, () => {
      throw new AppError(22, 'Wrong password')
    })
    app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (!(err instanceof AppError)) return next(err)
      res.status(401).json({ code: err.code, message: err.message })
    })
  } else if (contender === 'r' || contender === 'n') {
    app.get(ROUTE, () => {
      throw new SignError(Codes.WrongPassword)
    })
    app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
      const response = responder.respond(err, req, res.statusCode)
      res.statusCode = response.status
      for (const name in response.headers) res.setHeader(name, response.headers[name]!)
      res.end(response.body)
    })
  } else if (contender === 'e' || contender === 'q' || contender === 't') {
    app.get(ROUTE, handThrow(contender))
    app.use((e: unknown, req: Request, res: Response, next: NextFunction) => {
      const err = handled(contender, e)
      if (err === undefined) return next(e)
      const problem = contender === 'q'
      const body = problem ? handProblem(err, pathOf(req.originalUrl)) : handEnvelope(err)
      const headers = handHeaders(problem ? PROBLEM_TYPE : JSON_TYPE, body)
      res.statusCode = HAND_TABLE[err.code]!.status
      for (const name in headers) res.setHeader(name, headers[name]!)
      res.end(body)
    })
  } else {
    app.get(ROUTE, () => {
      throw createError(401)
    })
    app.use((err: createError.HttpError, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status).json({ code: err.status, message: err.message })
    })
  }
  return app
}

function koaApp(contender: Contender): Koa {
  const app = new Koa()
  if (ours(contender)) {
    app.use(koaErrorHandler(options))
    app.use(() => {
      throw new SignError(Codes.WrongPassword)
    })
  } else if (contender === 'b') {
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        if (!(err instanceof AppError)) throw err
        ctx.status = 401
        ctx.body = { code: err.code, message: err.message }
      }
    })
    app.use(() => {
      throw new AppError(22, 'Wrong password')
    })
  } else if (contender === 'r' || contender === 'n') {
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        const response = responder.respond(err, ctx)
        ctx.status = response.status
        const headers = response.headers
        for (const name in headers) if (name !== 'content-length') ctx.res.setHeader(name, headers[name]!)
        ctx.body = response.body
      }
    })
    app.use(() => {
      throw new SignError(Codes.WrongPassword)
    })
  } else if (contender === 'e' || contender === 'q' || contender === 't') {
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (e) {
        const err = handled(contender, e)
        if (err === undefined) throw e
        const problem = contender === 'q'
        const body = problem ? handProblem(err, ctx.path) : handEnvelope(err)
        ctx.status = HAND_TABLE[err.code]!.status
        const headers = handHeaders(problem ? PROBLEM_TYPE : JSON_TYPE, body)
        // Koa sets Content-Length itself from a string body.
        for (const name in headers) if (name !== 'content-length') ctx.res.setHeader(name, headers[name]!)
        ctx.body = body
      }
    })
    app.use(handThrow(contender))
  } else {
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        const status = (err as createError.HttpError).status
        ctx.status = status
        ctx.body = { code: status, message: (err as Error).message }
      }
    })
    app.use(() => {
      throw createError(401)
    })
  }
  return app
}

function fastifyApp(contender: Contender): FastifyInstance {
  const app = Fastify()
  if (ours(contender)) {
    app.setErrorHandler(fastifyErrorHandler(options))
    app.get(ROUTE, async () => {
      throw new SignError(Codes.WrongPassword)
    })
  } else if (contender === 'b') {
    app.setErrorHandler((err, _request, reply) => {
      if (!(err instanceof AppError)) throw err
      reply.code(401).send({ code: err.code, message: err.message })
    })
    app.get(ROUTE, async () => {
      throw new AppError(22, 'Wrong password')
    })
  } else if (contender === 'r' || contender === 'n') {
    app.setErrorHandler((err, request, reply) => {
      const response = responder.respond(err, request, reply.statusCode)
      const headers: Record<string, string> = { ...response.headers }
      delete headers['content-length']
      reply.code(response.status).headers(headers).send(response.body)
    })
    app.get(ROUTE, async () => {
      throw new SignError(Codes.WrongPassword)
    })
  } else if (contender === 'e' || contender === 'q' || contender === 't') {
    app.setErrorHandler((e, request, reply) => {
      const err = handled(contender, e)
      if (err === undefined) throw e
      const problem = contender === 'q'
      const body = problem ? handProblem(err, pathOf(request.url), request.id) : handEnvelope(err, request.id)
      const headers = handHeaders(problem ? PROBLEM_TYPE : JSON_TYPE, body)
      delete (headers as Partial<typeof headers>)['content-length']
      // Our handler sends the request id too (Fastify gives every request one).
      reply
        .code(HAND_TABLE[err.code]!.status)
        .headers({ ...headers, 'x-request-id': request.id })
        .send(body)
    })
    app.get(
      ROUTE,
      contender === 't'
        ? async () => {
            throw new SignError(Codes.WrongPassword)
          }
        : async () => {
            throw new AppError(22, 'Wrong password')
          },
    )
  } else {
    app.setErrorHandler((err: createError.HttpError, _request, reply) => {
      reply.code(err.status).send({ code: err.status, message: err.message })
    })
    app.get(ROUTE, async () => {
      throw createError(401)
    })
  }
  return app
}

const [framework, contender] = process.argv.slice(2) as [Framework, Contender]
if (!FRAMEWORKS.includes(framework) || !CONTENDERS.includes(contender)) {
  console.error(`usage: server.ts <${FRAMEWORKS.join('|')}> <${CONTENDERS.join('|')}>`)
  process.exit(2)
}

let close: () => void
if (framework === 'fastify') {
  const app = fastifyApp(contender)
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.send?.({ port: (app.server.address() as AddressInfo).port })
  close = () => {
    app.server.closeAllConnections()
    void app.close()
  }
} else {
  const server = createServer(framework === 'express' ? expressApp(contender) : koaApp(contender).callback())
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port })
  })
  close = () => {
    server.closeAllConnections()
    server.close()
  }
}
// The profiler is started and stopped on request, so that a profile holds the measured load only: not the
// start-up, nor the warm-up while V8 still runs the error path unoptimised.
let profiler: Session | undefined

function post<T = unknown>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    profiler!.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T)))
  })
}

process.on('message', async (message: unknown) => {
  if (message === 'usage') {
    const { user, system } = process.cpuUsage()
    process.send?.({ usage: user + system })
  } else if (message === 'profile') {
    profiler = new Session()
    profiler.connect()
    await post('Profiler.enable')
    await post('Profiler.start')
    process.send?.({ profiling: true })
  } else if (typeof message === 'object' && message !== null && 'profileTo' in message) {
    const { profile } = await post<{ profile: unknown }>('Profiler.stop')
    writeFileSync(String(message.profileTo), JSON.stringify(profile))
    profiler?.disconnect()
    process.send?.({ profiled: true })
  } else if (message === 'stop') {
    close()
    process.exit(0)
  }
})
// Orphaned (the parent died without saying stop): do not linger.
process.on('disconnect', () => process.exit(0))
