// An Express 5 JSON route, with notFound() and errorHandler() mounted when MOUNTED=1 (the built package).
import express from 'express'

const app = express()
app.get('/', (_req, res) => {
  res.json({ code: 0, message: 'Success', data: { id: 'D-1', pages: 3 } })
})
if (process.env.MOUNTED === '1') {
  const { errorHandler, notFound } = await import('esign-errors/express')
  app.use(notFound())
  app.use(errorHandler())
}
const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port))
