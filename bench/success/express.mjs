// An Express 5 JSON route, with notFound() and errorHandler() mounted when MOUNTED=1 (the built package).

import { Readable } from 'node:stream'
import express from 'express'

// STREAM=1: a streamed answer, three CSV rows, instead of the JSON one.
const ROWS = ['id,pages\n', 'D-1,3\n', 'D-2,5\n']

const app = express()
const STREAM = process.env.STREAM === '1'
app.get('/', (_req, res) => {
  if (STREAM) {
    res.type('text/csv')
    Readable.from(ROWS).pipe(res)
  } else res.json({ code: 0, message: 'Success', data: { id: 'D-1', pages: 3 } })
})
if (process.env.MOUNTED === '1') {
  const { errorHandler, notFound } = await import('esign-errors/express')
  app.use(notFound())
  app.use(errorHandler())
}
const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port))
