import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isSignError, type SignError } from 'esign-errors'
import { createPlatformClient, decryptData, encryptData, macOf } from 'esign-errors/platform'
import { afterEach, describe, expect, it } from 'vitest'
import {
  API_KEY,
  type EnvelopeServer,
  type Route,
  SECRET,
  startEnvelopeServer,
} from '../helpers/envelope-server.js'
import { rejectionOf, signErrorOf } from '../helpers/rejections.js'

// The whole signing flow as the vendor's newest material runs it (issue 23 items 4 and 5), over real sockets
// against a local platform that speaks the real envelope; what the client sent is decrypted and compared whole.

let server: EnvelopeServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function platform(route: Route) {
  server = await startEnvelopeServer(route)
  const client = createPlatformClient({
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    apiSecret: SECRET,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  })
  return { client, received: server.received }
}

const ok: Route = () => ({})
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const docx = Buffer.from('PK\u0003\u0004 a docx stand-in')
const signedPdf = Buffer.from('%PDF-1.4\n%signed\n%%EOF\n')
const zip = Buffer.from('PK\u0003\u0004 a zip with the document and its certificate')

describe('the local platform speaks the vendor envelope', () => {
  it('encrypts and decrypts the vendor vectors byte for byte', () => {
    const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8'))
    const a2 = vectors.cases.A2_document_email
    expect(encryptData(JSON.parse(a2.plaintext), vectors.apiSecret)).toBe(a2.data)
    expect(macOf(a2.data, vectors.apiSecret)).toBe(a2.mac)
    expect(decryptData(a2.data, vectors.apiSecret)).toEqual(JSON.parse(a2.plaintext))
  })
})

describe('listContracts()', () => {
  it('sends what every vendor sample sends by default: a contractState (-1, no filter) and rDetail 2', async () => {
    const { client, received } = await platform(() => ({
      payload: { contractList: [], contractCnt: 0, contractTotal: 0 },
    }))
    const list = await client.listContracts()
    expect(list).toEqual({ contractList: [], contractCnt: 0, contractTotal: 0 })
    expect(received.map(({ method, path, transport }) => [method, path, transport])).toEqual([
      ['GET', 'contract/list', 'query'],
    ])
    expect(received[0]!.payload).toEqual({
      startIndex: 0,
      pageSize: 50,
      rDetail: 2,
      contractState: -1,
      date: '',
    })
  })

  it('sends the filters it is given', async () => {
    const { client, received } = await platform(() => ({ payload: { contractList: [] } }))
    await client.listContracts({
      startIndex: 100,
      pageSize: 20,
      rDetail: 1,
      contractState: 4,
      date: '2025-10-22',
    })
    expect(received[0]!.payload).toEqual({
      startIndex: 100,
      pageSize: 20,
      rDetail: 1,
      contractState: 4,
      date: '2025-10-22',
    })
  })
})

describe('uploadDocument()', () => {
  const sign = { pageindex: 1, top: 395, left: 72, width: 100, height: 50, fieldtype: 'sign' as const }

  it("sends the newest collection's fields: contractInfo, uploadFileHash and type at the top, signset an array", async () => {
    const { client, received } = await platform(() => ({
      payload: { docid: 89343, contractnum: '85346F27E86CF44ABD8E8B7FEA93988F' },
    }))
    const answer = await client.uploadDocument({
      file: docx,
      type: 'docx',
      contractInfo: {
        contractname: 'test_file',
        isRemoveSignature: true,
        signerinfo: [{ caprovide: '1', email: 'signer@example.com', signset: [sign], authtype: 0 }],
      },
    })
    expect(answer).toEqual({ docid: 89343, contractnum: '85346F27E86CF44ABD8E8B7FEA93988F' })
    const [call] = received
    expect([call!.method, call!.path, call!.transport]).toEqual(['POST', 'contract/file', 'multipart'])
    expect(Object.keys(call!.params)).toEqual(['accesstoken', 'data', 'mac'])
    expect(call!.file).toEqual({ field: 'uploadFile', bytes: docx })
    expect(call!.payload).toEqual({
      contractInfo: {
        contractnum: '',
        signernum: 1,
        contractname: 'test_file',
        isRemoveSignature: true,
        signerinfo: [
          {
            caprovide: '1',
            email: 'signer@example.com',
            signset: [{ pageindex: 1, top: 395, left: 72, width: 100, height: 50, fieldtype: 'sign' }],
            authtype: 0,
          },
        ],
      },
      type: 'docx',
      uploadFileHash: sha256(docx),
    })
  })

  it('still sends a signset given as a JSON string as that string', async () => {
    const { client, received } = await platform(() => ({ payload: { contractnum: 'C1' } }))
    const signset = '[{"pageindex":1,"top":10,"left":20,"fieldtype":"sign"}]'
    await client.uploadDocument({
      file: docx,
      type: 'pdf',
      contractInfo: { contractname: 'Lease', signerinfo: [{ email: 'a@example.com', signset }] },
    })
    expect(received[0]!.payload).toEqual({
      contractInfo: {
        contractnum: '',
        signernum: 1,
        contractname: 'Lease',
        signerinfo: [{ email: 'a@example.com', signset }],
      },
      type: 'pdf',
      uploadFileHash: sha256(docx),
    })
  })

  it('refuses a signset that is neither an array of fields nor the JSON text of one, before sending', async () => {
    const { client, received } = await platform(ok)
    for (const signset of ['{"pageindex":1}', 'not json', [1], 7]) {
      const error = await rejectionOf(
        client.uploadDocument({
          file: docx,
          type: 'pdf',
          contractInfo: {
            contractname: 'Lease',
            signerinfo: [{ email: 'a@example.com', signset: signset as never }],
          },
        }),
      )
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toBe(
        'uploadDocument: signerinfo[0].signset must be an array of fields (objects) or the JSON text of one',
      )
    }
    expect(received).toEqual([])
  })
})

describe('setCoordinates()', () => {
  it('posts contract/coordinate with contractInfo { contractnum, signerinfo } and resolves on result 0', async () => {
    const { client, received } = await platform(ok)
    const answer = await client.setCoordinates({
      contractnum: '7B4D309A9E8C0481320E01F3CDFBAEBB',
      signerinfo: [
        {
          email: 'signer@example.com',
          signset: [
            { pageindex: 1, top: 174, left: 172, fieldtype: 'sign' },
            { pageindex: 1, top: 930, left: 250, fieldtype: 'signdate' },
          ],
        },
        { email: 'second@example.com', signset: '[{"pageindex":2,"top":810,"left":150,"fieldtype":"sign"}]' },
      ],
    })
    expect(answer).toBeUndefined()
    expect(received.map(({ method, path, transport }) => [method, path, transport])).toEqual([
      ['POST', 'contract/coordinate', 'form'],
    ])
    expect(received[0]!.payload).toEqual({
      contractInfo: {
        contractnum: '7B4D309A9E8C0481320E01F3CDFBAEBB',
        signerinfo: [
          {
            email: 'signer@example.com',
            signset: [
              { pageindex: 1, top: 174, left: 172, fieldtype: 'sign' },
              { pageindex: 1, top: 930, left: 250, fieldtype: 'signdate' },
            ],
          },
          {
            email: 'second@example.com',
            signset: '[{"pageindex":2,"top":810,"left":150,"fieldtype":"sign"}]',
          },
        ],
      },
    })
  })

  it('refuses a call without contractnum, signers or signset, before sending', async () => {
    const { client, received } = await platform(ok)
    const cases: [unknown, string][] = [
      [{ signerinfo: [] }, 'setCoordinates: contractnum must be a non-empty string'],
      [{ contractnum: 'C1', signerinfo: [] }, 'setCoordinates: signerinfo must be a non-empty array'],
      [
        { contractnum: 'C1', signerinfo: [{ signset: [] }] },
        'setCoordinates: signerinfo[0].email must be a non-empty string',
      ],
      [
        { contractnum: 'C1', signerinfo: [{ email: 'a@example.com' }] },
        'setCoordinates: signerinfo[0].signset must be an array of fields (objects) or the JSON text of one',
      ],
    ]
    for (const [input, message] of cases) {
      const error = await rejectionOf(client.setCoordinates(input as never))
      expect([error instanceof TypeError, (error as Error).message]).toEqual([true, message])
    }
    expect(received).toEqual([])
  })
})

describe('sendAuthCode()', () => {
  it("posts contract/authcode with signer, contractnum and type '1', as every source does", async () => {
    const { client, received } = await platform(ok)
    await client.sendAuthCode({
      contractnum: 'F31445D04E0A33E6998B92112B22B3BB',
      signer: { email: 'signer@example.com', phonesn: '+60126311018' },
    })
    expect(received.map(({ method, path, transport }) => [method, path, transport])).toEqual([
      ['POST', 'contract/authcode', 'form'],
    ])
    expect(received[0]!.payload).toEqual({
      signer: { email: 'signer@example.com', phonesn: '+60126311018' },
      contractnum: 'F31445D04E0A33E6998B92112B22B3BB',
      type: '1',
    })
  })

  it('is not retried: a second try would send the signer a second code', async () => {
    const { client, received } = await platform(() => ({ result: 89 }))
    const error = await rejectionOf(
      client.sendAuthCode({ contractnum: 'C1', signer: { email: 'signer@example.com' } }),
    )
    expect(isSignError(error) && [error.code, error.status]).toEqual([89, 503])
    expect(received.map((call) => call.path)).toEqual(['contract/authcode'])
  })
})

describe('signAutomatically()', () => {
  it('posts contract/signature/auto by default, the only path of the newest collection', async () => {
    const { client, received } = await platform(ok)
    const answer = await client.signAutomatically({
      contractnum: 'C1',
      signerInfo: { email: 'signer@example.com', signkeyword: 'Signature', verifycode: '891523' },
      callUrl: 'https://api.example.com/cb?c=C1',
    })
    expect(answer).toBeUndefined()
    expect(received.map(({ method, path, transport }) => [method, path, transport])).toEqual([
      ['POST', 'contract/signature/auto', 'form'],
    ])
    expect(received[0]!.payload).toEqual({
      contractnum: 'C1',
      signerInfo: { email: 'signer@example.com', signkeyword: 'Signature', verifycode: '891523' },
      callUrl: 'https://api.example.com/cb?c=C1',
    })
  })

  it("reaches contract/signature/automatic with endpoint: 'automatic'", async () => {
    const { client, received } = await platform(ok)
    await client.signAutomatically({
      contractnum: 'C1',
      signerInfo: { email: 'signer@example.com', signkeyword: 'Signature' },
      endpoint: 'automatic',
    })
    expect(received.map((call) => call.path)).toEqual(['contract/signature/automatic'])
    expect(received[0]!.payload).toEqual({
      contractnum: 'C1',
      signerInfo: { email: 'signer@example.com', signkeyword: 'Signature' },
    })
  })

  it('refuses another endpoint before sending', async () => {
    const { client, received } = await platform(ok)
    const error = await rejectionOf(
      client.signAutomatically({
        contractnum: 'C1',
        signerInfo: { email: 'signer@example.com', signkeyword: 'Signature' },
        endpoint: 'manual' as never,
      }),
    )
    expect([error instanceof TypeError, (error as Error).message]).toEqual([
      true,
      "signAutomatically: endpoint must be 'auto' or 'automatic'",
    ])
    expect(received).toEqual([])
  })
})

describe('downloadZip()', () => {
  it('gets contract/zipfile with the contractnum and returns the bytes of its pdfdata', async () => {
    const { client, received } = await platform(() => ({ payload: { pdfdata: zip.toString('hex') } }))
    const bytes = await client.downloadZip('C313E22C2DCAD80A81CF253A7E6520A9')
    expect(Buffer.from(bytes).equals(zip)).toBe(true)
    expect(received.map(({ method, path, transport }) => [method, path, transport])).toEqual([
      ['GET', 'contract/zipfile', 'query'],
    ])
    expect(received[0]!.payload).toEqual({ contractnum: 'C313E22C2DCAD80A81CF253A7E6520A9' })
  })

  it('answers 502 code 3 when pdfdata is not the hex of a file', async () => {
    const { client } = await platform(() => ({ payload: { pdfdata: 'zz' } }))
    const error = (await rejectionOf(client.downloadZip('C1'))) as SignError
    expect([isSignError(error), error.code, error.status]).toEqual([true, 3, 502])
  })
})

describe('per-call limits reach the requester', () => {
  it('maxBytes: a download larger than this call allows is code 4 at 502, and is not sent again', async () => {
    const big = Buffer.alloc(4096, 1)
    const { client, received } = await platform(() => ({ payload: { pdfdata: big.toString('hex') } }))
    const error = await signErrorOf(client.downloadContract('C1', { maxBytes: 1024 }))
    expect([error.code, error.status]).toEqual([4, 502])
    expect(received.map((call) => call.path)).toEqual(['contract/file'])
    expect(Buffer.from(await client.downloadZip('C1', { maxBytes: 64 * 1024 })).equals(big)).toBe(true)
  })

  it('timeoutMs: an answer slower than this call allows is code 4 at 504', async () => {
    const { client } = await platform(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      return { payload: { contractList: [] } }
    })
    const error = await signErrorOf(client.signingStatus('C1', { timeoutMs: 50, maxCalls: 1 }))
    expect([error.code, error.status]).toEqual([4, 504])
  })

  it("deadlineMs: a call slower than this call's deadline is code 4 at 504, well before timeoutMs", async () => {
    const { client } = await platform(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      return { payload: { contractList: [] } }
    })
    const started = Date.now()
    const error = await signErrorOf(client.listContracts({ deadlineMs: 100 }))
    expect([error.code, error.status]).toEqual([4, 504])
    expect(Date.now() - started).toBeLessThan(290)
  })
})

describe('the whole flow', () => {
  it('upload, coordinates, auth code, automatic signing with it, signingStatus completed, both downloads', async () => {
    const contractnum = 'C555873284EA879410A8F57383AB231E'
    let signed = false
    let code: string | undefined
    const { client, received } = await platform(({ method, path, payload }) => {
      const p = payload as Record<string, unknown>
      switch (`${method} ${path}`) {
        case 'POST contract/file':
          return { payload: { contractnum } }
        case 'POST contract/coordinate':
          return {}
        case 'POST contract/authcode':
          code = '482913'
          return {}
        case 'POST contract/signature/auto': {
          const info = p.signerInfo as { verifycode?: string }
          if (info.verifycode !== code) return { result: 1, message: 'Verification code error' }
          signed = true
          return {}
        }
        case 'GET contract/list': {
          const inList = signed ? p.contractState === 4 : p.contractState === 1
          const entry = {
            contractnumber: contractnum,
            createtime: '2025-10-22 10:00:00',
            addressee: [{ idcardnum: '', signstate: signed ? 1 : 0, authtype: 1 }],
            contractlog: [],
          }
          const contractList = inList ? [entry] : []
          return {
            payload: { contractList, contractCnt: contractList.length, contractTotal: contractList.length },
          }
        }
        case 'GET contract/file':
          return { payload: { pdfdata: signedPdf.toString('hex') } }
        case 'GET contract/zipfile':
          return { payload: { pdfdata: zip.toString('hex') } }
        default:
          return { result: 1 }
      }
    })

    const signer = { email: 'signer@example.com', phonesn: '+60126311018' }
    const upload = await client.uploadDocument({
      file: docx,
      type: 'pdf',
      contractInfo: { contractname: 'Lease', signerinfo: [{ ...signer, authtype: 1, caprovide: '1' }] },
    })
    await client.setCoordinates({
      contractnum: upload.contractnum,
      signerinfo: [
        { email: signer.email, signset: [{ pageindex: 1, top: 700, left: 120, fieldtype: 'sign' }] },
      ],
    })
    expect((await client.signingStatus(contractnum)).state).toBe('in-progress')
    await client.sendAuthCode({ contractnum, signer })
    await client.signAutomatically({
      contractnum,
      signerInfo: { email: signer.email, signkeyword: 'Signature', verifycode: code! },
    })
    const status = await client.signingStatus(contractnum)
    expect({ state: status.state, contractState: status.contractState, signers: status.signers }).toEqual({
      state: 'completed',
      contractState: 4,
      signers: [{ state: 'signed', signstate: 1, raw: { idcardnum: '', signstate: 1, authtype: 1 } }],
    })
    expect(Buffer.from(await client.downloadContract(contractnum)).equals(signedPdf)).toBe(true)
    expect(Buffer.from(await client.downloadZip(contractnum)).equals(zip)).toBe(true)
    expect(received.map((call) => call.path)).toEqual([
      'contract/file',
      'contract/coordinate',
      'contract/list',
      'contract/authcode',
      'contract/signature/auto',
      'contract/list',
      'contract/list',
      'contract/list',
      'contract/list',
      'contract/list',
      'contract/list',
      'contract/file',
      'contract/zipfile',
    ])
  })
})
