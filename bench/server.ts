/**
 * One benchmark server per process: `tsx bench/server.ts <express|koa> <a|b|c|d>`.
 *
 * Each contender runs alone in its own process so that only the server under load competes with the load
 * generator for the CPU; idle contenders sleep. The port is sent to the parent over IPC; an IPC `'stop'`
 * message ends the process cleanly (which is also when `--cpu-prof` writes its profile).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Codes, SignError, success } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import type { NextFunction, Request, Response } from 'express'
import express from 'express'
import createError from 'http-errors'
import Koa from 'koa'
import type { Contender, Framework } from './contenders.js'
import { AppError, CONTENDERS, FRAMEWORKS, ROUTE } from './contenders.js'

const data = { documentId: 'D-1', pages: 3 }
// A translation, so that an Accept-Language header is negotiated (the hostile-header rounds send one).
const options = { messages: { fr: { 22: 'Mot de passe incorrect' } } }

function expressApp(contender: Contender): express.Express {
  const app = express()
  if (contender === 'a') {
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
  } else if (contender === 'c') {
    app.get(ROUTE, () => {
      throw createError(401)
    })
    app.use((err: createError.HttpError, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status).json({ code: err.status, message: err.message })
    })
  } else {
    app.get(ROUTE, (_req, res) => {
      res.json(success(data))
    })
  }
  return app
}

function koaApp(contender: Contender): Koa {
  const app = new Koa()
  if (contender === 'a') {
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
  } else if (contender === 'c') {
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
  } else {
    app.use((ctx) => {
      ctx.body = success(data)
    })
  }
  return app
}

const [framework, contender] = process.argv.slice(2) as [Framework, Contender]
if (!FRAMEWORKS.includes(framework) || !CONTENDERS.includes(contender)) {
  console.error(`usage: server.ts <${FRAMEWORKS.join('|')}> <${CONTENDERS.join('|')}>`)
  process.exit(2)
}
const handler = framework === 'express' ? expressApp(contender) : koaApp(contender).callback()
const server = createServer(handler)
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port })
})
process.on('message', (message) => {
  if (message !== 'stop') return
  server.closeAllConnections()
  server.close()
  process.exit(0)
})
// Orphaned (the parent died without saying stop): do not linger.
process.on('disconnect', () => process.exit(0))
