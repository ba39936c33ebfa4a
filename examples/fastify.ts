/**
 * The same small e-signature-like API as the Express demo, on Fastify: every failure leaves as the same
 * envelope, schema validation errors included, and an error after the answer started still reaches the log.
 *
 *   npx tsx examples/fastify.ts   # http://127.0.0.1:3003 (PORT and HOST override)
 */
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { Codes, SignError, success } from 'esign-errors'
import { esignErrors } from 'esign-errors/fastify'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import type { DestinationStream } from 'pino'

const documents = new Map([['D-1', { id: 'D-1', title: 'Lease agreement', status: 'signed' }]])

/**
 * Builds the demo app; tests start it on a port of their own. Fastify's own logger writes to `destination`
 * (default: stdout), and errors are logged through each request's `request.log`, with its `reqId`.
 */
export async function createApp(destination: DestinationStream = process.stdout): Promise<FastifyInstance> {
  const errors = esignErrors()
  // One limit for every body, so /upload shows a 413; frameworkErrors covers malformed URLs; the log
  // controller tells the plugin of a download that fails midway (GET /export), with no hook on every answer.
  const app = Fastify({
    logger: { stream: destination },
    bodyLimit: 1024,
    frameworkErrors: errors.frameworkErrors,
    logController: errors.logController(LogController),
  })
  // Before the routes, and awaited: the plugin watches the routes added after it. Its not-found handler
  // answers a path no route takes 404 code 7, and one taken under other methods (GET /login) 405 with Allow.
  await app.register(errors)

  app.post('/login', async (request) => {
    const body = request.body as { password?: unknown } | undefined
    if (body?.password !== 'secret') throw new SignError(Codes.WrongPassword)
    return success({ token: 'demo-token' })
  })

  app.get<{ Params: { id: string } }>('/documents/:id', async (request) => {
    const document = documents.get(request.params.id)
    if (!document) throw new SignError(Codes.DocumentNotFound)
    return success(document)
  })

  // Fastify validates the body against the schema; a failure is answered as code 1 with the issues.
  app.post<{ Body: { title: string } }>(
    '/documents',
    {
      schema: {
        body: {
          type: 'object',
          required: ['title'],
          properties: { title: { type: 'string', minLength: 1 } },
        },
      },
    },
    async (request, reply) => {
      const document = { id: `D-${documents.size + 1}`, title: request.body.title, status: 'draft' }
      documents.set(document.id, document)
      reply.code(201)
      return success(document)
    },
  )

  app.post('/upload', async (request) => {
    const body = request.body
    return success({ bytes: typeof body === 'string' ? Buffer.byteLength(body) : 0 })
  })

  app.get('/boom', async () => {
    throw new Error('db password=hunter2 is wrong')
  })

  // A download that fails after its first line went out: the client sees a cut answer, the log an error.
  app.get('/export', async (_request, reply) => {
    reply.header('content-type', 'text/csv; charset=utf-8')
    let lines = 0
    return new Readable({
      read() {
        if (lines++ === 0) this.push('id,title,status\n')
        else setTimeout(() => this.destroy(new Error('archive volume went away')), 10)
      },
    })
  })
  return app
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const host = process.env.HOST ?? '127.0.0.1'
  const port = Number(process.env.PORT ?? 3003)
  const app = await createApp()
  try {
    await app.listen({ port, host })
  } catch (error) {
    // A busy port must not look like a running demo: say which port, and exit non-zero.
    const reason = (error as NodeJS.ErrnoException).code ?? String(error)
    console.error(`esign-errors demo (Fastify): cannot listen on ${host}:${port} (${reason})`)
    await app.close()
    process.exit(1)
  }
  const base = `http://${host}:${port}`
  console.log(`esign-errors demo (Fastify) on ${base}. Try:
  curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"password":"secret"}'   # 200, code 0
  curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"password":"nope"}'     # 401, code 22
  curl -i ${base}/documents/D-1                                           # 200, code 0
  curl -i ${base}/documents/D-404                                         # 404, code 41
  curl -i ${base}/documents/D-404 -H 'accept: application/problem+json'   # 404, RFC 9457
  curl -i -X POST ${base}/documents -H 'content-type: application/json' -d '{"title":'   # 400, code 3
  curl -i -X POST ${base}/documents -H 'content-type: application/json' -d '{}'          # 400, code 1, details
  curl -i -X POST ${base}/upload -H 'content-type: text/plain' --data-binary "$(head -c 2048 /dev/zero | tr '\\0' x)"   # 413, code 93
  curl -i ${base}/boom                                                    # 500, code 4, nothing leaked
  curl -i ${base}/export                                                  # 200, cut after one line; logged
  curl -i ${base}/login                                                   # 405, code 7, Allow: POST
  curl -i ${base}/nowhere                                                 # 404, code 7`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close())
}
