import { ApiError, isApiError } from 'esign-errors/client'
import { describe, expect, it } from 'vitest'

const BRAND = Symbol.for('esign-errors.ApiError')

function apiError(code: number): ApiError {
  return new ApiError({
    code,
    codeName: 'WrongPassword',
    status: 401,
    message: 'Wrong password',
    retryable: false,
    format: 'envelope',
    response: new Response(null, { status: 401 }),
  })
}

describe('isApiError', () => {
  it('recognises an ApiError, with or without its code', () => {
    const error = apiError(22)
    expect([isApiError(error), isApiError(error, 22), isApiError(error, 41)]).toEqual([true, true, false])
  })

  it('recognises one made by another copy of the package, by its global brand', () => {
    const foreign = { [BRAND]: true, code: 22 }
    expect([isApiError(foreign), isApiError(foreign, 22), isApiError(foreign, 5)]).toEqual([
      true,
      true,
      false,
    ])
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 22],
    ['a string', 'ApiError'],
    ['a plain Error', new Error('Wrong password')],
    ['a look-alike without the brand', { name: 'ApiError', code: 22, status: 401 }],
    ['a brand that is not true', { [BRAND]: 1, code: 22 }],
    ['a SignError brand', { [Symbol.for('esign-errors.SignError')]: true, code: 22 }],
  ])('refuses %s', (_label, value) => {
    expect(isApiError(value)).toBe(false)
    expect(isApiError(value, 22)).toBe(false)
  })

  it('never throws, even on a Proxy whose traps throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap')
        },
      },
    )
    expect(isApiError(hostile)).toBe(false)
  })
})

describe('ApiError', () => {
  it('is an Error named ApiError whose own keys are its data; the answer is there, not enumerable', () => {
    const error = apiError(22)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ApiError')
    expect(error.message).toBe('Wrong password')
    expect(Object.keys(error)).toEqual([
      'code',
      'codeName',
      'status',
      'retryable',
      'retryAfterMs',
      'requestId',
      'details',
      'type',
      'instance',
      'format',
    ])
    expect(error.response.status).toBe(401)
    expect(Object.getOwnPropertyDescriptor(error, 'response')?.enumerable).toBe(false)
    expect(String(error)).toBe('ApiError: Wrong password')
  })
})
