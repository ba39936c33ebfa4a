/**
 * A CORS middleware exposes the app's own headers before the route runs (`cors({ exposedHeaders })`). The
 * error answer adds Retry-After and X-Request-Id to that list on every adapter, and drops none of its names.
 */
import type { AddressInfo } from 'node:net'
import { Codes, SignError } from 'esign-errors'
import { afterAll, describe, expect, it } from 'vitest'
import { APP_KINDS, buildApp, closeServers, serve } from '../helpers/apps.js'

afterAll(closeServers)

async function exposedOn(kind: (typeof APP_KINDS)[number], preset: string | undefined, origin: boolean) {
  const app = buildApp(kind, () => new SignError(Codes.SystemBusy, { retryAfter: 3 }))
  const server = await serve((req, res) => {
    if (preset !== undefined) res.setHeader('access-control-expose-headers', preset)
    app(req, res)
  })
  const { port } = server.address() as AddressInfo
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    headers: origin ? { origin: 'https://app.example.com' } : {},
  })
  await response.arrayBuffer()
  return { status: response.status, exposed: response.headers.get('access-control-expose-headers') }
}

describe.each(APP_KINDS)('%s: Access-Control-Expose-Headers of an error answer', (kind) => {
  it.each([
    ['none set before', undefined, 'Retry-After, X-Request-Id'],
    ['the app exposed its own', 'X-Total-Count', 'X-Total-Count, Retry-After, X-Request-Id'],
    [
      'the app exposed one of ours already',
      'x-request-id, X-Total-Count',
      'x-request-id, X-Total-Count, Retry-After',
    ],
  ])('%s', async (_, preset, expected) => {
    expect(await exposedOn(kind, preset, true)).toEqual({ status: 503, exposed: expected })
  })

  it('a same-origin request (no Origin) keeps what the app set, untouched', async () => {
    expect(await exposedOn(kind, 'X-Total-Count', false)).toEqual({ status: 503, exposed: 'X-Total-Count' })
    expect(await exposedOn(kind, undefined, false)).toEqual({ status: 503, exposed: null })
  })
})
