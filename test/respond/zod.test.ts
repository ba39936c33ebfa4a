import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bodyParser } from '@koa/bodyparser'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import Koa from 'koa'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { z as z3 } from 'zod3'

// The same signup rules in both majors of zod; only the email check is spelled differently.
const schemas = {
  'zod 4': z.object({
    email: z.email(),
    age: z.number().int().min(18),
    password: z.string().min(8, 'Password too short'),
    tags: z.array(z.string()).optional(),
  }),
  'zod 3': z3.object({
    email: z3.string().email(),
    age: z3.number().int().min(18),
    password: z3.string().min(8, 'Password too short'),
    tags: z3.array(z3.string()).optional(),
  }),
}
type Major = keyof typeof schemas

const PARAMETER_ERROR = {
  code: 1,
  name: 'ParameterError',
  message: 'Parameter error, indicating that the number and type of parameters are incorrect',
  status: 400,
  retryable: false,
}

// Written from each major's documented default messages and issue codes.
const cases: {
  title: string
  body: unknown
  details: Record<Major, { path: (string | number)[]; message: string; code: string }[]>
}[] = [
  {
    title: 'wrong types and a bad email',
    body: { email: 'not-an-email', age: 'forty', password: 'long enough' },
    details: {
      'zod 4': [
        { path: ['email'], message: 'Invalid email address', code: 'invalid_format' },
        { path: ['age'], message: 'Invalid input: expected number, received string', code: 'invalid_type' },
      ],
      'zod 3': [
        { path: ['email'], message: 'Invalid email', code: 'invalid_string' },
        { path: ['age'], message: 'Expected number, received string', code: 'invalid_type' },
      ],
    },
  },
  {
    title: 'missing fields',
    body: { age: 30 },
    details: {
      'zod 4': [
        {
          path: ['email'],
          message: 'Invalid input: expected string, received undefined',
          code: 'invalid_type',
        },
        {
          path: ['password'],
          message: 'Invalid input: expected string, received undefined',
          code: 'invalid_type',
        },
      ],
      'zod 3': [
        { path: ['email'], message: 'Required', code: 'invalid_type' },
        { path: ['password'], message: 'Required', code: 'invalid_type' },
      ],
    },
  },
  {
    title: 'too small, a custom message and an array index in the path',
    body: { email: 'ana@example.com', age: 17, password: 'short', tags: ['ok', 5] },
    details: {
      'zod 4': [
        { path: ['age'], message: 'Too small: expected number to be >=18', code: 'too_small' },
        { path: ['password'], message: 'Password too short', code: 'too_small' },
        {
          path: ['tags', 1],
          message: 'Invalid input: expected string, received number',
          code: 'invalid_type',
        },
      ],
      'zod 3': [
        { path: ['age'], message: 'Number must be greater than or equal to 18', code: 'too_small' },
        { path: ['password'], message: 'Password too short', code: 'too_small' },
        { path: ['tags', 1], message: 'Expected string, received number', code: 'invalid_type' },
      ],
    },
  },
]

const servers: Server[] = []

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

function expressApp(): express.Express {
  const app = express()
  for (const major of Object.keys(schemas) as Major[]) {
    app.post(`/${major.replace(' ', '')}/signup`, express.json(), (req, res) => {
      const user = schemas[major].parse(req.body)
      res.json({ code: 0, message: 'Success', data: user.email })
    })
    app.post(`/${major.replace(' ', '')}/signup-async`, express.json(), async (req, res) => {
      const user = await schemas[major].parseAsync(req.body)
      res.json({ code: 0, message: 'Success', data: user.email })
    })
  }
  app.use(expressErrorHandler({ log: false }))
  return app
}

function koaApp(): Koa {
  const app = new Koa()
  app.use(koaErrorHandler({ log: false }))
  app.use(bodyParser())
  app.use(async (ctx) => {
    const [, prefix, route] = ctx.path.split('/')
    const major = (Object.keys(schemas) as Major[]).find((name) => name.replace(' ', '') === prefix)
    // Nothing set: Koa answers 404 itself.
    if (major === undefined || ctx.method !== 'POST') return
    const schema = schemas[major]
    const user =
      route === 'signup-async' ? await schema.parseAsync(ctx.request.body) : schema.parse(ctx.request.body)
    ctx.body = { code: 0, message: 'Success', data: user.email }
  })
  return app
}

describe.each([
  ['Express 5', () => listen(expressApp())],
  ['Koa 3', () => listen(koaApp().callback())],
])('%s', (_, start) => {
  let url = ''
  beforeAll(async () => {
    url = await start()
  })

  describe.each(Object.keys(schemas) as Major[])('%s', (major) => {
    const prefix = `/${major.replace(' ', '')}`

    it.each(cases)('answers $title with 400, code 1 and the exact issues', async ({ body, details }) => {
      for (const route of ['signup', 'signup-async']) {
        const res = await request(url)
          .post(`${prefix}/${route}`)
          .send(body as object)
        expect(res.status).toBe(400)
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
        expect(JSON.parse(res.text)).toEqual({ ...PARAMETER_ERROR, details: details[major] })
      }
    })

    it('puts the issues in a problem document when asked for one', async () => {
      const res = await request(url)
        .post(`${prefix}/signup`)
        .set('Accept', 'application/problem+json')
        .send({ email: 'ana@example.com', age: 30 })
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(JSON.parse(res.text)).toEqual({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: PARAMETER_ERROR.message,
        instance: `${prefix}/signup`,
        code: 1,
        name: 'ParameterError',
        retryable: false,
        details: [
          {
            path: ['password'],
            message: major === 'zod 4' ? 'Invalid input: expected string, received undefined' : 'Required',
            code: 'invalid_type',
          },
        ],
      })
    })

    it('lets a valid body through', async () => {
      const res = await request(url)
        .post(`${prefix}/signup`)
        .send({ email: 'ana@example.com', age: 30, password: 'long enough' })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ code: 0, message: 'Success', data: 'ana@example.com' })
    })
  })
})
