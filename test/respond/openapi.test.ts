import { validate } from '@readme/openapi-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { Codes, catalog, defineCodes, entries, SignError, toErrorResponse } from 'esign-errors'
import { openApiComponents } from 'esign-errors/openapi'
import { describe, expect, it } from 'vitest'

// A code of this file's own range, with a status the catalog does not use: it must get a response of its own.
const AppCodes = defineCodes({
  FrozenForAudit: { code: 9150, message: 'Account frozen for audit', status: 451 },
})

const components = openApiComponents()
const withBase = openApiComponents({ problemBaseUrl: 'https://docs.example.com/errors/' })

// The parser's own document type is stricter than plain JSON literals; what it checks is the value.
type ApiDocument = Parameters<typeof validate>[0]

function documentWith(responses: Record<string, unknown>, set = components): ApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 'Signing service', version: '1.0.0' },
    paths: {
      '/login': {
        post: {
          operationId: 'login',
          responses: {
            '200': {
              description: 'Logged in',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/SuccessEnvelope' } } },
            },
            ...responses,
          },
        },
      },
      '/documents/{id}': {
        get: {
          operationId: 'getDocument',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The document',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/SuccessEnvelope' } } },
            },
            '401': { $ref: '#/components/responses/Error401' },
            '404': { $ref: '#/components/responses/Error404' },
            '500': { $ref: '#/components/responses/Error500' },
          },
        },
      },
    },
    components: structuredClone(set),
  } as ApiDocument
}

type Json = Record<string, unknown>

function exampleOf(
  set: typeof components,
  code: number,
  media: 'application/json' | 'application/problem+json',
) {
  const entry = entries().find((e) => e.code === code)!
  return set.responses[`Error${entry.status}`]?.content[media].examples[entry.name]?.value
}

function bodyOf(code: number, accept?: string): Json {
  const headers: Record<string, string> = { 'x-request-id': 'req-7' }
  if (accept) headers.accept = accept
  const body = JSON.parse(toErrorResponse(new SignError(code), { method: 'POST', headers }).body) as Json
  // The request id is per request: it proves the body is the real one, then leaves the comparison.
  expect(body.requestId).toBe('req-7')
  delete body.requestId
  return body
}

function ajv() {
  const instance = new Ajv2020({ strict: true, allErrors: true })
  instance.addFormat('uri-reference', true)
  return instance
}

describe('a whole OpenAPI 3.1 document', () => {
  it('validates with the components spread in', async () => {
    const result = await validate(documentWith({ '401': { $ref: '#/components/responses/Error401' } }))
    expect(result.valid ? [] : result.errors).toEqual([])
    expect(result.warnings).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('fails to validate when an operation points at a response that does not exist', async () => {
    const result = await validate(documentWith({ '401': { $ref: '#/components/responses/Error499' } }))
    expect(result.valid).toBe(false)
    expect(result.valid ? [] : result.errors.map((error) => error.message)).toEqual([
      'Missing $ref pointer "#/components/responses/Error499". Token "Error499" does not exist.',
    ])
  })

  it('validates with problemBaseUrl too', async () => {
    const result = await validate(documentWith({}, withBase))
    expect(result.valid ? [] : result.errors).toEqual([])
    expect(result.valid).toBe(true)
  })
})

describe('responses', () => {
  it('has one response per status the codes use, in order', () => {
    expect(Object.keys(components.responses)).toEqual([
      'Error400',
      'Error401',
      'Error402',
      'Error403',
      'Error404',
      'Error405',
      'Error409',
      'Error410',
      'Error413',
      'Error415',
      'Error422',
      'Error423',
      'Error429',
      'Error451',
      'Error500',
      'Error501',
      'Error502',
      'Error503',
      'Error504',
    ])
  })

  it('lists the codes of Error401 in its description', () => {
    expect(components.responses.Error401?.description).toBe(
      [
        'Unauthorized. Return codes:',
        '',
        '- `2` MacMismatch: Data check failed (MAC mismatch)',
        '- `5` InvalidAccessToken: Invalid access token',
        '- `6` AccessTokenExpired: Access token has expired',
        '- `21` LoginFailed: Login failed',
        '- `22` WrongPassword: Wrong password',
        '- `53` IntegrationKeyNotFound: Integration key does not exist',
        '',
        'Any other 4xx status answers code 1.',
      ].join('\n'),
    )
  })

  it('gives Error401 one example per code, keyed by name, in both media types', () => {
    const names = ['MacMismatch', 'InvalidAccessToken', 'AccessTokenExpired', 'LoginFailed', 'WrongPassword']
    const json = components.responses.Error401!.content['application/json']
    const problem = components.responses.Error401!.content['application/problem+json']
    expect(Object.keys(json.examples)).toEqual([...names, 'IntegrationKeyNotFound'])
    expect(Object.keys(problem.examples)).toEqual([...names, 'IntegrationKeyNotFound'])
    expect(json.schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' })
    expect(problem.schema).toEqual({ $ref: '#/components/schemas/ProblemDetails' })
  })

  it('shows WrongPassword exactly as the handler sends it', () => {
    expect(components.responses.Error401!.content['application/json'].examples.WrongPassword).toEqual({
      summary: '22 WrongPassword',
      value: { code: 22, name: 'WrongPassword', message: 'Wrong password', status: 401, retryable: false },
    })
    expect(components.responses.Error401!.content['application/problem+json'].examples.WrongPassword).toEqual(
      {
        summary: '22 WrongPassword',
        value: {
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          detail: 'Wrong password',
          code: 22,
          name: 'WrongPassword',
          retryable: false,
        },
      },
    )
  })

  it('types problems with problemBaseUrl', () => {
    expect(
      withBase.responses.Error404!.content['application/problem+json'].examples.DocumentNotFound,
    ).toEqual({
      summary: '41 DocumentNotFound',
      value: {
        type: 'https://docs.example.com/errors/document-not-found',
        title: 'Document does not exist',
        status: 404,
        detail: 'Document does not exist',
        code: 41,
        name: 'DocumentNotFound',
        retryable: false,
      },
    })
  })

  it('announces WWW-Authenticate on 401 only, X-Request-Id on all', () => {
    expect(Object.keys(components.responses.Error401!.headers)).toEqual(['X-Request-Id', 'WWW-Authenticate'])
    expect(Object.keys(components.responses.Error404!.headers)).toEqual(['X-Request-Id'])
  })

  it('lists a code under the status statusOverrides gives it, with the body the handler sends', () => {
    const statusOverrides = { 42: 404, 53: 502 }
    const mapped = openApiComponents({ statusOverrides })
    const names = (status: number) =>
      Object.keys(mapped.responses[`Error${status}`]!.content['application/json'].examples)
    expect(names(404)).toContain('DocumentNotOwned')
    expect(names(403)).not.toContain('DocumentNotOwned')
    expect(names(502)).toContain('IntegrationKeyNotFound')
    expect(names(401)).not.toContain('IntegrationKeyNotFound')
    expect(mapped.responses.Error404!.description).toContain(
      '- `42` DocumentNotOwned: Document does not belong to this user',
    )
    const example = mapped.responses.Error404!.content['application/json'].examples.DocumentNotOwned!.value
    expect(example).toEqual({
      code: 42,
      name: 'DocumentNotOwned',
      message: 'Document does not belong to this user',
      status: 404,
      retryable: false,
    })
    const sent = toErrorResponse(new SignError(42), undefined, { format: 'json', statusOverrides })
    expect(example).toEqual(JSON.parse(sent.body))
    const problem = mapped.responses.Error502!.content['application/problem+json'].examples
    expect(problem.IntegrationKeyNotFound!.value).toMatchObject({
      title: 'Bad Gateway',
      status: 502,
      code: 53,
    })
  })

  it('refuses statusOverrides that the error handler would refuse', () => {
    expect(() => openApiComponents({ statusOverrides: { 42: 200 } })).toThrow(
      new TypeError('openApiComponents: statusOverrides[42] must be an integer from 400 to 599'),
    )
  })

  it('includes codes added with defineCodes', () => {
    expect(AppCodes.FrozenForAudit).toBe(9150)
    expect(components.responses.Error451).toEqual({
      description:
        'Unavailable For Legal Reasons. Return codes:\n\n- `9150` FrozenForAudit: Account frozen for audit\n\n' +
        'Any other 4xx status answers code 1.',
      headers: {
        'X-Request-Id': { description: 'Request id, when one is known.', schema: { type: 'string' } },
      },
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorEnvelope' },
          examples: {
            FrozenForAudit: {
              summary: '9150 FrozenForAudit',
              value: {
                code: 9150,
                name: 'FrozenForAudit',
                message: 'Account frozen for audit',
                status: 451,
                retryable: false,
              },
            },
          },
        },
        'application/problem+json': {
          schema: { $ref: '#/components/schemas/ProblemDetails' },
          examples: {
            FrozenForAudit: {
              summary: '9150 FrozenForAudit',
              value: {
                type: 'about:blank',
                title: 'Unavailable For Legal Reasons',
                status: 451,
                detail: 'Account frozen for audit',
                code: 9150,
                name: 'FrozenForAudit',
                retryable: false,
              },
            },
          },
        },
      },
    })
  })
})

describe('schemas', () => {
  const { ErrorEnvelope, ProblemDetails, SuccessEnvelope } = components.schemas

  it('ErrorEnvelope requires the five members and allows requestId and details', () => {
    expect(ErrorEnvelope.type).toBe('object')
    expect(ErrorEnvelope.required).toEqual(['code', 'name', 'message', 'status', 'retryable'])
    expect(Object.keys(ErrorEnvelope.properties as Json)).toEqual([
      'code',
      'name',
      'message',
      'status',
      'retryable',
      'requestId',
      'details',
    ])
  })

  it('lists every error code, custom ones included, and not 0, without forbidding unknown codes', () => {
    const code = (ErrorEnvelope.properties as Record<string, Json>).code!
    const codes = code.examples as number[]
    expect(code.type).toBe('integer')
    expect(code.enum).toBeUndefined()
    expect(codes).toHaveLength(140)
    expect(codes.slice(0, 5)).toEqual([1, 2, 3, 4, 5])
    expect(codes.slice(-3)).toEqual([2028, 2029, 9150])
    expect(codes).toContain(Codes.WrongPassword)
    expect(codes).not.toContain(0)
    expect(codes).not.toContain(32)
  })

  it('ProblemDetails has the RFC 9457 members and the envelope extensions', () => {
    expect(ProblemDetails.required).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'code',
      'name',
      'retryable',
    ])
    expect(Object.keys(ProblemDetails.properties as Json)).toEqual([
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'code',
      'name',
      'retryable',
      'requestId',
      'details',
    ])
  })

  it('SuccessEnvelope fixes code 0 and Success', () => {
    expect(SuccessEnvelope).toEqual({
      type: 'object',
      description: 'Body of a successful answer built with `success(data)`.',
      required: ['code', 'message', 'data'],
      properties: {
        code: { const: 0 },
        message: { const: 'Success' },
        data: { description: 'The payload.' },
      },
    })
  })

  it('reject bodies that break them', () => {
    const envelope = ajv().compile(ErrorEnvelope)
    expect(envelope({ code: 22, name: 'WrongPassword', message: 'Wrong password', status: 401 })).toBe(false)
    // An upstream code outside the catalog is a real answer (502 UnknownCode) and must validate.
    expect(
      envelope({
        code: 9999,
        name: 'UnknownCode',
        message: 'Unknown return code 9999',
        status: 502,
        retryable: false,
      }),
    ).toBe(true)
    expect(envelope({ code: 1.5, name: 'Nothing', message: 'Unused', status: 400, retryable: false })).toBe(
      false,
    )
    expect(envelope({ code: 22, name: 'WrongPassword', message: 'x', status: 200, retryable: false })).toBe(
      false,
    )
    const ok = ajv().compile(SuccessEnvelope)
    expect(ok({ code: 0, message: 'Success', data: { id: 'D-1' } })).toBe(true)
    expect(ok({ code: 1, message: 'Success', data: null })).toBe(false)
  })
})

// Every catalog code and the custom one: the example is the body the handler really writes.
const errorCodes = [...catalog.filter((entry) => entry.code !== 0), { code: 9150, name: 'FrozenForAudit' }]

describe.each(errorCodes.map((entry) => [entry.code, entry.name] as const))('code %i %s', (code) => {
  const envelope = ajv().compile(components.schemas.ErrorEnvelope)
  const problem = ajv().compile(components.schemas.ProblemDetails)

  it('has a JSON example equal to toErrorResponse, valid against ErrorEnvelope', () => {
    const example = exampleOf(components, code, 'application/json')
    expect(example).toEqual(bodyOf(code))
    expect(envelope(example), JSON.stringify(envelope.errors)).toBe(true)
  })

  it('has a problem example equal to toErrorResponse, valid against ProblemDetails', () => {
    const example = exampleOf(components, code, 'application/problem+json')
    expect(example).toEqual(bodyOf(code, 'application/problem+json'))
    expect(problem(example), JSON.stringify(problem.errors)).toBe(true)
  })
})
