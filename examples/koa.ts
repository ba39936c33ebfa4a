/**
 * The same small e-signature-like API as the Express demo, on Koa: every failure leaves as the same envelope,
 * and is logged once through koa-pino-logger: one line per request, which for an error is that error's line.
 *
 *   npx tsx examples/koa.ts   # http://127.0.0.1:3002 (PORT and HOST override)
 */
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { Codes, SignError, success } from 'esign-errors'
import { allowedMethods, errorHandler, handleStreamErrors, notFound } from 'esign-errors/koa'
import Koa from 'koa'
import koaPino from 'koa-pino-logger'
import type { DestinationStream } from 'pino'

const documents = new Map([['D-1', { id: 'D-1', title: 'Lease agreement', status: 'signed' }]])

/** Builds the demo app; tests mount it on their own servers. Log lines go to `destination` (default: stdout). */
export function createApp(destination: DestinationStream = process.stdout): Koa {
  const app = new Koa()
  const router = new Router()
  const json = bodyParser({ enableTypes: ['json'] })

  router.post('/login', json, (ctx) => {
    const body = ctx.request.body as { password?: unknown } | undefined
    if (body?.password !== 'secret') throw new SignError(Codes.WrongPassword)
    ctx.body = success({ token: 'demo-token' })
  })

  router.get('/documents/:id', (ctx) => {
    const document = documents.get(ctx.params.id ?? '')
    if (!document) throw new SignError(Codes.DocumentNotFound)
    ctx.body = success(document)
  })

  router.post('/documents', json, (ctx) => {
    const title: unknown = (ctx.request.body as { title?: unknown } | undefined)?.title
    if (typeof title !== 'string' || title === '') {
      throw new SignError(Codes.ParameterError, { message: 'title is required', details: { field: 'title' } })
    }
    const document = { id: `D-${documents.size + 1}`, title, status: 'draft' }
    documents.set(document.id, document)
    ctx.status = 201
    ctx.body = success(document)
  })

  // @koa/bodyparser reads only text-like bodies; each kind gets the same 1 kb cap.
  router.post(
    '/upload',
    bodyParser({
      enableTypes: ['json', 'form', 'text'],
      jsonLimit: '1kb',
      formLimit: '1kb',
      textLimit: '1kb',
    }),
    (ctx) => {
      const raw = ctx.request.rawBody
      ctx.body = success({ bytes: typeof raw === 'string' ? Buffer.byteLength(raw) : 0 })
    },
  )

  router.get('/boom', () => {
    throw new Error('db password=hunter2 is wrong')
  })

  // A streamed body fails after every middleware has returned, where only Koa's ctx.onerror hears of it.
  router.get('/documents/:id/file', (ctx) => {
    ctx.type = 'application/pdf'
    ctx.body = new Readable({
      read() {
        this.destroy(new Error('file store unreachable at 10.0.0.7'))
      },
    })
  })

  // Stream errors take the same way out as thrown ones: handleStreamErrors() puts the standard answer in
  // ctx.onerror. Koa runs middleware as an onion: the handler goes first so it wraps everything after it.
  handleStreamErrors(app)
  // Before the handler, so ctx.log exists when it answers; a 5xx is then described in the logger's own
  // completion line, and Koa's default printer does not print it again. A 4xx already has the handler's line
  // through ctx.log (with its code): the completion line would be a second one, so it is silenced. Every 4xx
  // here is answered by errorHandler(), notFound() or allowedMethods(); one a route set itself would go unlogged.
  app.use(
    koaPino(
      {
        customLogLevel: (_req, res, err) =>
          err || res.err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'silent' : 'info',
      },
      destination,
    ),
  )
  app.use(errorHandler())
  app.use(notFound())
  app.use(router.routes())
  // A path the router takes under other methods (GET /login): 405 code 7 with the router's Allow list.
  app.use(allowedMethods(router))
  return app
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const host = process.env.HOST ?? '127.0.0.1'
  const port = Number(process.env.PORT ?? 3002)
  const server = createApp().listen(port, host, () => {
    const base = `http://${host}:${port}`
    console.log(`esign-errors demo (Koa) on ${base}. Try:
  curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"password":"secret"}'   # 200, code 0
  curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"password":"nope"}'     # 401, code 22
  curl -i ${base}/documents/D-1                                           # 200, code 0
  curl -i ${base}/documents/D-404                                         # 404, code 41
  curl -i ${base}/documents/D-404 -H 'accept: application/problem+json'   # 404, RFC 9457
  curl -i -X POST ${base}/documents -H 'content-type: application/json' -d '{"title":'   # 400, code 3
  curl -i -X POST ${base}/documents -H 'content-type: application/json' -d '{}'          # 400, code 1
  curl -i -X POST ${base}/upload --data-binary "$(head -c 2048 /dev/zero | tr '\\0' x)"     # 413, code 93
  curl -i ${base}/boom                                                    # 500, code 4, nothing leaked
  curl -i ${base}/documents/D-1/file                                      # 500, code 4: a stream that failed
  curl -i ${base}/login                                                   # 405, code 7, Allow: POST
  curl -i ${base}/nowhere                                                 # 404, code 7`)
  })
  server.on('error', (error: NodeJS.ErrnoException) => {
    // A busy port must not look like a running demo: say which port, and exit non-zero.
    console.error(
      `esign-errors demo (Koa): cannot listen on ${host}:${port} (${error.code ?? error.message})`,
    )
    process.exit(1)
  })
}
