/**
 * JSON Schemas of the two error bodies of the wire contract (DESIGN.md), written from the contract rather
 * than from the code, for ajv in strict mode. Both refuse unknown members: a body carrying anything the
 * contract does not list (a stack, a `debug` member without `debug: true`, a foreign property) is invalid.
 */

// A return code is any integer but 0 (0 is success); the platform's own range and a service's are allowed.
const errorCode = { type: 'integer', not: { const: 0 } } as const
const errorStatus = { type: 'integer', minimum: 400, maximum: 599 } as const

/** The default JSON envelope of an error. */
export const envelopeSchema = {
  $id: 'esign-errors/envelope',
  type: 'object',
  additionalProperties: false,
  required: ['code', 'name', 'message', 'status', 'retryable'],
  properties: {
    code: errorCode,
    name: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
    message: { type: 'string' },
    status: errorStatus,
    retryable: { type: 'boolean' },
    requestId: { type: 'string', pattern: '^[A-Za-z0-9._~:/+=@-]{1,128}$' },
    details: {},
  },
} as const

/** The RFC 9457 problem document, with the envelope's members as extensions. */
export const problemSchema = {
  $id: 'esign-errors/problem',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'title', 'status', 'detail', 'code', 'name', 'retryable'],
  properties: {
    type: { type: 'string', minLength: 1 },
    title: { type: 'string', minLength: 1 },
    status: errorStatus,
    detail: { type: 'string' },
    instance: { type: 'string', pattern: '^/' },
    code: errorCode,
    name: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
    retryable: { type: 'boolean' },
    requestId: { type: 'string', pattern: '^[A-Za-z0-9._~:/+=@-]{1,128}$' },
    details: {},
  },
} as const
