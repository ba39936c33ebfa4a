/**
 * DESIGN's fallback table: the return code of an error that carries only an HTTP status. The server codes
 * such errors with it (`fallbackCode` in normalize.ts) and the client codes answers that are not ours with
 * it (`readError` in client/), so both ends agree. No imports: the browser client must not pull in the
 * catalog, hence the codes as numbers, named in the comments.
 */

// Null prototype: a table read by status must not find a key another package put on Object.prototype.
const TABLE = {
  __proto__: null,
  400: 1, // ParameterError
  422: 1, // ParameterError
  401: 5, // InvalidAccessToken
  403: 44, // IllegalOperation
  404: 7, // InvalidRequestType
  405: 7, // InvalidRequestType
  501: 7, // InvalidRequestType
  413: 93, // FileTooLarge
  415: 3, // DataFormatError
  429: 89, // SystemBusy
  503: 89, // SystemBusy
} as unknown as Readonly<Partial<Record<number, number>>>

/** The default fallback code of a status: the table's, else 1 ParameterError below 500 and 4 ProcessingFailed from 500. */
export function defaultFallbackCode(status: number): number {
  return TABLE[status] ?? (status < 500 ? 1 : 4)
}

/** The value if it is an error status (an integer from 400 to 599), else `undefined`. */
export function validStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
    ? value
    : undefined
}
