import { Codes } from '../codes.js'
import { SignError } from '../sign-error.js'
import { own, UpstreamError } from '../upstream.js'
import { checkSecret, decryptVerified, verifyMac } from './envelope.js'

/** Options of {@link openCallback}. */
export interface OpenCallbackOptions {
  /** The integration's API secret, the one the `callUrl` was registered with. */
  apiSecret: string
}

/**
 * What the platform POSTed to a `callUrl`. Either `data` + `mac` that verified, decrypted (`verified: true`),
 * or a body without them (`verified: false`): a hint that something changed, to confirm with
 * `contractDetails()` before acting on it.
 */
export type CallbackContent =
  | { verified: true; data: unknown }
  | { verified: false; fields: Record<string, unknown> }

/**
 * Reads what the platform POSTs to a `callUrl`. Its format is not documented (PROTOCOL §7, §10.4), so
 * every shape seen in integrations is accepted: a urlencoded form or JSON, as text, bytes,
 * `URLSearchParams` or an object a body parser already made.
 *
 * - `data` and `mac` both present: the MAC is checked in constant time, then `data` decrypted. A MAC that
 *   does not verify throws a {@link SignError} with code 2 (MacMismatch) and status 400; a `data` that
 *   does not decrypt, code 3 and status 400. The sender is answered 400, nothing is acted on.
 * - only one of them: code 2, 400, since nothing can be verified.
 * - neither: the fields, marked `verified: false`.
 *
 * Either way, confirm the document's state with `contractDetails()` before acting: a verified callback
 * proves who sent it, not that it is the latest news.
 *
 * @example
 * app.post('/signing-callback', express.text({ type: '*\/*' }), async (req, res) => {
 *   const content = openCallback(req.body, { apiSecret })
 *   const contractnum = findContractnum(content)
 *   const { contractDetails } = await platform.contractDetails(contractnum) // the state to act on
 *   res.sendStatus(204)
 * })
 */
export function openCallback(body: unknown, options: OpenCallbackOptions): CallbackContent {
  checkSecret('openCallback', options?.apiSecret)
  const fields = readFields(body)
  const data = own(fields, 'data')
  const mac = own(fields, 'mac')
  if (data === undefined && mac === undefined) return { verified: false, fields }
  const refuse = (code: number, why: string) =>
    new SignError(code, { status: 400, cause: new UpstreamError(`callback ${why}`) })
  if (typeof data !== 'string' || data === '' || typeof mac !== 'string') {
    throw refuse(Codes.MacMismatch, 'has data or mac without the other')
  }
  if (!verifyMac(data, mac, options.apiSecret)) throw refuse(Codes.MacMismatch, 'mac does not verify')
  const payload = decryptVerified(data, options.apiSecret, (why) => refuse(Codes.DataFormatError, why))
  return { verified: true, data: payload }
}

/** The body's fields as a plain object of own properties; a body that is neither form nor JSON is 400. */
function readFields(body: unknown): Record<string, unknown> {
  let value = body
  if (value instanceof Uint8Array)
    value = Buffer.from(value.buffer, value.byteOffset, value.length).toString('utf8')
  if (typeof value === 'string') {
    const text = value.replace(/^\uFEFF/, '').trim()
    if (text.startsWith('{')) {
      try {
        value = JSON.parse(text)
      } catch {
        // The parse error quotes the body: only the reason is kept.
        throw new SignError(Codes.DataFormatError, {
          status: 400,
          cause: new UpstreamError('callback body is neither a form nor JSON'),
        })
      }
    } else {
      value = new URLSearchParams(text)
    }
  }
  if (value instanceof URLSearchParams) return Object.fromEntries(value)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SignError(Codes.DataFormatError, {
      status: 400,
      cause: new UpstreamError('callback body is neither a form nor JSON'),
    })
  }
  // Own enumerable properties only, copied: a parsed "__proto__" stays a field and touches no prototype.
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    Object.defineProperty(fields, key, {
      value: own(value, key),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return fields
}
