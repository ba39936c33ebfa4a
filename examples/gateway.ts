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
// Calls made with the service's own credentials: when the platform refuses those, the fault is ours, not
// the client's, so the credential codes answer 502 instead of the catalog's 401.
const asService = { ...upstream, statusOverrides: { 2: 502, 5: 502, 6: 502, 53: 502 } }
// Set INTEGRATION_KEY=demo-integration-key to see /templates succeed; the default is a key the platform lacks.
const integrationKey = process.env.INTEGRATION_KEY ?? 'revoked-key'

const app = express()
app.disable('x-powered-by')
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

app.get('/templates', async (_req, res) => {
  const init = { headers: { 'x-integration-key': integrationKey } }
  res.json(success(await callUpstream(`${platform.url}/api/templates`, init, asService)))
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
    `curl -i -X POST ${base}/login -H 'content-type: application/json' -d '{"email":"a@example.com","password":"${password}"}'`
  console.log(`  ${login(GOOD_PASSWORD)}   # 200, code 0`)
  console.log(`  ${login('nope')}   # 401, code 22`)
  console.log(`  curl -i ${base}/documents/doc-1   # 200, code 0`)
  console.log(`  curl -i ${base}/documents/doc-404   # 404, code 41`)
  console.log(`  curl -i ${base}/templates   # 502, code 53: the service's key, not the client's`)
  console.log(`  curl -i ${base}/maintenance   # 502, code 4`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    void platform.close()
  })
}
