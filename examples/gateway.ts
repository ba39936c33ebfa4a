/**
 * A service in front of the e-signature platform: it uploads documents, places signing fields, hands out
 * signing links, reads the platform's callbacks and acts on the state `signingStatus()` reads, never on the
 * callback's body, all through `esign-errors/platform`. Every
 * platform error, timeout or tampered answer reaches `errorHandler()` as a SignError with the right status.
 *
 * Run with `npx tsx examples/gateway.ts` (port PORT, default 3001). It starts the fake platform of
 * `esign-errors/testing` in the same process, so nothing else is needed.
 */
import { pathToFileURL } from 'node:url'
import { Codes, SignError, success } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/express'
import {
  callbackUrl,
  createPlatformClient,
  type DocumentState,
  openCallback,
  type PlatformClient,
  type SignField,
} from 'esign-errors/platform'
import { startFakePlatform } from 'esign-errors/testing'
import express, { type Express } from 'express'

/** What the gateway needs besides the client. */
export interface GatewayOptions {
  /** The key callback URLs are signed with: the API secret, or a key of the service's own. */
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
  // Each callUrl is signed for its contract, with an expiry: nothing shows the platform signing callbacks.
  const callUrlFor = (contractnum: string) =>
    callbackUrl(`${options.publicUrl}/platform-callback`, contractnum, { secret: options.apiSecret })

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

  // What the platform POSTs to callUrl, in whatever encoding: the signed URL names the contract, and a
  // callback that is unsigned, tampered, expired or about another contract is refused (403).
  app.post(
    '/platform-callback',
    express.urlencoded(),
    express.raw({ type: 'multipart/form-data' }),
    async (req, res) => {
      const { contractnum } = await openCallback(
        { url: req.originalUrl, body: req.body, contentType: req.get('content-type') },
        { secret: options.apiSecret },
      )
      // The state to act on is read from the platform, never from the callback: callbacks repeat and cross.
      const { state } = await platform.signingStatus(contractnum)
      events.push({ contractnum, state })
      res.status(204).end()
    },
  )

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
  const fake = await startFakePlatform()
  const platform = createPlatformClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    timeoutMs: 5000,
  })
  const { app } = createGateway(platform, { apiSecret: fake.apiSecret, publicUrl: base })
  // Express 5 hands a listen error (EADDRINUSE, EACCES) to this callback instead of throwing it.
  const server = app.listen(port, '127.0.0.1', (error?: Error) => {
    if (error) {
      console.error(`gateway: cannot listen on port ${port}: ${error.message}. Set PORT to a free port.`)
      void fake.close().finally(() => process.exit(1))
      return
    }
    console.log(`gateway on ${base}, fake platform on ${fake.baseUrl}`)
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
