import { Codes } from 'esign-errors'
import { type ApiError, isApiError, readError, retry, unwrap } from 'esign-errors/client'
import { expectTypeOf, test } from 'vitest'

test('isApiError narrows to the code, and the name follows it', () => {
  const err: unknown = undefined
  if (isApiError(err, Codes.WrongPassword)) {
    expectTypeOf(err).toEqualTypeOf<ApiError<22>>()
    expectTypeOf(err.code).toEqualTypeOf<22>()
    expectTypeOf(err.codeName).toEqualTypeOf<'WrongPassword'>()
  }
  // A literal works as well as Codes, so a client need not import the catalog for the types.
  if (isApiError(err, 89)) expectTypeOf(err.codeName).toEqualTypeOf<'SystemBusy'>()
  if (isApiError(err)) {
    expectTypeOf(err.code).toEqualTypeOf<number>()
    expectTypeOf(err.codeName).toEqualTypeOf<string>()
    expectTypeOf(err.retryAfterMs).toEqualTypeOf<number | undefined>()
    expectTypeOf(err.response).toEqualTypeOf<Response>()
  }
})

test('a code narrowed to stays assignable to ApiError', () => {
  expectTypeOf<ApiError<22>>().toExtend<ApiError>()
  expectTypeOf<ApiError<22>>().toExtend<Error>()
})

test('readError, unwrap and retry carry their types', () => {
  const response = new Response()
  expectTypeOf(readError(response)).toEqualTypeOf<Promise<ApiError | undefined>>()
  expectTypeOf(unwrap<{ id: string }>(response)).toEqualTypeOf<Promise<{ id: string }>>()
  expectTypeOf(retry(() => unwrap<number>(response))).toEqualTypeOf<Promise<number>>()
  // @ts-expect-error readError takes a web Response, not a body
  readError({ code: 22 })
})
