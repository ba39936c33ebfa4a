import { createResponder, type LogEntry, SignError, toErrorResponse } from 'esign-errors'
import { afterEach, describe, expect, it } from 'vitest'

const FRAME = /\n\s+at /

function thrownHere(make: () => Error): Error {
  return make()
}

afterEach(() => {
  SignError.stackTraces = 'all'
})

describe('SignError.stackTraces', () => {
  it("is 'all' by default: a 4xx has frames", () => {
    expect(SignError.stackTraces).toBe('all')
    const error = thrownHere(() => new SignError(22))
    expect(error.stack).toMatch(FRAME)
    expect(error.stack).toContain('thrownHere')
  })

  it("'server-errors': a 4xx has only its first line, with or without options", () => {
    SignError.stackTraces = 'server-errors'
    expect(SignError.stackTraces).toBe('server-errors')
    for (const error of [
      new SignError(22),
      new SignError(22, { message: 'Try again' }),
      new SignError(5, { cause: new Error('expired'), retryAfter: 30 }),
      new SignError(4, { status: 409 }),
    ]) {
      expect(error.stack).not.toMatch(FRAME)
      expect(error.stack?.split('\n')).toEqual([`SignError: ${error.message}`])
    }
  })

  it("'server-errors': a 5xx keeps its frames, also one lifted to 5xx by its status option", () => {
    SignError.stackTraces = 'server-errors'
    expect(thrownHere(() => new SignError(4)).stack).toMatch(FRAME)
    expect(thrownHere(() => new SignError(22, { status: 503 })).stack).toMatch(FRAME)
  })

  it("'none': no error has frames, a 5xx neither", () => {
    SignError.stackTraces = 'none'
    expect(new SignError(4).stack).not.toMatch(FRAME)
    expect(new SignError(22).stack).not.toMatch(FRAME)
  })

  it('leaves Error.stackTraceLimit as it was, for SignError and every other error', () => {
    const before = Error.stackTraceLimit
    SignError.stackTraces = 'none'
    new SignError(22)
    new SignError(22, { message: 'x' })
    expect(() => new SignError(1.5 as never)).toThrow(TypeError)
    expect(Error.stackTraceLimit).toBe(before)
    expect(new Error('plain').stack).toMatch(FRAME)
  })

  it('refuses anything but the three values with a TypeError, and keeps the policy it had', () => {
    SignError.stackTraces = 'server-errors'
    for (const value of ['ALL', 'server', '', undefined, null, 0, true, ['none']]) {
      expect(() => {
        SignError.stackTraces = value as never
      }).toThrow(TypeError)
    }
    expect(() => {
      SignError.stackTraces = 'nope' as never
    }).toThrow("SignError.stackTraces must be 'all', 'server-errors' or 'none'")
    expect(SignError.stackTraces).toBe('server-errors')
  })

  it('changes nothing in the answer: the same status, headers and body byte for byte', () => {
    const request = { method: 'GET', url: '/login', headers: { accept: 'application/problem+json' } }
    const withStack = toErrorResponse(new SignError(22), request)
    SignError.stackTraces = 'server-errors'
    expect(toErrorResponse(new SignError(22), request)).toEqual(withStack)
  })

  it('logs and debug answers still name the code of an error built without a stack', () => {
    SignError.stackTraces = 'none'
    const entries: LogEntry[] = []
    const responder = createResponder({ debug: true, log: (entry) => void entries.push(entry) })
    const error = new SignError(22)
    const response = responder.respond(error)
    responder.log(response, error)
    expect(entries[0]).toMatchObject({ code: 22, codeName: 'WrongPassword', status: 401 })
    const body = JSON.parse(response.body)
    expect(body).toMatchObject({ code: 22, name: 'WrongPassword' })
    expect(body.debug.causes).toEqual([
      { name: 'SignError', message: 'Wrong password', stack: 'SignError: Wrong password' },
    ])
  })
})
