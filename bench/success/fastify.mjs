// A Fastify 5 JSON route, with the esignErrors() plugin registered when MOUNTED=1 (the built package).

import { Readable } from 'node:stream'
import Fastify, { LogController } from 'fastify'

// STREAM=1: a streamed answer, three CSV rows, instead of the JSON one.
const ROWS = ['id,pages\n', 'D-1,3\n', 'D-2,5\n']

// CONTROLLER=1: with the plugin's log controller given to Fastify, as docs/fastify.md suggests on 5.10 and later.
const mounted = process.env.MOUNTED === '1'
const errors = mounted ? (await import('esign-errors/fastify')).esignErrors({ log: false }) : undefined
const app = Fastify({
  logger: false,
  ...(errors !== undefined && process.env.CONTROLLER === '1'
    ? { logController: errors.logController(LogController) }
    : {}),
})
if (errors !== undefined) await app.register(errors)
const STREAM = process.env.STREAM === '1'
app.get('/', async (_request, reply) => {
  if (!STREAM) return { code: 0, message: 'Success', data: { id: 'D-1', pages: 3 } }
  reply.type('text/csv')
  return Readable.from(ROWS)
})
await app.listen({ port: 0, host: '127.0.0.1' })
process.send(app.server.address().port)
