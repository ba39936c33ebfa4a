/**
 * Fastify's own ways: its request ids, schema validation, its body parser's other errors, hooks and
 * encapsulated plugins, frameworkErrors, a reply's serializer, and the errors Fastify itself builds. What
 * every framework answers alike is in test/adapters.
 */
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Codes, type ErrorHandlerOptions, SignError, toErrorResponse } from 'esign-errors'
import { type AnyFastifyRequest, errorHandler, notFound } from 'esign-errors/fastify'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../examples/fastify.js'
import { sink } from '../helpers/log-lines.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const NOT_FOUND_41 =
  '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}'

const apps: FastifyInstance[] = []

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** A real Fastify 5 app on 127.0.0.1 with the handlers mounted the way the README says. */
async function serve(
  routes: (app: FastifyInstance) => void,
  options: ErrorHandlerOptions<AnyFastifyRequest> = { log: false },
  fastifyOptions: FastifyServerOptions = {},
) {
  // No ids unless a test asks for them, so bodies can be compared whole.
  const app = Fastify({ genReqId: () => '', ...fastifyOptions })
  apps.push(app)
  app.setErrorHandler(errorHandler(options))
  app.setNotFoundHandler(notFound())
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}

describe('Fastify 5', () => {
  it('answers a thrown SignError with the envelope and echoes Fastify’s request id', async () => {
    const server = await serve(
      (app) => {
        app.get('/documents/:id', async () => {
          throw new SignError(Codes.DocumentNotFound)
        })
      },
      { log: false },
      { genReqId: () => 'trace-7f3c' },
    )
    const res = await request(server).get('/documents/D-9')
    expect(res.status).toBe(404)
    expect(res.headers['content-type']).toBe(JSON_TYPE)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    // Fastify gives every request an id (its own `req-1`, … by default, as the example's test shows): the
    // id is known, so it is sent, in the body and the header alike.
    expect(res.headers['x-request-id']).toBe('trace-7f3c')
    expect(res.text).toBe(`${NOT_FOUND_41.slice(0, -1)},"requestId":"trace-7f3c"}`)
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)))
  })

  it('uses the client’s X-Request-Id when Fastify is told to read it', async () => {
    const server = await serve(
      (app) => {
        app.get('/', async () => {
          throw new SignError(Codes.WrongPassword)
        })
      },
      { log: false },
      { requestIdHeader: 'x-request-id' },
    )
    const res = await request(server).get('/').set('X-Request-Id', 'abc-123')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
    expect(res.headers['x-request-id']).toBe('abc-123')
    expect(JSON.parse(res.text)).toEqual({
      code: 22,
      name: 'WrongPassword',
      message: 'Wrong password',
      status: 401,
      retryable: false,
      requestId: 'abc-123',
    })
  })

  describe('schema validation', () => {
    const routes = (app: FastifyInstance) => {
      app.post(
        '/login',
        {
          schema: {
            body: {
              type: 'object',
              required: ['email', 'password'],
              properties: { email: { type: 'string' }, password: { type: 'string', minLength: 8 } },
            },
            querystring: { type: 'object', properties: { page: { type: 'integer' } } },
          },
        },
        async () => ({ ok: true }),
      )
    }

    it('a missing property: 400 code 1 with the issue in details', async () => {
      const server = await serve(routes)
      const res = await request(server).post('/login').send({ password: 'long enough' })
      expect(res.status).toBe(400)
      expect(JSON.parse(res.text)).toEqual({
        code: 1,
        name: 'ParameterError',
        message: 'Parameter error, indicating that the number and type of parameters are incorrect',
        status: 400,
        retryable: false,
        details: [
          { path: ['body', 'email'], message: "must have required property 'email'", code: 'required' },
        ],
      })
    })

    it('a bad value deep in the body and one in the query string name where they were', async () => {
      const server = await serve(routes)
      const body = await request(server).post('/login').send({ email: 'a@b.c', password: 'short' })
      expect((JSON.parse(body.text) as { details: unknown }).details).toEqual([
        { path: ['body', 'password'], message: 'must NOT have fewer than 8 characters', code: 'minLength' },
      ])
      const query = await request(server)
        .post('/login?page=two')
        .send({ email: 'a@b.c', password: 'long enough' })
      expect(query.status).toBe(400)
      expect((JSON.parse(query.text) as { details: unknown }).details).toEqual([
        { path: ['querystring', 'page'], message: 'must be integer', code: 'type' },
      ])
    })
  })

  describe("Fastify's body parser", () => {
    const echo = (app: FastifyInstance) => {
      app.post('/echo', async (req) => ({ got: req.body }))
    }
    // Malformed JSON and a body over the limit: test/adapters/behaviour.test.ts, on every framework.
    const rows: [string, string, string, number, number][] = [
      ['an empty JSON body', 'application/json', '', 400, Codes.DataFormatError],
      ['a content type it does not parse', 'application/xml', '<a/>', 415, Codes.DataFormatError],
    ]
    it.each(rows)('%s: %i code %i', async (_label, type, payload, status, code) => {
      const server = await serve(echo, { log: false }, { bodyLimit: 100 })
      const res = await request(server).post('/echo').set('Content-Type', type).send(payload)
      expect([res.status, (JSON.parse(res.text) as { code: number }).code]).toEqual([status, code])
      expect(res.headers['content-type']).toBe(JSON_TYPE)
    })
  })

  it('answers errors from hooks and from encapsulated plugins the same way', async () => {
    const server = await serve((app) => {
      app.addHook('onRequest', async (req) => {
        if (req.url === '/hooked') throw new SignError(Codes.AccessTokenExpired)
      })
      app.get('/hooked', async () => 'never')
      app.get(
        '/pre',
        {
          preHandler: (_req, _reply, done) => done(new SignError(Codes.IllegalOperation)),
        },
        async () => 'never',
      )
      void app.register(async (child) => {
        // A plugin's own error handler comes first; what it rethrows reaches the root's, ours.
        child.setErrorHandler(async (error) => {
          throw error
        })
        child.get('/child', async () => {
          throw new SignError(Codes.DocumentNotFound)
        })
      })
    })
    const hooked = await request(server).get('/hooked')
    expect(hooked.status).toBe(401)
    expect(hooked.headers['www-authenticate']).toBe('Bearer error="invalid_token"')
    const pre = await request(server).get('/pre')
    expect([pre.status, JSON.parse(pre.text).code]).toEqual([403, 44])
    const child = await request(server).get('/child')
    expect(child.status).toBe(404)
    expect(child.text).toBe(NOT_FOUND_41)
  })

  it('with frameworkErrors, answers a malformed URL with the envelope, not Fastify’s own body', async () => {
    const onError = errorHandler({ log: false })
    const server = await serve(
      (app) => {
        app.get('/documents/:id', async () => 'never')
      },
      { log: false },
      { frameworkErrors: onError },
    )
    const res = await request(server).get('/documents/%zz')
    expect(res.status).toBe(400)
    expect(res.text).toBe(
      '{"code":1,"name":"ParameterError","message":"Parameter error, indicating that the number and type of parameters are incorrect","status":400,"retryable":false}',
    )
  })

  it('sends the body as written even when the route set a serializer on its reply', async () => {
    const server = await serve((app) => {
      app.get('/wrapped', async (_req, reply) => {
        reply.serializer((payload) => JSON.stringify({ wrapped: payload }))
        throw new SignError(Codes.DocumentNotFound)
      })
    })
    const res = await request(server).get('/wrapped')
    expect([res.status, res.text]).toEqual([404, NOT_FOUND_41])
  })
})

describe('examples/fastify.ts', () => {
  it('answers the demo routes with the envelopes the README shows', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const { lines, stream } = sink()
      const app = await createApp(stream)
      apps.push(app)
      // Our lines, through each request's request.log: Fastify's reqId on each.
      const ours = () => lines.filter((line) => typeof line.code === 'number')
      await app.listen({ port: 0, host: '127.0.0.1' })
      const server = app.server
      // Every body also carries Fastify's request id.
      const withoutId = (text: string) => {
        const { requestId, ...rest } = JSON.parse(text) as { requestId?: unknown }
        expect(requestId).toMatch(/^req-[0-9a-z]+$/)
        return rest
      }

      const denied = await request(server).post('/login').send({ password: 'nope' })
      expect(denied.status).toBe(401)
      expect(withoutId(denied.text)).toEqual({
        code: 22,
        name: 'WrongPassword',
        message: 'Wrong password',
        status: 401,
        retryable: false,
      })
      const login = await request(server).post('/login').send({ password: 'secret' })
      expect([login.status, login.body]).toEqual([
        200,
        { code: 0, message: 'Success', data: { token: 'demo-token' } },
      ])
      expect((await request(server).get('/documents/D-404')).status).toBe(404)

      const untitled = await request(server).post('/documents').send({})
      expect(untitled.status).toBe(400)
      expect(withoutId(untitled.text)).toEqual({
        code: 1,
        name: 'ParameterError',
        message: 'Parameter error, indicating that the number and type of parameters are incorrect',
        status: 400,
        retryable: false,
        details: [
          { path: ['body', 'title'], message: "must have required property 'title'", code: 'required' },
        ],
      })
      const created = await request(server).post('/documents').send({ title: 'NDA' })
      expect([created.status, created.body.data.status]).toEqual([201, 'draft'])

      const upload = await request(server)
        .post('/upload')
        .set('content-type', 'text/plain')
        .send('x'.repeat(2048))
      expect([upload.status, JSON.parse(upload.text).code]).toEqual([413, 93])

      const boom = await request(server).get('/boom')
      expect(boom.status).toBe(500)
      expect(boom.text).not.toContain('hunter2')
      expect(ours().filter((line) => line.level === 50)).toMatchObject([
        { msg: '500 ProcessingFailed (code 4)', reqId: JSON.parse(boom.text).requestId },
      ])
      expect((await request(server).get('/nowhere')).status).toBe(404)

      // The download cut after its first line is printed too, through the plugin's hooks.
      const port = (server.address() as AddressInfo).port
      const cut = await new Promise<{ body: string; aborted: boolean }>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/export' }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            body += chunk
          })
          res.on('aborted', () => resolve({ body, aborted: true }))
          res.on('end', () => resolve({ body, aborted: false }))
        })
        req.on('error', () => resolve({ body: '', aborted: true }))
        req.end()
      })
      expect(cut).toEqual({ body: 'id,title,status\n', aborted: true })
      await vi.waitFor(() => expect(ours().filter((line) => line.level === 50)).toHaveLength(2))
      expect(ours().at(-1)).toMatchObject({ msg: '500 ProcessingFailed (code 4)', path: '/export' })
      expect(ours().at(-1)?.reqId).toMatch(/^req-/)
      // 4xx lines are warnings, without a stack.
      expect(
        ours()
          .filter((line) => line.level === 40)
          .map((line) => line.code),
      ).toEqual([22, 41, 1, 93, 7])
      expect(printed).not.toHaveBeenCalled()
    } finally {
      printed.mockRestore()
    }
  })
})

describe('Fastify errors, as toErrorResponse reads them', () => {
  const bodyOf = (thrown: unknown): Record<string, unknown> => {
    const response = toErrorResponse(thrown, undefined, { format: 'json', log: false })
    return { status: response.status, ...(JSON.parse(response.body) as Record<string, unknown>) }
  }
  const validationError = (validation: unknown) =>
    Object.assign(new Error('body/a must be integer'), {
      code: 'FST_ERR_VALIDATION',
      statusCode: 400,
      validationContext: 'body',
      validation,
    })

  it('unescapes JSON pointers, numbers array indexes and survives entries that are not objects', () => {
    const body = bodyOf(
      validationError([
        null,
        { instancePath: '/a~1b/0/c~0d/07', keyword: 'type', message: 'must be integer' },
        { instancePath: '/list', keyword: 'required', params: { missingProperty: 'x' }, message: 42 },
      ]),
    )
    expect(body).toMatchObject({ status: 400, code: 1 })
    expect(body.details).toEqual([
      { path: ['body'], message: 'Invalid value', code: 'custom' },
      { path: ['body', 'a/b', 0, 'c~d', '07'], message: 'must be integer', code: 'type' },
      { path: ['body', 'list', 'x'], message: 'Invalid value', code: 'required' },
    ])
  })

  it('counts an entry it cannot read as one unnamed issue, and still answers 400', () => {
    const body = bodyOf(
      validationError([
        {
          get instancePath(): string {
            throw new Error('getter')
          },
        },
        {
          instancePath: '',
          keyword: 'additionalProperties',
          params: { additionalProperty: 'admin' },
          message: 'm',
        },
      ]),
    )
    expect(body).toMatchObject({ status: 400, code: 1 })
    expect(body.details).toEqual([
      { path: ['body'], message: 'Invalid value', code: 'custom' },
      { path: ['body', 'admin'], message: 'm', code: 'additionalProperties' },
    ])
  })

  it('keeps a client status a schemaErrorFormatter chose, and no server one', () => {
    const unprocessable = Object.assign(validationError([]), { statusCode: 422 })
    expect(bodyOf(unprocessable)).toMatchObject({ status: 422, code: 1, details: [] })
    const server = Object.assign(validationError([]), { statusCode: 500 })
    expect(bodyOf(server)).toMatchObject({ status: 400, code: 1 })
  })

  it('keeps at most 100 issues', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({
      instancePath: `/${i}`,
      keyword: 'type',
      message: 'm',
    }))
    expect((bodyOf(validationError(many)).details as unknown[]).length).toBe(100)
  })

  it.each([
    ['a validation error without its list', validationError(undefined), 400, 1],
    [
      'a body parser error whose Content-Length lied',
      { code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', statusCode: 400 },
      400,
      Codes.DataLengthMismatch,
    ],
    [
      'a Fastify code outside the table, with a status',
      { code: 'FST_ERR_NOT_FOUND', statusCode: 404 },
      404,
      7,
    ],
    [
      'a system error code, without a status',
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
      500,
      4,
    ],
  ])('%s: %i code %i', (_label, thrown, status, code) => {
    expect(bodyOf(thrown)).toMatchObject({ status, code })
  })
})
