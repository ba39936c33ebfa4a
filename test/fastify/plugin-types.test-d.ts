/** The esignErrors() plugin registers on every kind of Fastify 5 app, and its handler fits frameworkErrors. */
import { type EsignErrorsPlugin, esignErrors, type FastifyErrorHandler } from 'esign-errors/fastify'
import Fastify, { LogController } from 'fastify'
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

  it('makes a log controller of Fastify’s class or a subclass, with its constructor’s options', async () => {
    const errors = esignErrors()
    const controller = errors.logController(LogController, { requestIdLogLabel: 'traceId' })
    expectTypeOf(controller).toEqualTypeOf<LogController>()
    class Mine extends LogController {
      readonly mine: boolean = true
    }
    expectTypeOf(errors.logController(Mine).mine).toEqualTypeOf<boolean>()
    const app = Fastify({ logController: controller, frameworkErrors: errors.frameworkErrors })
    await app.register(errors)
    // @ts-expect-error: not a constructor option of LogController
    errors.logController(LogController, { label: 'traceId' })
    // @ts-expect-error: not a class with Fastify's streamError
    errors.logController(Map)
  })

  it('takes the same options as errorHandler()', () => {
    // @ts-expect-error: not a format
    esignErrors({ format: 'xml' })
  })
})
