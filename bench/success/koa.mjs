// A Koa 3 JSON route, with errorHandler() mounted when MOUNTED=1 (the built package: run `npm run build`).
// One server per process, its port sent to the parent: the shape ../shared/tools/paired-bench.mjs loads.

import { Readable } from 'node:stream'
import Koa from 'koa'

// STREAM=1: a streamed answer, three CSV rows, instead of the JSON one.
const ROWS = ['id,pages\n', 'D-1,3\n', 'D-2,5\n']

const app = new Koa()
if (process.env.MOUNTED === '1') {
  const { errorHandler } = await import('esign-errors/koa')
  app.use(errorHandler())
}
const STREAM = process.env.STREAM === '1'
app.use((ctx) => {
  if (STREAM) {
    ctx.type = 'text/csv'
    ctx.body = Readable.from(ROWS)
  } else ctx.body = { code: 0, message: 'Success', data: { id: 'D-1', pages: 3 } }
})
const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port))
