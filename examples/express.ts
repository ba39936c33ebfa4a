/**
 * A small e-signature-like API on Express 5: every failure, whatever throws it, leaves as the same envelope,
 * and is logged once: one line per request, which for an error is that error's line.
 *
 *   npm start            # http://127.0.0.1:3000 (PORT and HOST override)
 */
import { pathToFileURL } from 'node:url'
import { Codes, SignError, success } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/express'
import express from 'express'
import { type DestinationStream, pino } from 'pino'
import { pinoHttp } from 'pino-http'

const documents = new Map([['D-1', { id: 'D-1', title: 'Lease agreement', status: 'signed' }]])

/**
 * Builds the demo app; the tests and the load test mount it on their own servers. Its log lines go to
 * `destination` (default: standard output).
 */
export function createApp(destination: DestinationStream = process.stdout): express.Express {
  const app = express()
  app.disable('x-powered-by')
  // First, so every request has req.log and an id. The handler sets res.err on a 5xx, so pino-http's
  // completion line is the error line. A 4xx already has the handler's line through req.log (with its code,
  // at the `clientErrors` level): pino-http's completion line would be a second one, so it is silenced. Every
  // 4xx here is answered by errorHandler() or notFound(); a route that sends a 4xx itself would go unlogged.
  app.use(
    pinoHttp({
      logger: pino(destination),
      customLogLevel: (_req, res, err) =>
        err || res.err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'silent' : 'info',
    }),
  )

  app.post('/login', express.json(), (req, res) => {
    const password = (req.body as { password?: unknown } | undefined)?.password
    if (typeof password !== 'string') {
      throw new SignError(Codes.ParameterError, {
        message: 'password is required',
        details: { field: 'password' },
      })
    }
    if (password !== 'secret') throw new SignError(Codes.WrongPassword)
    res.json(success({ token: 'demo-token' }))
  })

  app.get('/documents/:id', (req, res) => {
    const document = documents.get(req.params.id)
    if (!document) throw new SignError(Codes.DocumentNotFound)
    res.json(success(document))
  })

  // Express 5 passes rejected promises to the error handler; Express 4 needs asyncHandler().
  app.post('/documents', express.json(), async (req, res) => {
    const body = req.body as { title?: unknown } | undefined
    const title = body?.title
    if (typeof title !== 'string' || title === '') {
      throw new SignError(Codes.ParameterError, { message: 'title is required', details: { field: 'title' } })
    }
    const document = { id: `D-${documents.size + 1}`, title, status: 'draft' }
    documents.set(document.id, document)
    res.status(201).json(success(document))
  })

  app.post('/upload', express.raw({ type: '*/*', limit: '1kb' }), (req, res) => {
    res.json(success({ bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 }))
  })

  app.get('/boom', () => {
    throw new Error('db password=hunter2 is wrong')
  })

  // A path no route takes: 404 code 7; a path taken under other methods (GET /login): 405 code 7 with Allow.
  app.use(notFound())
  app.use(errorHandler())
  return app
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const host = process.env.HOST ?? '127.0.0.1'
  const port = Number(process.env.PORT ?? 3000)
  createApp().listen(port, host, (error?: Error) => {
    if (error) {
      // A busy port must not look like a running demo: say which port, and exit non-zero.
      const reason = (error as NodeJS.ErrnoException).code ?? String(error)
      console.error(`esign-errors demo (Express): cannot listen on ${host}:${port} (${reason})`)
      process.exit(1)
    }
    const base = `http://${host}:${port}`
    console.log(`esign-errors demo (Express) on ${base}. Try:
  curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"password":"secret"}'   # 200, code 0
  curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"password":"nope"}'     # 401, code 22
  curl -i -X POST ${base}/login                                           # 400, code 1: no password
  curl -i ${base}/documents/D-1                                           # 200, code 0
  curl -i ${base}/documents/D-404                                         # 404, code 41
  curl -i ${base}/documents/D-404 -H 'accept: application/problem+json'   # 404, RFC 9457
  curl -i -X POST ${base}/documents -H 'content-type: application/json' -d '{"title":'   # 400, code 3
  curl -i -X POST ${base}/documents -H 'content-type: application/json' -d '{}'          # 400, code 1
  curl -i -X POST ${base}/upload --data-binary "$(head -c 2048 /dev/zero | tr '\\0' x)"     # 413, code 93
  curl -i ${base}/boom                                                    # 500, code 4, nothing leaked
  curl -i ${base}/login                                                   # 405, code 7, Allow: POST
  curl -i ${base}/nowhere                                                 # 404, code 7`)
  })
}
