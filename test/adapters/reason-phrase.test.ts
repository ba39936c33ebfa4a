/**
 * The status line of an error answer: the reason phrase of its status on every framework, never one the
 * route had set for its own answer, and never Node's `unknown` for a status Node has no phrase for.
 */
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Codes, SignError } from 'esign-errors'
import { afterAll, describe, expect, it } from 'vitest'
import { APP_KINDS, buildRouteApp, closeServers, serve } from '../helpers/apps.js'

afterAll(closeServers)

/** The status code and reason phrase as they came on the wire. */
async function statusLine(listener: Parameters<typeof serve>[0]): Promise<[number, string]> {
  const server = await serve(listener)
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/sessions' }, (res) => {
      res.resume()
      resolve([res.statusCode ?? 0, res.statusMessage ?? ''])
    })
      .on('error', reject)
      .end()
  })
}

describe.each(APP_KINDS)('%s: the reason phrase of an error answer', (kind) => {
  it("is the error status's own, not one the route set", async () => {
    const line = await statusLine(
      buildRouteApp(kind, (route) => {
        route.raw.statusMessage = 'All Good'
        throw new SignError(Codes.WrongPassword)
      }),
    )
    expect(line).toEqual([401, 'Unauthorized'])
  })

  it.each([
    [499, 'Client Error'],
    [599, 'Server Error'],
  ])('a status Node has no phrase for (%i) gets %s', async (status, phrase) => {
    const line = await statusLine(
      buildRouteApp(kind, () => {
        throw Object.assign(new Error('upstream said so'), { status })
      }),
    )
    expect(line).toEqual([status, phrase])
  })
})
