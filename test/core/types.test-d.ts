import {
  type CatalogEntry,
  type Code,
  Codes,
  createResponder,
  defineCodes,
  describe,
  type ErrorHandlerOptions,
  isSignError,
  type RequestLike,
  SignError,
  type SuccessBody,
  success,
} from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler, notFound as fastifyNotFound } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express, { type ErrorRequestHandler } from 'express'
import Fastify from 'fastify'
import Koa, { type Middleware } from 'koa'
import { expectTypeOf, test } from 'vitest'

test('Codes carries literal numbers', () => {
  expectTypeOf(Codes.WrongPassword).toEqualTypeOf<22>()
  expectTypeOf(Codes.InsufficientEkycCredit).toEqualTypeOf<2029>()
  // @ts-expect-error a name the catalog does not have
  Codes.WrongPasswords
})

test('Code is the union of catalog codes', () => {
  expectTypeOf<22>().toExtend<Code>()
  expectTypeOf<2029>().toExtend<Code>()
  expectTypeOf<0>().toExtend<Code>()
  expectTypeOf<116>().not.toExtend<Code>()
  expectTypeOf<32>().not.toExtend<Code>()
  expectTypeOf<Code>().not.toEqualTypeOf<number>()
})

test('SignError knows the name of a catalog code', () => {
  expectTypeOf(new SignError(Codes.WrongPassword).codeName).toEqualTypeOf<'WrongPassword'>()
  expectTypeOf(new SignError(Codes.WrongPassword).code).toEqualTypeOf<22>()
  expectTypeOf(new SignError(41).codeName).toEqualTypeOf<'DocumentNotFound'>()
})

test('SignError gives string for a code outside the catalog, which defineCodes may name', () => {
  expectTypeOf(new SignError(9999).codeName).toEqualTypeOf<string>()
  const code: number = Number('22')
  expectTypeOf(new SignError(code).codeName).toEqualTypeOf<string>()
  // @ts-expect-error a code is a number, never a string
  new SignError('22')
})

test('isSignError narrows unknown', () => {
  const value: unknown = undefined
  if (isSignError(value)) {
    expectTypeOf(value).toEqualTypeOf<SignError>()
    expectTypeOf(value.code).toEqualTypeOf<number>()
  } else {
    expectTypeOf(value).toEqualTypeOf<unknown>()
  }
})

test('isSignError with a code narrows to that code and its name', () => {
  const value: unknown = undefined
  if (isSignError(value, Codes.DocumentNotFound)) {
    expectTypeOf(value).toEqualTypeOf<SignError<41>>()
    expectTypeOf(value.code).toEqualTypeOf<41>()
    expectTypeOf(value.codeName).toEqualTypeOf<'DocumentNotFound'>()
  }
  const code: number = Number('41')
  if (isSignError(value, code)) expectTypeOf(value).toEqualTypeOf<SignError<number>>()
  // @ts-expect-error a code is a number
  isSignError(value, 'DocumentNotFound')
})

test('describe() of a literal code returns its literal entry', () => {
  const entry = describe(22)
  expectTypeOf(entry).toEqualTypeOf<{
    readonly code: 22
    readonly name: 'WrongPassword'
    readonly status: 401
    readonly category: 'auth'
    readonly retryable: false
    readonly message: 'Wrong password'
  }>()
  const code: number = Number('22')
  expectTypeOf(describe(code)).toEqualTypeOf<CatalogEntry | undefined>()
})

test('the Express handler is an ErrorRequestHandler, the Koa one a Middleware', () => {
  expectTypeOf(expressErrorHandler()).toExtend<ErrorRequestHandler>()
  expectTypeOf(koaErrorHandler()).toExtend<Middleware>()
  express().use(expressErrorHandler({ requestId: (req) => req.get('x-trace-id') }))
  new Koa().use(koaErrorHandler({ requestId: (ctx) => ctx.get('x-trace-id') || undefined }))
})

test('the Fastify handlers fit HTTP/1 and HTTP/2 apps, frameworkErrors and a typed requestId', () => {
  const onError = fastifyErrorHandler({ requestId: (request) => request.headers['x-trace-id']?.toString() })
  const app = Fastify({ frameworkErrors: onError })
  app.setErrorHandler(onError)
  app.setNotFoundHandler(fastifyNotFound())
  const secure = Fastify({ http2: true })
  secure.setErrorHandler(fastifyErrorHandler())
  secure.setNotFoundHandler(fastifyNotFound())
  expectTypeOf(fastifyNotFound()).returns.toEqualTypeOf<Promise<void>>()
})

test('success() keeps the type of its data', () => {
  const body = success({ documentId: 'D-1', pages: 3 })
  expectTypeOf(body).toEqualTypeOf<SuccessBody<{ documentId: string; pages: number }>>()
  expectTypeOf(body.data).toEqualTypeOf<{ documentId: string; pages: number }>()
  expectTypeOf(body.code).toEqualTypeOf<0>()
  expectTypeOf(body.message).toEqualTypeOf<'Success'>()
})

test('defineCodes returns the new codes as literals, beside the catalog ones', () => {
  const AppCodes = defineCodes({
    Unauthorized: { code: 51, message: 'Unauthorized', status: 401, category: 'auth' },
    ContractOnHold: { code: 9100, message: 'Contract on hold by compliance', status: 423 },
  })
  // The literal, carrying its name for the compiler only: each is assignable to the other.
  expectTypeOf(AppCodes.Unauthorized).toExtend<51>()
  expectTypeOf<51>().toExtend<typeof AppCodes.Unauthorized>()
  expectTypeOf(AppCodes.ContractOnHold).toExtend<9100>()
  expectTypeOf<9100>().toExtend<typeof AppCodes.ContractOnHold>()
  expectTypeOf(AppCodes.ContractOnHold).not.toExtend<9101>()
  expectTypeOf(AppCodes.WrongPassword).toEqualTypeOf<22>()
  expectTypeOf(new SignError(AppCodes.ContractOnHold).code).toExtend<9100>()
  // @ts-expect-error a category outside the list
  defineCodes({ Odd: { code: 9101, message: 'Odd', status: 409, category: 'misc' } })
})

test('a SignError of a defineCodes code knows its name, as one of a catalog code does', () => {
  const AppCodes = defineCodes({
    ContractOnHold: { code: 9100, message: 'Contract on hold by compliance', status: 423 },
    ArchiveUnavailable: { code: 9101, message: 'Archive unavailable', status: 503, retryable: true },
  })
  const onHold = new SignError(AppCodes.ContractOnHold)
  expectTypeOf(onHold.codeName).toEqualTypeOf<'ContractOnHold'>()
  expectTypeOf(onHold.toJSON().name).toEqualTypeOf<'ContractOnHold'>()
  expectTypeOf(new SignError(AppCodes.ArchiveUnavailable).codeName).toEqualTypeOf<'ArchiveUnavailable'>()
  expectTypeOf(new SignError(AppCodes.WrongPassword).codeName).toEqualTypeOf<'WrongPassword'>()
  const value: unknown = undefined
  if (isSignError(value, AppCodes.ContractOnHold)) {
    expectTypeOf(value.codeName).toEqualTypeOf<'ContractOnHold'>()
  }
  // Still a SignError, still the number 9100 for comparisons and assignments.
  const general: SignError = onHold
  expectTypeOf(general.codeName).toEqualTypeOf<string>()
  const code: 9100 = onHold.code
  expectTypeOf(code).toEqualTypeOf<9100>()
  expectTypeOf(AppCodes.ContractOnHold).toExtend<number>()
})

test('a SignError of a literal code is a SignError, and code 0 is refused by the compiler', () => {
  const wrongPassword = new SignError(Codes.WrongPassword)
  expectTypeOf(wrongPassword).toExtend<SignError>()
  const asGeneral: SignError = wrongPassword
  expectTypeOf(asGeneral.codeName).toEqualTypeOf<string>()
  // @ts-expect-error 0 is Success, not an error
  expectTypeOf(() => new SignError(Codes.Success)).toBeFunction()
  // @ts-expect-error 0 is Success, not an error
  expectTypeOf(() => new SignError(0)).toBeFunction()
  const fromUpstream: number = 41
  expectTypeOf(new SignError(fromUpstream).code).toEqualTypeOf<number>()
})

test('createResponder takes the options alone: the adapters own their default log', () => {
  expectTypeOf(createResponder<RequestLike>).parameters.toEqualTypeOf<
    [options?: ErrorHandlerOptions<RequestLike>]
  >()
  // @ts-expect-error no second parameter
  createResponder({}, 'none')
})
