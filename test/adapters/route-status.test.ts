/**
 * The status a route set before it failed (`res.status()`, `ctx.status =`, `reply.code()`): a thrown value
 * with no valid status of its own takes it when it is 400-599, as finalhandler and Fastify do; masking follows
 * the final status. (The reason phrase of the status line is Express's own decision: test/express.)
 */
import { Codes, SignError } from 'esign-errors'
import createError from 'http-errors'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { APP_KINDS, buildRouteApp, closeServers, serve } from '../helpers/apps.js'

afterEach(closeServers)

const body = (code: number, name: string, message: string, status: number, retryable: boolean) =>
  JSON.stringify({ code, name, message, status, retryable })

const PARAMETER_ERROR = 'Parameter error, indicating that the number and type of parameters are incorrect'
const busy = (status: number) => body(89, 'SystemBusy', 'The system is busy', status, true)
const invalidRequestType = (status: number) =>
  body(7, 'InvalidRequestType', 'Invalid request type', status, false)
const processingFailed = (status: number) => body(4, 'ProcessingFailed', 'Processing failed', status, true)

const ROWS: [name: string, set: number, thrown: () => unknown, status: number, body: string][] = [
  ['503, then a plain Error: 503 code 89', 503, () => new Error('pool exhausted'), 503, busy(503)],
  [
    '501, then a plain Error: 501 code 7',
    501,
    () => new Error('no status of its own'),
    501,
    invalidRequestType(501),
  ],
  ['501, then a string: 501 code 7', 501, () => 'not built', 501, invalidRequestType(501)],
  [
    '418, then a plain Error: 418 code 1',
    418,
    () => new Error('no status of its own'),
    418,
    body(1, 'ParameterError', PARAMETER_ERROR, 418, false),
  ],
  [
    '404, then a plain Error: 404 code 7',
    404,
    () => new Error('no status of its own'),
    404,
    invalidRequestType(404),
  ],
  ['404, then a plain object: 404 code 7', 404, () => ({ reason: 'gone' }), 404, invalidRequestType(404)],
  ['404, then a string: 404 code 7', 404, () => 'no such envelope', 404, invalidRequestType(404)],
  // Not an error status: the thrown value is still a 500.
  [
    '200 stays out of it: 500 code 4',
    200,
    () => new Error('no status of its own'),
    500,
    processingFailed(500),
  ],
  ['201 stays out of it: 500 code 4', 201, () => new Error('after create'), 500, processingFailed(500)],
  ['302 stays out of it: 500 code 4', 302, () => new Error('after redirect'), 500, processingFailed(500)],
  ['304 stays out of it: 500 code 4', 304, () => new Error('not modified'), 500, processingFailed(500)],
  // A status of its own wins over the route's.
  [
    '503, then createError(409): 409 code 1, its message',
    503,
    () => createError(409, 'taken'),
    409,
    body(1, 'ParameterError', 'taken', 409, false),
  ],
  [
    '503, then createError(409) without a message: 409, Conflict',
    503,
    () => createError(409),
    409,
    body(1, 'ParameterError', 'Conflict', 409, false),
  ],
  [
    '503, then createError(404): 404 code 7, its message',
    503,
    () => createError(404, 'no envelope E-1'),
    404,
    body(7, 'InvalidRequestType', 'no envelope E-1', 404, false),
  ],
  [
    '400, then a 5xx SignError: 500 code 29',
    400,
    () => new SignError(Codes.SigningFailed),
    500,
    body(29, 'SigningFailed', 'Signing failed', 500, true),
  ],
  [
    '502, then an exposed Error: masked at 5xx',
    502,
    () => Object.assign(new Error('upstream said: password=hunter2'), { expose: true }),
    502,
    processingFailed(502),
  ],
]

// What the route threw must never show at these statuses.
const SECRETS =
  /pool exhausted|no status of its own|not built|gone|no such envelope|after|not modified|hunter2/

describe.each(APP_KINDS)('%s: the status the route set', (kind) => {
  it.each(ROWS)('%s', async (_name, set, thrown, status, expected) => {
    const server = await serve(
      buildRouteApp(kind, (route) => {
        route.status(set)
        throw thrown()
      }),
    )
    const res = await request(server).get('/documents')
    expect(res.status).toBe(status)
    expect(res.text).toBe(expected)
    expect(res.text).not.toMatch(SECRETS)
  })
})
