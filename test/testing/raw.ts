/**
 * A client of the fake platform written from PROTOCOL.md alone, with node:crypto and fetch: the tests of
 * the fake check it against this, not against the package's own client.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto'
import type { FakePlatform } from 'esign-errors/testing'

const keyOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest()

export function seal(value: unknown, secret: string): { data: string; mac: string } {
  const cipher = createCipheriv('aes-256-ecb', keyOf(secret), null)
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]).toString('hex')
  return { data, mac: createHash('sha256').update(`${data}${secret}`).digest('hex') }
}

export function open(data: string, secret: string): unknown {
  const decipher = createDecipheriv('aes-256-ecb', keyOf(secret), null)
  return JSON.parse(
    Buffer.concat([decipher.update(Buffer.from(data, 'hex')), decipher.final()]).toString('utf8'),
  )
}

/** An answer as it came, and its payload opened when its `mac` verified. */
export interface RawAnswer {
  status: number
  headers: Headers
  body: { result: number; message: string; data?: string; mac?: string }
  payload?: unknown
  macVerifies?: boolean
}

/** Calls the fake: GET/DELETE in the query, POST as a form, or multipart with `file`. */
export async function call(
  fake: FakePlatform,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  payload?: unknown,
  file?: { field: string; bytes: Uint8Array },
): Promise<RawAnswer> {
  const token = await tokenOf(fake)
  const params: Record<string, string> = { accesstoken: token }
  if (payload !== undefined) Object.assign(params, seal(payload, fake.apiSecret))
  const url = new URL(path, fake.baseUrl)
  let init: RequestInit = { method }
  if (method !== 'POST') url.search = new URLSearchParams(params).toString()
  else if (file === undefined) init = { method, body: new URLSearchParams(params) }
  else {
    const form = new FormData()
    for (const [key, value] of Object.entries(params)) form.set(key, value)
    form.set(file.field, new Blob([file.bytes], { type: 'application/pdf' }), 'document.pdf')
    init = { method, body: form }
  }
  return read(await fetch(url, init), fake.apiSecret)
}

const tokens = new WeakMap<FakePlatform, string>()

export async function tokenOf(fake: FakePlatform): Promise<string> {
  const known = tokens.get(fake)
  if (known !== undefined) return known
  const answer = await read(
    await fetch(new URL(`accesstoken?client_id=${fake.apiKey}`, fake.baseUrl)),
    fake.apiSecret,
  )
  const { at } = answer.payload as { at: string }
  tokens.set(fake, at)
  return at
}

export async function read(response: Response, secret: string): Promise<RawAnswer> {
  const body = (await response.json()) as RawAnswer['body']
  const answer: RawAnswer = { status: response.status, headers: response.headers, body }
  if (typeof body.data === 'string') {
    answer.macVerifies = createHash('sha256').update(`${body.data}${secret}`).digest('hex') === body.mac
    if (answer.macVerifies) answer.payload = open(body.data, secret)
  }
  return answer
}

/** Uploads a document for the signers and returns its contract number. */
export async function upload(
  fake: FakePlatform,
  bytes: Uint8Array,
  signers: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const answer = await call(
    fake,
    'POST',
    'contract/file',
    {
      contractInfo: {
        contractnum: '',
        contractname: 'Lease',
        signernum: signers.length,
        signerinfo: signers,
      },
      uploadFileHash: createHash('sha256').update(bytes).digest('hex'),
      type: 'pdf',
      ...extra,
    },
    { field: 'uploadFile', bytes },
  )
  return (answer.payload as { contractnum: string }).contractnum
}
