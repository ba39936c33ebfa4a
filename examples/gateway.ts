/**
 * A service in front of the e-signature platform: it uploads documents, places signing fields, hands out
 * signing links, reads the platform's callbacks and acts on the state `signingStatus()` reads, never on the
 * callback's body, all through `esign-errors/platform`. Every
 * platform error, timeout or tampered answer reaches `errorHandler()` as a SignError with the right status.
 *
 * Run with `npx tsx examples/gateway.ts` (port PORT, default 3001). It starts a fake platform that speaks
 * the real protocol in the same process (examples/fake-platform.ts), so nothing else is needed.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { Codes, SignError, success } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/express'
import {
  createPlatformClient,
  type DocumentState,
  openCallback,
  type PlatformClient,
  type SignField,
} from 'esign-errors/platform'
import express, { type Express } from 'express'
import { DEMO_API_KEY, DEMO_API_SECRET, startPlatform } from './fake-platform.js'

/** What the gateway needs besides the client. */
export interface GatewayOptions {
  /** The API secret, to verify callbacks. */
  apiSecret: string
  /** Where the platform can reach this service, for `callUrl`. */
  publicUrl: string
}

/** A callback the gateway acted on, with the state `signingStatus()` read for it. */
export interface SigningEvent {
  contractnum: string
  state: DocumentState
}

/** The gateway's Express app; `events` lists what its callback route acted on. */
export function createGateway(
  platform: PlatformClient,
  options: GatewayOptions,
): { app: Express; events: SigningEvent[] } {
  const app = express()
  app.disable('x-powered-by')
  app.use(express.json())
  const events: SigningEvent[] = []
  // An unguessable token per document in its callUrl (PROTOCOL §7 b): a callback without it is not ours.
  const callbackTokens = new Map<string, string>()

  function callUrlFor(contractnum: string): string {
    let token = callbackTokens.get(contractnum)
    if (token === undefined) {
      token = randomBytes(16).toString('hex')
      callbackTokens.set(contractnum, token)
    }
    return `${options.publicUrl}/platform-callback?contractnum=${contractnum}&token=${token}`
  }

  // Body: the PDF itself. Query: name, signer (e-mail).
  app.post('/documents', express.raw({ type: 'application/pdf', limit: '10mb' }), async (req, res) => {
    const signer = typeof req.query.signer === 'string' ? req.query.signer : ''
    if (!Buffer.isBuffer(req.body) || req.body.length === 0 || signer === '') {
      throw new SignError(Codes.ParameterError, { message: 'send a PDF body and ?signer=<email>' })
    }
    const { contractnum } = await platform.uploadDocument({
      file: req.body,
      type: 'pdf',
      contractInfo: {
        contractname: typeof req.query.name === 'string' ? req.query.name : 'Untitled',
        signerinfo: [{ email: signer, name: signer }],
      },
    })
    res.status(201).json(success({ contractnum }))
  })

  // Where the document stands, as contract/list shows it; a document no list shows is 404, code 41.
  app.get('/documents/:contractnum', async (req, res) => {
    const { state, signers } = await platform.signingStatus(req.params.contractnum)
    if (state === 'unknown') throw new SignError(Codes.DocumentNotFound)
    res.json(success({ state, signers: signers.map((signer) => signer.state) }))
  })

  app.get('/documents/:contractnum/file', async (req, res) => {
    const bytes = await platform.downloadContract(req.params.contractnum)
    res.type('application/pdf').send(Buffer.from(bytes))
  })

  app.get('/documents/:contractnum/zip', async (req, res) => {
    const bytes = await platform.downloadZip(req.params.contractnum)
    res.type('application/zip').send(Buffer.from(bytes))
  })

  // Where a signer signs. Body: { email, signset: [{ pageindex, top, left, fieldtype }] }.
  app.post('/documents/:contractnum/coordinates', async (req, res) => {
    const { email, signset } = (req.body ?? {}) as { email?: unknown; signset?: unknown }
    if (typeof email !== 'string' || !Array.isArray(signset)) {
      throw new SignError(Codes.ParameterError, { message: 'send { email, signset: [...] }' })
    }
    await platform.setCoordinates({
      contractnum: req.params.contractnum,
      signerinfo: [{ email, signset: signset as SignField[] }],
    })
    res.status(204).end()
  })

  // A signer with 2FA gets a code by SMS; /sign then takes it as verifycode. Body: { email, phonesn? }.
  app.post('/documents/:contractnum/auth-code', async (req, res) => {
    const { email, phonesn } = (req.body ?? {}) as { email?: unknown; phonesn?: unknown }
    if (typeof email !== 'string') throw new SignError(Codes.ParameterError, { message: 'email is required' })
    const signer = typeof phonesn === 'string' ? { email, phonesn } : { email }
    await platform.sendAuthCode({ contractnum: req.params.contractnum, signer })
    res.status(202).json(success(null))
  })

  // The signing page for one signer; the platform will POST to our callback when the document changes.
  app.post('/documents/:contractnum/signing-url', async (req, res) => {
    const { contractnum } = req.params
    const email = (req.body as { email?: unknown } | undefined)?.email
    if (typeof email !== 'string') throw new SignError(Codes.ParameterError, { message: 'email is required' })
    const { url } = await platform.manualSigningUrl({
      contractnum,
      signerInfo: { email },
      callUrl: callUrlFor(contractnum),
    })
    res.json(success({ url }))
  })

  // Signing with a key the platform holds (no signer in the loop): handy to see the callback arrive.
  app.post('/documents/:contractnum/sign', async (req, res) => {
    const { contractnum } = req.params
    const { email, verifycode } = (req.body ?? {}) as { email?: unknown; verifycode?: unknown }
    if (typeof email !== 'string') throw new SignError(Codes.ParameterError, { message: 'email is required' })
    await platform.signAutomatically({
      contractnum,
      signerInfo: {
        email,
        signkeyword: 'Signature',
        ...(typeof verifycode === 'string' ? { verifycode } : {}),
      },
      callUrl: callUrlFor(contractnum),
    })
    res.status(202).json(success(null))
  })

  // What the platform POSTs to callUrl: verified if it carries data + mac (a bad mac is a 400, code 2),
  // then the state to act on is read with signingStatus(), as PROTOCOL §7 advises.
  app.post('/platform-callback', express.text({ type: '*/*' }), async (req, res) => {
    const content = openCallback(req.body, { apiSecret: options.apiSecret })
    const sent = content.verified ? (content.data as Record<string, unknown>) : content.fields
    const contractnum = typeof sent.contractnum === 'string' ? sent.contractnum : req.query.contractnum
    const expected = typeof contractnum === 'string' ? callbackTokens.get(contractnum) : undefined
    const given = typeof req.query.token === 'string' ? req.query.token : ''
    if (
      typeof contractnum !== 'string' ||
      expected === undefined ||
      given.length !== expected.length ||
      !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
    ) {
      throw new SignError(Codes.IllegalOperation, { status: 403 })
    }
    // The state to act on is read from the platform, never from the callback: callbacks repeat and cross.
    const { state } = await platform.signingStatus(contractnum)
    events.push({ contractnum, state })
    res.status(204).end()
  })

  app.get('/events', (_req, res) => {
    res.json(success(events))
  })

  app.use(notFound())
  app.use(errorHandler())
  return { app, events }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3001)
  const base = `http://127.0.0.1:${port}`
  const fake = await startPlatform()
  const platform = createPlatformClient({
    baseUrl: fake.url,
    apiKey: DEMO_API_KEY,
    apiSecret: DEMO_API_SECRET,
    timeoutMs: 5000,
  })
  const { app } = createGateway(platform, { apiSecret: DEMO_API_SECRET, publicUrl: base })
  // Express 5 hands a listen error (EADDRINUSE, EACCES) to this callback instead of throwing it.
  const server = app.listen(port, '127.0.0.1', (error?: Error) => {
    if (error) {
      console.error(`gateway: cannot listen on port ${port}: ${error.message}. Set PORT to a free port.`)
      void fake.close().finally(() => process.exit(1))
      return
    }
    console.log(`gateway on ${base}, fake platform on ${fake.url}`)
    console.log(
      `  curl -s -X POST '${base}/documents?name=Lease&signer=a@example.com' -H 'content-type: application/pdf' --data-binary '%PDF-1.4 demo'`,
    )
    console.log(
      `  curl -s -X POST ${base}/documents/<contractnum>/coordinates -H 'content-type: application/json' -d '{"email":"a@example.com","signset":[{"pageindex":1,"top":700,"left":120,"fieldtype":"sign"}]}'`,
    )
    console.log(`  curl -s ${base}/documents/<contractnum>                 # its state`)
    console.log(
      `  curl -s -X POST ${base}/documents/<contractnum>/signing-url -H 'content-type: application/json' -d '{"email":"a@example.com"}'`,
    )
    console.log(
      `  curl -s -X POST ${base}/documents/<contractnum>/sign -H 'content-type: application/json' -d '{"email":"a@example.com"}'`,
    )
    console.log(`  curl -s ${base}/documents/<contractnum>/zip -o signed.zip`)
    console.log(`  curl -s ${base}/events                                   # callbacks acted on`)
    console.log(`  curl -i ${base}/documents/NO-SUCH-DOCUMENT                # 404, code 41`)
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close()
      void fake.close()
    })
  }
}
