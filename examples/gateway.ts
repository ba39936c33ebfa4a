/**
 * A gateway in front of the platform: each route calls the platform with `callUpstream()` and answers
 * `success(data)`; every platform error, timeout or broken answer reaches `errorHandler()` as a
 * SignError with the right status.
 *
 * Run with `npx tsx examples/gateway.ts` (port PORT, default 3001). It starts a fake platform in the
 * same process, so nothing else is needed.
 */
import { callUpstream, success } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/express'
import express from 'express'
import { GOOD_PASSWORD, startPlatform } from './fake-platform.js'

const platform = await startPlatform()
const upstream = { timeoutMs: 5000 }

const app = express()
app.use(express.json())

app.post('/login', async (req, res) => {
  const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown }
  const data = await callUpstream(
    `${platform.url}/api/login`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    },
    upstream,
  )
  res.json(success({ token: data }))
})

app.get('/documents/:id', async (req, res) => {
  const data = await callUpstream(
    `${platform.url}/api/documents/${encodeURIComponent(req.params.id)}`,
    undefined,
    upstream,
  )
  res.json(success(data))
})

// The platform is behind a load balancer that answers HTML while it is down: a 502 for our clients.
app.get('/maintenance', async (_req, res) => {
  res.json(success(await callUpstream(`${platform.url}/api/maintenance`, undefined, upstream)))
})

app.use(notFound())
app.use(errorHandler())

const port = Number(process.env.PORT ?? 3001)
const server = app.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${port}`
  console.log(`gateway on ${base}, fake platform on ${platform.url}`)
  const login = (password: string) =>
    `curl -s -X POST ${base}/login -H 'content-type: application/json' -d '{"email":"a@example.com","password":"${password}"}'`
  console.log(`  ${login(GOOD_PASSWORD)}   # 200, code 0`)
  console.log(`  ${login('nope')}   # 401, code 22`)
  console.log(`  curl -s ${base}/documents/doc-1   # 200, code 0`)
  console.log(`  curl -s ${base}/documents/doc-404   # 404, code 41`)
  console.log(`  curl -s ${base}/maintenance   # 502, code 4`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    void platform.close()
  })
}
