/**
 * The endpoints under `/signserver/v1/`, answering only fields the vendor's material shows (PROTOCOL.md §5,
 * §9; the repository's docs/protocol.md). Where it shows no error for a case, the fake picks a code of the
 * catalog and says so in docs/testing.md.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import {
  type DocumentStore,
  type FakeDocument,
  type FakeSigner,
  listAnswer,
  readListQuery,
  signsetOf,
  timestamp,
} from './documents.js'
import { zip } from './zip.js'

/** A signing event the routes ask the server to carry out (state change, then the callback). */
export type SignEvent = (document: FakeDocument, signer: FakeSigner, event: 'signed' | 'refused') => void

/** What a route needs besides the request. */
export interface RouteContext {
  res: ServerResponse
  origin: string
  store: DocumentStore
  users: Map<string, Record<string, unknown>>
  /** Signing pages handed out: access code -> contract and signer. */
  pages: Map<string, { contractnum: string; email: string; backUrl?: string }>
  /** Writes `{ result, message }` and, with a payload, `data` + `mac`. */
  answer(result: number, message: string, payload?: unknown): void
  /** Signs or refuses once the answer has gone out, as a platform working after the call would. */
  later: SignEvent
}

type Payload = Record<string, unknown>

const record = (value: unknown): Payload =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Payload) : {}

const hexSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** The document and signer a signing call names, or the answer that refuses it. */
function signerOf(
  context: RouteContext,
  contractnum: unknown,
  email: unknown,
): [FakeDocument, FakeSigner] | undefined {
  const document = context.store.live(contractnum)
  if (document === undefined) {
    context.answer(41, 'Document does not exist')
    return undefined
  }
  const signer = document.signers.find((candidate) => candidate.email === email)
  if (signer === undefined) {
    context.answer(27, 'The recipient does not exist')
    return undefined
  }
  return [document, signer]
}

/** Refuses signing a document that is no longer in progress, or by a signer who already did. */
function refusesSigning(context: RouteContext, document: FakeDocument, signer: FakeSigner): boolean {
  if (document.state === 4) context.answer(96, 'Document has been completed')
  else if (document.state !== 1) context.answer(44, 'Illegal operation')
  else if (signer.signstate === 1) context.answer(78, 'This signatory has signed this document')
  else return false
  return true
}

/** `callUrl` at the top of the payload (JAVA, C#) or, as one Bruno comment has it, in `signerInfo`. */
function callUrlOf(payload: Payload): string | undefined {
  const url = payload.callUrl ?? record(payload.signerInfo).callUrl
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined
}

function upload(context: RouteContext, p: Payload, file: { field: string; bytes: Buffer } | undefined) {
  const info = record(p.contractInfo)
  const signers = Array.isArray(info.signerinfo) ? info.signerinfo.map(record) : []
  if (file?.field !== 'uploadFile' || typeof p.uploadFileHash !== 'string' || typeof p.type !== 'string') {
    return context.answer(1, 'Parameter error')
  }
  if (signers.length === 0 || signers.some((signer) => typeof signer.email !== 'string')) {
    return context.answer(1, 'Parameter error')
  }
  if (p.uploadFileHash.toLowerCase() !== hexSha256(file.bytes))
    return context.answer(72, 'Data length does not match')
  const document = context.store.add({
    contractname: typeof info.contractname === 'string' ? info.contractname : 'Untitled',
    type: p.type,
    bytes: file.bytes,
    signers: signers.map((signer) => ({
      email: signer.email as string,
      ...(typeof signer.name === 'string' ? { name: signer.name } : {}),
      ...(typeof signer.phonesn === 'string' ? { phonesn: signer.phonesn } : {}),
      ...(typeof signer.idcardnum === 'string' ? { idcardnum: signer.idcardnum } : {}),
      authtype: Number(signer.authtype ?? 0) === 1 ? 1 : 0,
    })),
  })
  // Per signer (PHP, Java, Bruno), or one top-level list (Postman) that goes to the first signer.
  signers.forEach((signer, index) => {
    const signset = signsetOf(signer.signset) ?? (index === 0 ? signsetOf(p.signset) : undefined)
    if (signset !== undefined) document.signers[index]!.signset = signset
  })
  // Bruno's saved answer: {"docid":89343,"contractnum":"85346F27E86CF44ABD8E8B7FEA93988F"}.
  context.answer(0, 'Success', { docid: document.docid, contractnum: document.contractnum })
}

function coordinate(context: RouteContext, p: Payload) {
  const info = record(p.contractInfo)
  const document = context.store.live(info.contractnum)
  if (document === undefined) return context.answer(41, 'Document does not exist')
  const rows = Array.isArray(info.signerinfo) ? info.signerinfo.map(record) : []
  if (rows.length === 0) return context.answer(1, 'Parameter error')
  const changes: [FakeSigner, unknown[]][] = []
  for (const row of rows) {
    const signer = document.signers.find((candidate) => candidate.email === row.email)
    if (signer === undefined) return context.answer(27, 'The recipient does not exist')
    const signset = signsetOf(row.signset)
    if (signset === undefined) return context.answer(1, 'Parameter error')
    changes.push([signer, signset])
  }
  for (const [signer, signset] of changes) signer.signset = signset
  context.answer(0, 'Success')
}

function manual(context: RouteContext, p: Payload) {
  const found = signerOf(context, p.contractnum, record(p.signerInfo).email)
  if (found === undefined) return
  const [document, signer] = found
  if (refusesSigning(context, document, signer)) return
  const callUrl = callUrlOf(p)
  if (callUrl !== undefined) signer.callUrl = document.callUrl = callUrl
  const accesscode = randomBytes(24).toString('hex').toUpperCase()
  context.pages.set(accesscode, {
    contractnum: document.contractnum,
    email: signer.email,
    ...(typeof p.backUrl === 'string' ? { backUrl: p.backUrl } : {}),
  })
  // The shape of DOCS sign-document-manually's "Expected Response".
  context.answer(0, 'Success', {
    url: `${context.origin}/signserver/usersign!toIntegratorSign.action?accesscode=${accesscode}&ispc=true`,
  })
}

function automatic(context: RouteContext, p: Payload) {
  const info = record(p.signerInfo)
  const found = signerOf(context, p.contractnum, info.email)
  if (found === undefined) return
  const [document, signer] = found
  if (refusesSigning(context, document, signer)) return
  if (signer.authtype === 1) {
    // SMS signers: the code contract/authcode sent, once (DOCS auto-sign-document, 2 factor authentication).
    if (signer.authcode === undefined || String(info.verifycode ?? '') !== signer.authcode) {
      return context.answer(35, 'SMS verification failed')
    }
    delete signer.authcode
  }
  const callUrl = callUrlOf(p)
  if (callUrl !== undefined) signer.callUrl = document.callUrl = callUrl
  context.answer(0, 'Success')
  context.later(document, signer, 'signed')
}

function authcode(context: RouteContext, p: Payload) {
  const found = signerOf(context, p.contractnum, record(p.signer).email)
  if (found === undefined) return
  const [document, signer] = found
  if (refusesSigning(context, document, signer)) return
  signer.authcode = String(randomInt(0, 1_000_000)).padStart(6, '0')
  context.answer(0, 'Success')
}

function download(context: RouteContext, p: Payload, asZip: boolean) {
  const document = context.store.live(p.contractnum)
  if (document === undefined) return context.answer(41, 'Document does not exist')
  const bytes = asZip
    ? zip([{ name: `${document.contractname}.${document.type}`, bytes: document.bytes }])
    : document.bytes
  // Both answer `pdfdata` (PHP DocumentDownload.php; Postman's zipfile note "after getting the pdfdata").
  context.answer(0, 'Success', { pdfdata: bytes.toString('hex') })
}

/** Answers one call whose token and `data` have been checked; false when no such endpoint exists. */
export function route(
  context: RouteContext,
  method: string,
  path: string,
  p: Payload,
  file: { field: string; bytes: Buffer } | undefined,
): boolean {
  switch (`${method} ${path}`) {
    case 'GET account/infomation':
      // The fields the vendor's Node sample reads from it (client/src/App.js: `info`, with `dsacnt`, `smscnt`,
      // `maxsigner`, `ekyccnt`, `diskspace`, typed by its initial state); their values are the fake's.
      context.answer(0, 'Success', {
        info: { dsacnt: '100', smscnt: 100, maxsigner: 10, ekyccnt: 100, diskspace: '1GB' },
      })
      return true
    case 'POST contract/file':
      upload(context, p, file)
      return true
    case 'GET contract/list': {
      const query = readListQuery(p)
      if (!query.ok) context.answer(1, 'Parameter error')
      else context.answer(0, 'Success', listAnswer(context.store.byNumber.values(), query))
      return true
    }
    case 'DELETE contract/list': {
      const document = context.store.live(p.contractnum)
      if (document === undefined) context.answer(41, 'Document does not exist')
      else {
        // Still listed, under the states the list filter knows for deleted documents.
        document.state = document.state === 4 ? 20 : 21
        document.updatetime = timestamp()
        context.answer(0, 'Success')
      }
      return true
    }
    case 'GET contract/details': {
      const document = context.store.live(p.contractnum)
      if (document === undefined) context.answer(41, 'Document does not exist')
      else {
        const code = randomBytes(65).toString('hex').toUpperCase()
        context.answer(0, 'Success', {
          contractDetails: {
            previewurl: `${context.origin}/signserver/sdkApiserver.action/contractInfo!toViewPage.action?code=${code}`,
          },
        })
      }
      return true
    }
    case 'GET contract/file':
      download(context, p, false)
      return true
    case 'GET contract/zipfile':
      download(context, p, true)
      return true
    case 'POST contract/coordinate':
      coordinate(context, p)
      return true
    case 'POST contract/authcode':
      authcode(context, p)
      return true
    case 'POST contract/signature/manual':
      manual(context, p)
      return true
    case 'POST contract/signature/auto':
    case 'POST contract/signature/automatic':
      automatic(context, p)
      return true
    case 'POST contract/signature/verify': {
      if (file?.field !== 'verifyFile' || p.verifyFileHash !== hexSha256(file.bytes)) {
        context.answer(1, 'Parameter error')
      } else {
        const signed = [...context.store.byNumber.values()].some(
          (document) => document.state === 4 && document.bytes.equals(file.bytes),
        )
        // PHP VerifyDocument.php: 0 is valid, 91 is not; no fields are shown either way.
        if (signed) context.answer(0, 'Success')
        else context.answer(91, 'Document validation failed')
      }
      return true
    }
    case 'POST account/addusers': {
      for (const user of Array.isArray(p.users) ? p.users.map(record) : []) {
        if (typeof user.email === 'string') context.users.set(user.email, user)
      }
      context.answer(0, 'Success')
      return true
    }
    case 'POST account/queryusers': {
      // `q` an object (Postman) or a JSON string (the one public integration).
      let q: unknown = p.q
      if (typeof q === 'string') {
        try {
          q = JSON.parse(q)
        } catch {
          q = undefined
        }
      }
      const email = record(q).email
      const user = typeof email === 'string' ? context.users.get(email) : undefined
      context.answer(0, 'Success', {
        users: user === undefined ? {} : { [email as string]: { email, roletype: user.roletype ?? '1' } },
      })
      return true
    }
    default:
      return false
  }
}
