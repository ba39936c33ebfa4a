/**
 * A route that fails after its answer went out: nothing of ours can be written any more. An answer under way
 * is cut, so the client cannot take it for whole; a finished one is left whole; either way the log hook hears
 * of the error once, with the status the client got. Fastify hands such errors to no error handler: there
 * the `esignErrors()` plugin is mounted, as docs/fastify.md says.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { Codes, SignError } from 'esign-errors'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP_KINDS, buildRouteApp, closeServers, type Route, serve } from '../helpers/apps.js'
import { fetchRaw } from '../helpers/raw-clients.js'

afterEach(closeServers)

const flushed = (route: Route, chunk: string) =>
  new Promise<void>((resolve) => route.raw.write(chunk, () => resolve()))

describe.each(APP_KINDS)('%s', (kind) => {
  async function app(route: (route: Route) => Promise<never> | never) {
    const log = vi.fn()
    const server = await serve(buildRouteApp(kind, route, { log }, { fastifyPlugin: true }))
    return { server, log }
  }

  it('the route sent its headers and part of the body, then failed: the answer is cut, nothing of ours in it', async () => {
    const { server, log } = await app(async (route) => {
      route.raw.writeHead(200, { 'content-type': 'text/csv' })
      await flushed(route, 'partial')
      throw new SignError(Codes.ProcessingFailed)
    })
    const received = await fetchRaw(server, '/export')
    expect(received).toMatchObject({ status: 200, text: 'partial', complete: false, timedOut: false })
    // Anything that would log a second time does so well within this.
    await delay(50)
    expect(log).toHaveBeenCalledTimes(1)
    expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'error', status: 500, code: 4 })
  })

  it('the route ended its answer, then failed: the client has all of it, logged with the 200 it got', async () => {
    const { server, log } = await app(async (route) => {
      route.raw.writeHead(200, { 'content-type': 'text/csv' })
      await new Promise<void>((resolve) => route.raw.end('id,title\n', () => resolve()))
      throw new Error('after the answer')
    })
    const received = await fetchRaw(server, '/export')
    expect(received).toMatchObject({ status: 200, text: 'id,title\n', complete: true, timedOut: false })
    await delay(50)
    expect(log).toHaveBeenCalledTimes(1)
    expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'warn', status: 200, code: 4 })
  })
})
