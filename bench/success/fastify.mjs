// A Fastify 5 JSON route, with the esignErrors() plugin registered when MOUNTED=1 (the built package).
import Fastify from 'fastify'

const app = Fastify({ logger: false })
if (process.env.MOUNTED === '1') {
  const { esignErrors } = await import('esign-errors/fastify')
  await app.register(esignErrors({ log: false }))
}
app.get('/', async () => ({ code: 0, message: 'Success', data: { id: 'D-1', pages: 3 } }))
await app.listen({ port: 0, host: '127.0.0.1' })
process.send(app.server.address().port)
