// An Express 5 route that throws `new SignError(Codes.ParameterError, { message, details })` with a `details`
// object of about KB kilobytes once serialised (10 by default; KB=0: no details): with LIB=1 answered by the
// library's `errorHandler()`, otherwise by a hand-written error handler that sends the same bytes, the
// details serialised with JSON.stringify inside the same envelope. The route is the same on both sides, so
// the pair measures the answering alone. Run by bench/pairs-not-found.ts; it imports the built package.

import { Codes, SignError } from 'esign-errors'
import express from 'express'
import { DETAILS_PATH, handHeaders, JSON_TYPE } from './shared.mjs'

// Validation issues, the usual bulky `details`: about 100 bytes each.
const KB = Number(process.env.KB ?? 10)
const issues = []
for (let i = 0; JSON.stringify({ issues }).length < KB * 1024 - 100; i++) {
  issues.push({
    path: ['items', i, 'quantity'],
    code: 'too_small',
    message: `Item ${i}: quantity must be at least 1`,
  })
}
const details = KB === 0 ? undefined : { issues }

const app = express()
app.get(DETAILS_PATH, () => {
  throw new SignError(Codes.ParameterError, { message: 'Some items are invalid', details })
})
if (process.env.LIB === '1') {
  const { errorHandler } = await import('esign-errors/express')
  app.use(errorHandler())
} else {
  app.use((err, _req, res, next) => {
    if (!(err instanceof SignError)) return next(err)
    const envelope = {
      code: err.code,
      name: err.codeName,
      message: err.message,
      status: err.status,
      retryable: err.retryable,
    }
    if (err.details !== undefined) envelope.details = err.details
    const body = JSON.stringify(envelope)
    const headers = handHeaders(JSON_TYPE, body)
    res.statusCode = err.status
    for (const name in headers) res.setHeader(name, headers[name])
    res.end(body)
  })
}
const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port))
