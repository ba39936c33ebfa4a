/**
 * A stand-in for the e-signature platform that speaks its real protocol (PROTOCOL.md): an access token from
 * `GET accesstoken?client_id=`, `accesstoken` / `data` / `mac` in the query, a urlencoded form or multipart,
 * AES-256-ECB `data` under SHA-256 of the secret, `mac` = SHA-256(data + secret), and answers
 * `{ result, message, data, mac }` with business errors inside HTTP 200.
 *
 * Its crypto is written here with node:crypto alone, not with this package, so that tests of the client
 * check it against an independent implementation. Faults can be injected: expired tokens, busy answers with
 * `Retry-After`, tampered MACs, slow and huge bodies.
 *
 * Run alone with `npx tsx examples/fake-platform.ts` (port PLATFORM_PORT, default 3002), or start it from
 * another process with `startPlatform()`, as examples/gateway.ts does.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

/** The integration the fake platform knows, unless told otherwise. */
export const DEMO_API_KEY = 'DEMO0000000000000KEY'
/** Its secret: in real life 40 hex characters from the platform's console, kept out of the code. */
export const DEMO_API_SECRET = 'DEMO000000000000000000000000000000SECRET'

/** A fault to answer with instead of the real answer. */
export type Fault =
  | { kind: 'busy'; retryAfter?: string; httpStatus?: number }
  | { kind: 'tamper' }
  | { kind: 'expired' }
  | { kind: 'invalid-token'; echoToken?: boolean }
  | { kind: 'result'; result: number; message?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'huge'; bytes: number }
  | { kind: 'bad-data' }

/** Where a fault applies: the next `times` calls (default 1) of `path` (default every path but the token). */
export interface Injection {
  path?: string
  times?: number
  fault: Fault
}

/** One call the fake platform received. */
export interface Received {
  method: string
  path: string
  /** How the three parameters came: in the query, a urlencoded form or multipart. */
  transport: 'query' | 'form' | 'multipart' | 'none'
  /** Every parameter and form field as received (the file part as its size). */
  params: Record<string, string>
  /** The decrypted payload, when `data` verified. */
  payload?: unknown
  at: number
}

/** Options of {@link startPlatform}. */
export interface PlatformOptions {
  port?: number
  apiKey?: string
  apiSecret?: string
  /** Lifetime of a token; later calls with it answer 6. Default 30 minutes. */
  tokenTtlMs?: number
}

/** A running fake platform. */
export interface FakePlatform {
  /** The base URL to give the client, ending in `/signserver/v1/`. */
  url: string
  /** Every call received, token requests included, in order. */
  received: Received[]
  /** How many token requests were received. */
  tokenRequests(): number
  /** Tokens issued so far. */
  tokens(): string[]
  /** Answers the next matching calls with a fault. */
  inject(injection: Injection): void
  /** Makes every token issued so far expired (result 6). */
  expireTokens(): void
  /** Changes the lifetime of tokens issued from now on. */
  setTokenTtl(ms: number): void
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>
}

interface Document {
  contractnum: string
  docid: number
  contractname: string
  type: string
  bytes: Buffer
  signers: { email: string; name?: string; signstate: number }[]
  state: number
  createtime: string
  callUrl?: string
}

const BASE = '/signserver/v1/'

// The protocol, from PROTOCOL.md §3, on node:crypto alone.
function keyOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}
function encrypt(value: unknown, secret: string): string {
  const cipher = createCipheriv('aes-256-ecb', keyOf(secret), null)
  return Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]).toString('hex')
}
function decrypt(hex: string, secret: string): unknown {
  const decipher = createDecipheriv('aes-256-ecb', keyOf(secret), null)
  return JSON.parse(
    Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()]).toString('utf8'),
  )
}
function mac(data: string, secret: string): string {
  return createHash('sha256')
    .update(data + secret, 'utf8')
    .digest('hex')
}

/** Starts the fake platform on 127.0.0.1 (port 0 picks a free one). */
export async function startPlatform(options: PlatformOptions = {}): Promise<FakePlatform> {
  const apiKey = options.apiKey ?? DEMO_API_KEY
  const apiSecret = options.apiSecret ?? DEMO_API_SECRET
  let tokenTtlMs = options.tokenTtlMs ?? 30 * 60 * 1000
  const issued = new Map<string, number>() // token -> expiry
  const injections: Required<Injection>[] = []
  const received: Received[] = []
  const documents = new Map<string, Document>()
  const users = new Map<string, Record<string, unknown>>()
  let docid = 89_000
  let origin = ''

  function takeFault(path: string): Fault | undefined {
    const index = injections.findIndex((injection) =>
      injection.path === '*' ? path !== 'accesstoken' : injection.path === path,
    )
    if (index === -1) return undefined
    const injection = injections[index]!
    injection.times -= 1
    if (injection.times <= 0) injections.splice(index, 1)
    return injection.fault
  }

  function send(
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

  function answer(
    res: ServerResponse,
    result: number,
    message: string,
    payload?: unknown,
    tamper = false,
  ): void {
    if (payload === undefined) {
      send(res, 200, JSON.stringify({ result, message }))
      return
    }
    const data = encrypt(payload, apiSecret)
    let sum = mac(data, apiSecret)
    if (tamper) sum = `${sum.slice(0, -1)}${sum.endsWith('0') ? '1' : '0'}`
    send(res, 200, JSON.stringify({ result, message, data, mac: sum }))
  }

  async function readParams(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ transport: Received['transport']; params: Record<string, string>; file?: Buffer }> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const type = req.headers['content-type'] ?? ''
    const params: Record<string, string> = Object.fromEntries(url.searchParams)
    if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))))
      return { transport: 'form', params }
    }
    if (body.length > 0 && type.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': type } }).formData()
      let file: Buffer | undefined
      for (const [key, value] of form) {
        if (typeof value === 'string') params[key] = value
        else {
          file = Buffer.from(await value.arrayBuffer())
          params[key] = `<${file.length} bytes>`
        }
      }
      return file === undefined
        ? { transport: 'multipart', params }
        : { transport: 'multipart', params, file }
    }
    return { transport: url.searchParams.has('accesstoken') || url.search !== '' ? 'query' : 'none', params }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://platform')
    if (!url.pathname.startsWith(BASE)) return send(res, 404, '')
    const path = url.pathname.slice(BASE.length)
    const method = req.method ?? 'GET'
    const { transport, params, file } = await readParams(req, url)
    const record: Received = { method, path, transport, params, at: Date.now() }
    received.push(record)

    const fault = takeFault(path)
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms))
    if (fault?.kind === 'huge') return streamHuge(res, fault.bytes)
    if (fault?.kind === 'busy') {
      const headers: Record<string, string> =
        fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }
      return send(
        res,
        fault.httpStatus ?? 200,
        JSON.stringify({ result: 89, message: 'The system is busy' }),
        headers,
      )
    }
    if (fault?.kind === 'result') return answer(res, fault.result, fault.message ?? 'Injected')

    if (method === 'GET' && path === 'accesstoken') {
      if (params.client_id !== apiKey) return answer(res, 53, 'Integration key does not exist')
      const at = randomUUID()
      issued.set(at, Date.now() + tokenTtlMs)
      return answer(res, 0, 'Success', { at }, fault?.kind === 'tamper')
    }

    const token = params.accesstoken ?? ''
    const expiry = issued.get(token)
    if (expiry === undefined || fault?.kind === 'invalid-token') {
      // Some platforms echo what they refused; the client must keep it out of its errors.
      const echo = fault?.kind === 'invalid-token' && fault.echoToken ? `: ${token}` : ''
      return answer(res, 5, `Invalid access token${echo}`)
    }
    if (Date.now() >= expiry || fault?.kind === 'expired') return answer(res, 6, 'Access token has expired')

    let payload: unknown
    if (params.data !== undefined || params.mac !== undefined) {
      if (params.data === undefined || params.mac !== mac(params.data, apiSecret))
        return answer(res, 2, 'MAC mismatch')
      try {
        payload = decrypt(params.data, apiSecret)
      } catch {
        return answer(res, 3, 'Data format error')
      }
      record.payload = payload
    }
    const p = (payload ?? {}) as Record<string, unknown>
    const tamper = fault?.kind === 'tamper'
    if (fault?.kind === 'bad-data') {
      // A MAC that verifies over data that is no ciphertext: a platform bug, or a secret rotated midway.
      const data = randomBytes(16).toString('hex')
      return send(
        res,
        200,
        JSON.stringify({ result: 0, message: 'Success', data, mac: mac(data, apiSecret) }),
      )
    }

    const route = `${method} ${path}`
    switch (route) {
      case 'GET account/infomation':
        return answer(
          res,
          0,
          'Success',
          { email: 'integration@example.com', company: 'Example Sdn Bhd', quota: 100 },
          tamper,
        )
      case 'POST contract/file': {
        const info = (p.contractInfo ?? {}) as Record<string, unknown>
        if (file === undefined || typeof p.uploadFileHash !== 'string')
          return answer(res, 1, 'Parameter error')
        if (p.uploadFileHash !== createHash('sha256').update(file).digest('hex')) {
          return answer(res, 72, 'Data length mismatch')
        }
        const signers = Array.isArray(info.signerinfo)
          ? (info.signerinfo as { email: string; name?: string }[])
          : []
        const contractnum = randomBytes(16).toString('hex').toUpperCase()
        docid += 1
        documents.set(contractnum, {
          contractnum,
          docid,
          contractname: String(info.contractname ?? 'Untitled'),
          type: String(p.type ?? 'pdf'),
          bytes: file,
          signers: signers.map((signer) => ({
            email: signer.email,
            ...(signer.name ? { name: signer.name } : {}),
            signstate: 0,
          })),
          state: 1,
          createtime: new Date().toISOString().slice(0, 19).replace('T', ' '),
        })
        return answer(res, 0, 'Success', { docid, contractnum }, tamper)
      }
      case 'GET contract/list': {
        const state =
          typeof p.contractState === 'number' && p.contractState !== -1 ? p.contractState : undefined
        const all = [...documents.values()].filter((doc) => state === undefined || doc.state === state)
        const start = Number(p.startIndex ?? 0)
        const page = all.slice(start, start + Number(p.pageSize ?? 50))
        return answer(
          res,
          0,
          'Success',
          {
            contractList: page.map((doc) => ({
              contractnumber: doc.contractnum,
              createtime: doc.createtime,
              addressee: doc.signers.map((signer) => ({
                idcardnum: '',
                signstate: signer.signstate,
                authtype: 0,
              })),
              contractlog: [
                {
                  logtype: 0,
                  description: `Document [${doc.contractname}] added`,
                  logtime: doc.createtime,
                  operator: 'integration@example.com',
                },
              ],
            })),
            contractCnt: page.length,
            contractTotal: all.length,
          },
          tamper,
        )
      }
      case 'DELETE contract/list': {
        if (!documents.delete(String(p.contractnum))) return answer(res, 41, 'Document does not exist')
        return answer(res, 0, 'Success')
      }
      case 'GET contract/details': {
        const doc = documents.get(String(p.contractnum))
        if (!doc) return answer(res, 41, 'Document does not exist')
        return answer(
          res,
          0,
          'Success',
          {
            contractDetails: {
              contractnum: doc.contractnum,
              contractname: doc.contractname,
              contractState: doc.state,
              signers: doc.signers,
              previewurl: `${origin}/signserver/sdkApiserver.action/contractInfo!toViewPage.action?code=${randomBytes(8).toString('hex').toUpperCase()}`,
            },
          },
          tamper,
        )
      }
      case 'GET contract/file': {
        const doc = documents.get(String(p.contractnum))
        if (!doc) return answer(res, 41, 'Document does not exist')
        return answer(res, 0, 'Success', { pdfdata: doc.bytes.toString('hex') }, tamper)
      }
      case 'POST contract/signature/manual': {
        const doc = documents.get(String(p.contractnum))
        if (!doc) return answer(res, 41, 'Document does not exist')
        if (typeof p.callUrl === 'string') doc.callUrl = p.callUrl
        const accesscode = randomBytes(24).toString('hex').toUpperCase()
        return answer(
          res,
          0,
          'Success',
          { url: `${origin}/signserver/usersign!toIntegratorSign.action?accesscode=${accesscode}&ispc=true` },
          tamper,
        )
      }
      case 'POST contract/signature/automatic': {
        const doc = documents.get(String(p.contractnum))
        if (!doc) return answer(res, 41, 'Document does not exist')
        const email = (p.signerInfo as { email?: string } | undefined)?.email
        const signer = doc.signers.find((candidate) => candidate.email === email)
        if (!signer) return answer(res, 1, 'Parameter error')
        signer.signstate = 1
        if (doc.signers.every((candidate) => candidate.signstate === 1)) doc.state = 4
        if (typeof p.callUrl === 'string') doc.callUrl = p.callUrl
        if (doc.callUrl) void notify(doc)
        return answer(res, 0, 'Success')
      }
      case 'POST contract/signature/verify': {
        if (file === undefined || p.verifyFileHash !== createHash('sha256').update(file).digest('hex')) {
          return answer(res, 1, 'Parameter error')
        }
        const doc = [...documents.values()].find((candidate) => candidate.bytes.equals(file))
        if (doc?.state !== 4) return answer(res, 91, 'Document validation failed')
        return answer(
          res,
          0,
          'Success',
          { contractnum: doc.contractnum, signatures: doc.signers.length },
          tamper,
        )
      }
      case 'POST account/addusers': {
        for (const user of (p.users ?? []) as Record<string, unknown>[]) users.set(String(user.email), user)
        return answer(res, 0, 'Success')
      }
      case 'POST account/queryusers': {
        const email = (p.q as { email?: string } | undefined)?.email
        const user = email === undefined ? undefined : users.get(email)
        return answer(
          res,
          0,
          'Success',
          { users: user ? { [String(email)]: { email, roletype: user.roletype ?? '1' } } : {} },
          tamper,
        )
      }
      default:
        return send(res, 404, '')
    }
  }

  // What the platform POSTs to a callUrl is not documented; this one sends data + mac as a form.
  async function notify(doc: Document): Promise<void> {
    const data = encrypt({ contractnum: doc.contractnum, contractState: doc.state }, apiSecret)
    await fetch(doc.callUrl!, {
      method: 'POST',
      body: new URLSearchParams({ data, mac: mac(data, apiSecret) }),
    }).catch(() => {})
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}${BASE}`,
    received,
    tokenRequests: () => received.filter((call) => call.path === 'accesstoken').length,
    tokens: () => [...issued.keys()],
    inject: (injection) =>
      injections.push({ path: injection.path ?? '*', times: injection.times ?? 1, fault: injection.fault }),
    expireTokens: () => {
      for (const token of issued.keys()) issued.set(token, 0)
    },
    setTokenTtl: (ms) => {
      tokenTtlMs = ms
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

// A body far past any sane maxBytes, written with backpressure until the client goes away.
async function streamHuge(res: ServerResponse, bytes: number): Promise<void> {
  let closed = false
  res.once('close', () => {
    closed = true
  })
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"result":0,"message":"Success","data":"')
  const chunk = Buffer.alloc(64 * 1024, 'a')
  for (let written = 0; written < bytes && !closed; written += chunk.length) {
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve))
  }
  if (!closed) res.end('"}')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const platform = await startPlatform({ port: Number(process.env.PLATFORM_PORT ?? 3002) })
  console.log(`fake platform on ${platform.url}`)
  console.log(`  api key ${DEMO_API_KEY}; secret in examples/fake-platform.ts`)
  console.log(`  curl -s '${platform.url}accesstoken?client_id=${DEMO_API_KEY}'`)
}
