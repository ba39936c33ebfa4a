import { ApiError, unwrap } from 'esign-errors/client'
import { describe, expect, it } from 'vitest'

function json(body: unknown, status = 200, type = 'application/json; charset=utf-8'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } })
}

async function thrown(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

describe('unwrap', () => {
  it.each([
    ['an object', { documentId: 'D-1', pages: [1, 2] }],
    ['null', null],
    ['a string', 'ok'],
    ['an array', [1, 'two']],
  ])('gives the data of a success envelope holding %s', async (_label, data) => {
    expect(await unwrap(json({ code: 0, message: 'Success', data }))).toEqual(data)
  })

  it('gives undefined for a success envelope without data, and any 2xx will do', async () => {
    expect(await unwrap(json({ code: 0, message: 'Success' }, 201))).toBeUndefined()
  })

  it('throws the ApiError of an error answer', async () => {
    const response = json(
      {
        code: 41,
        name: 'DocumentNotFound',
        message: 'Document does not exist',
        status: 404,
        retryable: false,
      },
      404,
    )
    const error = await thrown(unwrap(response))
    expect([error.code, error.codeName, error.status, error.message, error.response]).toEqual([
      41,
      'DocumentNotFound',
      404,
      'Document does not exist',
      response,
    ])
  })

  it('throws the error of a non-zero code inside a 2xx, as the platform sends them', async () => {
    const body = { code: 22, name: 'WrongPassword', message: 'Wrong password', retryable: false }
    const error = await thrown(unwrap(json(body)))
    expect([error.code, error.codeName, error.status, error.format]).toEqual([
      22,
      'WrongPassword',
      200,
      'envelope',
    ])
  })

  it.each([
    ['HTML', '<html>maintenance</html>'],
    ['empty', ''],
    ['broken JSON', '{"code":0,'],
    ['code "0" as a string', '{"code":"0","data":1}'],
    ['no code', '{"data":1}'],
    ['an array', '[0]'],
  ])('throws 3 DataFormatError for a 2xx whose body is %s', async (_label, body) => {
    const error = await thrown(unwrap(new Response(body, { status: 200 })))
    expect([error.code, error.codeName, error.status, error.retryable, error.format]).toEqual([
      3,
      'DataFormatError',
      200,
      false,
      'other',
    ])
  })

  it('ignores a code 0 that only Object.prototype holds', async () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.code = 0
    try {
      expect((await thrown(unwrap(json({ data: 1 })))).code).toBe(3)
    } finally {
      delete proto.code
    }
  })

  it('rejects with the failure of a success body cut midway', async () => {
    let sent = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new TypeError('terminated'))
        else controller.enqueue(new TextEncoder().encode('{"code":0,"data":'))
        sent = true
      },
    })
    await expect(unwrap(new Response(stream))).rejects.toThrow(TypeError)
  })
})
