/** The esignErrors() plugin registers on every kind of Fastify 5 app, and its handler fits frameworkErrors. */
import { type EsignErrorsPlugin, esignErrors, type FastifyErrorHandler } from 'esign-errors/fastify'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'

describe('esignErrors()', () => {
  it('registers on HTTP/1 and HTTP/2 apps, with Fastify’s logger as the log', async () => {
    const errors = esignErrors()
    expectTypeOf(errors).toEqualTypeOf<EsignErrorsPlugin>()
    expectTypeOf(errors.frameworkErrors).toEqualTypeOf<FastifyErrorHandler>()

    const app = Fastify({ frameworkErrors: errors.frameworkErrors })
    await app.register(errors)
    const h2 = Fastify({ http2: true, frameworkErrors: errors.frameworkErrors })
    await h2.register(
      esignErrors({ log: h2.log, requestId: (request) => request.headers['x-trace-id']?.toString() }),
    )
  })

  it('takes the same options as errorHandler()', () => {
    // @ts-expect-error: not a format
    esignErrors({ format: 'xml' })
  })
})
