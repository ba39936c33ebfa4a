/**
 * The platform's envelope on the fake's side (PROTOCOL.md §2-§3), written with node:crypto alone and none
 * of this package's own code, so that tests of the client check it against an independent implementation.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** How the three parameters came: in the query, a urlencoded form or multipart. */
export type Transport = 'query' | 'form' | 'multipart' | 'none'

/** What a request carried: its parameters and, for multipart, the file part. */
export interface ReadParams {
  transport: Transport
  /** Every parameter and form field as received (a file part as `<N bytes>`). */
  params: Record<string, string>
  /** The file part of a multipart body, and the field it came in. */
  file?: { field: string; bytes: Buffer }
}

// Far above any document a test uploads; a client bug that streams forever ends here.
const MAX_REQUEST_BYTES = 64 * 1024 * 1024

/** AES-256 key: the raw SHA-256 of the secret's UTF-8 bytes. */
function keyOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}

/** `data`: JSON, UTF-8, AES-256-ECB with PKCS#7, lower-case hex. */
export function encrypt(value: unknown, secret: string): string {
  const cipher = createCipheriv('aes-256-ecb', keyOf(secret), null)
  return Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]).toString('hex')
}

/** The JSON value inside a `data`; throws when it does not decrypt or parse. */
export function decrypt(hex: string, secret: string): unknown {
  const decipher = createDecipheriv('aes-256-ecb', keyOf(secret), null)
  const plain = Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()])
  return JSON.parse(plain.toString('utf8'))
}

/** `mac`: lower-case hex SHA-256 of `data + secret` (plain SHA-256, not HMAC). */
export function mac(data: string, secret: string): string {
  return createHash('sha256')
    .update(data + secret, 'utf8')
    .digest('hex')
}

/** Writes a whole answer with its length. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  })
  res.end(body)
}

/**
 * The platform's answer: HTTP 200 and `{ result, message }`, with `data` and `mac` when there is a payload.
 * `tamper` flips the last digit of the `mac`.
 */
export function answer(
  res: ServerResponse,
  secret: string,
  result: number,
  message: string,
  payload?: unknown,
  tamper = false,
): void {
  if (payload === undefined) {
    send(res, 200, JSON.stringify({ result, message }))
    return
  }
  const data = encrypt(payload, secret)
  let sum = mac(data, secret)
  if (tamper) sum = `${sum.slice(0, -1)}${sum.endsWith('0') ? '1' : '0'}`
  send(res, 200, JSON.stringify({ result, message, data, mac: sum }))
}

/** Reads the body whole; an over-long one is refused by closing the connection. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of req) {
    length += (chunk as Buffer).length
    if (length > MAX_REQUEST_BYTES) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The parameters of a call, from the query and a urlencoded or multipart body, as the platform reads them. */
export async function readParams(req: IncomingMessage, url: URL): Promise<ReadParams> {
  const body = await readBody(req)
  const type = req.headers['content-type'] ?? ''
  const params: Record<string, string> = Object.fromEntries(url.searchParams)
  if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))))
    return { transport: 'form', params }
  }
  if (body.length > 0 && type.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData()
    let file: ReadParams['file']
    for (const [key, value] of form) {
      if (typeof value === 'string') params[key] = value
      else {
        file = { field: key, bytes: Buffer.from(await value.arrayBuffer()) }
        params[key] = `<${file.bytes.length} bytes>`
      }
    }
    return file === undefined ? { transport: 'multipart', params } : { transport: 'multipart', params, file }
  }
  return { transport: url.search !== '' ? 'query' : 'none', params }
}
