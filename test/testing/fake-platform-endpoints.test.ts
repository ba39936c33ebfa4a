import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inflateRawSync } from 'node:zlib'
import { type FakePlatform, startFakePlatform } from 'esign-errors/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { call, read, upload } from './raw.js'

// What the fake platform answers account/infomation with (the Node sample's fields).
const ACCOUNT = { info: { dsacnt: '100', smscnt: 100, maxsigner: 10, ekyccnt: 100, diskspace: '1GB' } }

let fake: FakePlatform
beforeEach(async () => {
  fake = await startFakePlatform()
})
afterEach(async () => {
  await fake.close()
})

const pdf = Buffer.from('%PDF-1.4\n%fake platform test\n%%EOF\n')
const alice = { email: 'alice@example.com', name: 'Alice', authtype: 0, caprovide: '1' }
const bob = { email: 'bob@example.com', authtype: 0 }

/** A receiver of callbacks on 127.0.0.1 that keeps what it got. */
async function receiver(
  status = 204,
): Promise<{ url: string; got: { url: string; type: string; body: string }[]; server: Server }> {
  const got: { url: string; type: string; body: string }[] = []
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    got.push({
      url: req.url ?? '',
      type: req.headers['content-type'] ?? '',
      body: Buffer.concat(chunks).toString(),
    })
    res.writeHead(status).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, server }
}

describe('startFakePlatform', () => {
  it('serves under /signserver/v1/ with credentials shaped as the platform issues them', () => {
    expect(fake.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/signserver\/v1\/$/)
    expect(fake.apiKey).toMatch(/^[0-9A-F]{20}$/)
    expect(fake.apiSecret).toMatch(/^[0-9A-F]{40}$/)
  })

  it('gives a token for its key only, and refuses calls without one', async () => {
    const good = await read(
      await fetch(`${fake.baseUrl}accesstoken?client_id=${fake.apiKey}`),
      fake.apiSecret,
    )
    expect(good.body.result).toBe(0)
    expect(Object.keys(good.payload as object)).toEqual(['at'])
    const bad = await read(await fetch(`${fake.baseUrl}accesstoken?client_id=NOPE`), fake.apiSecret)
    expect(bad.body).toEqual({ result: 53, message: 'Integration key does not exist' })
    const none = await read(await fetch(`${fake.baseUrl}account/infomation?accesstoken=x`), fake.apiSecret)
    expect(none.body).toEqual({ result: 5, message: 'Invalid access token' })
    expect((await fetch(`${fake.baseUrl.replace('/v1/', '/v2/')}accesstoken`)).status).toBe(404)
  })

  it("answers account/infomation with the fields the vendor's Node sample reads, values of its own", async () => {
    expect((await call(fake, 'GET', 'account/infomation')).payload).toEqual(ACCOUNT)
  })
})

describe('documents', () => {
  it('uploads: docid and contractnum, as the one saved answer shows; checks the file hash', async () => {
    const answer = await call(
      fake,
      'POST',
      'contract/file',
      {
        contractInfo: { contractnum: '', contractname: 'Lease', signernum: 1, signerinfo: [alice] },
        uploadFileHash: createHash('sha256').update(pdf).digest('hex'),
        type: 'pdf',
      },
      { field: 'uploadFile', bytes: pdf },
    )
    const { docid, contractnum } = answer.payload as { docid: number; contractnum: string }
    expect(Object.keys(answer.payload as object)).toEqual(['docid', 'contractnum'])
    expect([typeof docid, contractnum]).toEqual(['number', expect.stringMatching(/^[0-9A-F]{32}$/)])
    const stored = fake.documents.get(contractnum)!
    expect([stored.contractname, stored.type, stored.bytes.equals(pdf), stored.state]).toEqual([
      'Lease',
      'pdf',
      true,
      1,
    ])
    expect(stored.signers).toEqual([
      { email: alice.email, name: 'Alice', idcardnum: '', authtype: 0, signstate: 0 },
    ])

    const wrongHash = await call(
      fake,
      'POST',
      'contract/file',
      {
        contractInfo: { signerinfo: [alice] },
        uploadFileHash: '00'.repeat(32),
        type: 'pdf',
      },
      { field: 'uploadFile', bytes: pdf },
    )
    expect(wrongHash.body).toEqual({ result: 72, message: 'Data length does not match' })
    const noFile = await call(fake, 'POST', 'contract/file', {
      contractInfo: { signerinfo: [alice] },
      type: 'pdf',
    })
    expect(noFile.body.result).toBe(1)
  })

  it('keeps signset per signer as an array or a JSON string, or the top-level list for the first signer', async () => {
    const fields = [{ pageindex: 1, top: 174, left: 172, fieldtype: 'sign' }]
    const a = await upload(fake, pdf, [
      { ...alice, signset: fields },
      { ...bob, signset: JSON.stringify(fields) },
    ])
    expect(fake.documents.get(a)!.signers.map((signer) => signer.signset)).toEqual([fields, fields])
    const b = await upload(fake, pdf, [alice], { signset: fields })
    expect(fake.documents.get(b)!.signers[0]!.signset).toEqual(fields)
  })

  it('lists only the fields the vendor example shows, filtered and paged', async () => {
    const first = await upload(fake, pdf, [alice, bob])
    const second = await upload(fake, pdf, [alice])
    await fake.sign(second, alice.email)
    const doc = fake.documents.get(first)!
    const all = await call(fake, 'GET', 'contract/list', {
      startIndex: 0,
      pageSize: 50,
      rDetail: 2,
      contractState: -1,
      date: '',
    })
    expect(all.payload).toEqual({
      contractList: [
        {
          createtime: doc.createtime,
          addressee: [
            { idcardnum: '', signstate: 0, authtype: 0 },
            { idcardnum: '', signstate: 0, authtype: 0 },
          ],
          contractnumber: first,
          contractlog: [
            {
              logtype: 0,
              description: 'Document [Lease] added',
              logtime: doc.createtime,
              operator: 'integration@example.com',
            },
          ],
        },
        expect.objectContaining({
          contractnumber: second,
          addressee: [{ idcardnum: '', signstate: 1, authtype: 0 }],
        }),
      ],
      contractCnt: 2,
      contractTotal: 2,
    })
    expect(doc.createtime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    // As Java and PHP send it: every field a string.
    const completed = await call(fake, 'GET', 'contract/list', {
      startIndex: '0',
      pageSize: '50',
      rDetail: '1',
      contractState: '4',
      date: '',
    })
    expect(completed.payload).toEqual({
      contractList: [
        { createtime: expect.any(String), contractnumber: second, contractlog: expect.any(Array) },
      ],
      contractCnt: 1,
      contractTotal: 1,
    })
    const counts = await call(fake, 'GET', 'contract/list', {
      startIndex: 0,
      pageSize: 0,
      rDetail: 0,
      contractState: 1,
    })
    expect(counts.payload).toEqual({ contractCnt: 0, contractTotal: 1 })
    const paged = await call(fake, 'GET', 'contract/list', {
      startIndex: 1,
      pageSize: 1,
      rDetail: 1,
      contractState: -1,
    })
    expect(paged.payload).toMatchObject({
      contractList: [{ contractnumber: second }],
      contractCnt: 1,
      contractTotal: 2,
    })
    const today = doc.createtime.slice(0, 10)
    const dated = await call(fake, 'GET', 'contract/list', { pageSize: 50, rDetail: 1, date: today })
    expect((dated.payload as { contractTotal: number }).contractTotal).toBe(2)
    const otherDay = await call(fake, 'GET', 'contract/list', {
      pageSize: 50,
      rDetail: 1,
      date: '2001-01-01',
    })
    expect((otherDay.payload as { contractTotal: number }).contractTotal).toBe(0)
  })

  it('filters date on the day a document last changed, not the day it was made ("updated on the specific date")', async () => {
    const old = fake.addDocument({ signers: [{ email: 'a@example.com' }], createtime: '2001-01-01 09:00:00' })
    const onDay = async (date: string) => {
      const answer = await call(fake, 'GET', 'contract/list', { pageSize: 50, rDetail: 1, date })
      return (answer.payload as { contractList: { contractnumber: string }[] }).contractList.map(
        (entry) => entry.contractnumber,
      )
    }
    expect(await onDay('2001-01-01')).toEqual([old.contractnum])
    await fake.sign(old.contractnum, 'a@example.com')
    const today = fake.documents.get(old.contractnum)!.updatetime.slice(0, 10)
    expect(today).not.toBe('2001-01-01')
    expect(await onDay('2001-01-01')).toEqual([])
    expect(await onDay(today)).toContain(old.contractnum)
  })

  it.each([
    ['a page over 50', { pageSize: 51 }],
    ['a negative start', { startIndex: -1, pageSize: 1 }],
    ['an unknown state', { pageSize: 1, contractState: 5 }],
    ['an rDetail of 3', { pageSize: 1, rDetail: 3 }],
    ['a date not yyyy-MM-dd', { pageSize: 1, date: '6/12/2026' }],
  ])('refuses a list query with %s: result 1', async (_label, payload) => {
    expect((await call(fake, 'GET', 'contract/list', payload)).body).toEqual({
      result: 1,
      message: 'Parameter error',
    })
  })

  it('fills a busy account without calls, for tests of paging', async () => {
    for (let i = 0; i < 120; i += 1) fake.addDocument({ signers: [alice], state: i % 3 === 0 ? 4 : 1 })
    const page = await call(fake, 'GET', 'contract/list', {
      startIndex: 100,
      pageSize: 50,
      rDetail: 1,
      contractState: -1,
    })
    expect(page.payload).toMatchObject({ contractCnt: 20, contractTotal: 120 })
    const done = await call(fake, 'GET', 'contract/list', { pageSize: 50, rDetail: 1, contractState: 4 })
    expect(done.payload).toMatchObject({ contractCnt: 40, contractTotal: 40 })
  })

  it('answers contract/details with previewurl alone', async () => {
    const contractnum = await upload(fake, pdf, [alice])
    const answer = await call(fake, 'GET', 'contract/details', { contractnum })
    expect(answer.payload).toEqual({
      contractDetails: {
        previewurl: expect.stringMatching(
          /^http:\/\/127\.0\.0\.1:\d+\/signserver\/sdkApiserver\.action\/contractInfo!toViewPage\.action\?code=[0-9A-F]{130}$/,
        ),
      },
    })
    expect((await call(fake, 'GET', 'contract/details', { contractnum: 'NOPE' })).body).toEqual({
      result: 41,
      message: 'Document does not exist',
    })
  })

  it('downloads the file and a zip of it, both as pdfdata hex', async () => {
    const contractnum = await upload(fake, pdf, [alice])
    const file = await call(fake, 'GET', 'contract/file', { contractnum })
    expect(Buffer.from((file.payload as { pdfdata: string }).pdfdata, 'hex').equals(pdf)).toBe(true)
    const zipped = await call(fake, 'GET', 'contract/zipfile', { contractnum })
    const bytes = Buffer.from((zipped.payload as { pdfdata: string }).pdfdata, 'hex')
    // Read with the ZIP format's own layout: local header, deflated data, central directory, end record.
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50)
    const nameLength = bytes.readUInt16LE(26)
    const packedLength = bytes.readUInt32LE(18)
    expect(bytes.subarray(30, 30 + nameLength).toString()).toBe('Lease.pdf')
    const data = inflateRawSync(bytes.subarray(30 + nameLength, 30 + nameLength + packedLength))
    expect(data.equals(pdf)).toBe(true)
    expect(bytes.readUInt32LE(bytes.length - 22)).toBe(0x06054b50)
  })

  it('deletes: the document stays listed as deleted (21, or 20 once signed) and is gone for the rest', async () => {
    const open = await upload(fake, pdf, [alice])
    const signed = await upload(fake, pdf, [alice])
    await fake.sign(signed, alice.email)
    for (const contractnum of [open, signed]) {
      expect((await call(fake, 'DELETE', 'contract/list', { contractnum })).body).toEqual({
        result: 0,
        message: 'Success',
      })
    }
    expect([fake.documents.get(open)!.state, fake.documents.get(signed)!.state]).toEqual([21, 20])
    const deleted = await call(fake, 'GET', 'contract/list', { pageSize: 50, rDetail: 1, contractState: 21 })
    expect(deleted.payload).toMatchObject({ contractList: [{ contractnumber: open }] })
    for (const path of ['contract/details', 'contract/file', 'contract/zipfile']) {
      expect((await call(fake, 'GET', path, { contractnum: open })).body.result).toBe(41)
    }
    expect((await call(fake, 'DELETE', 'contract/list', { contractnum: open })).body.result).toBe(41)
  })

  it('verifies a file: 0 without data once a document with those bytes is completed, 91 before', async () => {
    const hash = createHash('sha256').update(pdf).digest('hex')
    const verify = () =>
      call(
        fake,
        'POST',
        'contract/signature/verify',
        { verifyFileHash: hash },
        { field: 'verifyFile', bytes: pdf },
      )
    const contractnum = await upload(fake, pdf, [alice])
    expect((await verify()).body).toEqual({ result: 91, message: 'Document validation failed' })
    await fake.sign(contractnum, alice.email)
    expect((await verify()).body).toEqual({ result: 0, message: 'Success' })
  })
})

describe('signing', () => {
  it('sets coordinates: signset as an array or a JSON string, 27 for a stranger, 41 for no document', async () => {
    const contractnum = await upload(fake, pdf, [alice, bob])
    const fields = [{ pageindex: 1, top: 810, left: 150, fieldtype: 'sign' }]
    const set = await call(fake, 'POST', 'contract/coordinate', {
      contractInfo: {
        contractnum,
        signerinfo: [
          { email: alice.email, signset: fields },
          { email: bob.email, signset: JSON.stringify(fields) },
        ],
      },
    })
    expect(set.body).toEqual({ result: 0, message: 'Success' })
    expect(fake.documents.get(contractnum)!.signers.map((signer) => signer.signset)).toEqual([fields, fields])
    const stranger = await call(fake, 'POST', 'contract/coordinate', {
      contractInfo: { contractnum, signerinfo: [{ email: 'eve@example.com', signset: fields }] },
    })
    expect(stranger.body).toEqual({ result: 27, message: 'The recipient does not exist' })
    const bad = await call(fake, 'POST', 'contract/coordinate', {
      contractInfo: { contractnum, signerinfo: [{ email: alice.email, signset: '[' }] },
    })
    expect(bad.body.result).toBe(1)
    const none = await call(fake, 'POST', 'contract/coordinate', {
      contractInfo: { contractnum: 'NOPE', signerinfo: [] },
    })
    expect(none.body.result).toBe(41)
  })

  it('signs automatically on /auto and /automatic: result 0 without data, the callback after the answer', async () => {
    const { url, got, server } = await receiver()
    try {
      const contractnum = await upload(fake, pdf, [alice, bob])
      const first = await call(fake, 'POST', 'contract/signature/auto', {
        contractnum,
        signerInfo: { email: alice.email, signkeyword: 'Signature' },
        callUrl: `${url}/cb?n=1`,
      })
      expect(first.body).toEqual({ result: 0, message: 'Success' })
      await fake.callbacksSettled()
      expect(fake.documents.get(contractnum)!.state).toBe(1)
      const second = await call(fake, 'POST', 'contract/signature/automatic', {
        contractnum,
        signerInfo: { email: bob.email, signkeyword: 'Signature', callUrl: `${url}/cb?n=2` },
      })
      expect(second.body).toEqual({ result: 0, message: 'Success' })
      await fake.callbacksSettled()
      expect(fake.documents.get(contractnum)!.state).toBe(4)
      expect(got).toEqual([
        { url: '/cb?n=1', type: 'application/x-www-form-urlencoded', body: `contractnum=${contractnum}` },
        { url: '/cb?n=2', type: 'application/x-www-form-urlencoded', body: `contractnum=${contractnum}` },
      ])
      expect(fake.callbacks.map((sent) => [sent.event, sent.status])).toEqual([
        ['signed', 204],
        ['signed', 204],
      ])
      const again = await call(fake, 'POST', 'contract/signature/auto', {
        contractnum,
        signerInfo: { email: bob.email },
      })
      expect(again.body).toEqual({ result: 96, message: 'Document has been completed' })
    } finally {
      server.close()
    }
  })

  it('asks an SMS signer for the code contract/authcode sent, once', async () => {
    const contractnum = await upload(fake, pdf, [{ ...alice, authtype: 1, phonesn: '+60123456789' }])
    const sign = (verifycode?: string) =>
      call(fake, 'POST', 'contract/signature/auto', {
        contractnum,
        signerInfo: {
          email: alice.email,
          signkeyword: 'Signature',
          ...(verifycode === undefined ? {} : { verifycode }),
        },
      })
    expect((await sign()).body).toEqual({ result: 35, message: 'SMS verification failed' })
    const sent = await call(fake, 'POST', 'contract/authcode', {
      contractnum,
      signer: { email: alice.email, phonesn: '+60123456789' },
      type: '1',
    })
    expect(sent.body).toEqual({ result: 0, message: 'Success' })
    const code = fake.documents.get(contractnum)!.signers[0]!.authcode!
    expect(code).toMatch(/^\d{6}$/)
    expect((await sign(code === '000000' ? '111111' : '000000')).body.result).toBe(35)
    expect((await sign(code)).body).toEqual({ result: 0, message: 'Success' })
    expect(fake.documents.get(contractnum)!.signers[0]!.authcode).toBeUndefined()
    expect(
      (await call(fake, 'POST', 'contract/authcode', { contractnum: 'NOPE', signer: { email: alice.email } }))
        .body.result,
    ).toBe(41)
  })

  it('hands out a signing page that signs or refuses, then goes to backUrl, and calls back', async () => {
    const { url, got, server } = await receiver()
    try {
      const contractnum = await upload(fake, pdf, [alice, bob])
      const link = async (email: string, backUrl?: string) => {
        const answer = await call(fake, 'POST', 'contract/signature/manual', {
          contractnum,
          signerInfo: { email },
          callUrl: `${url}/cb`,
          ...(backUrl === undefined ? {} : { backUrl }),
        })
        expect(Object.keys(answer.payload as object)).toEqual(['url'])
        return (answer.payload as { url: string }).url
      }
      const page = await link(alice.email, 'https://service.example/done')
      expect(page).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/signserver\/usersign!toIntegratorSign\.action\?accesscode=[0-9A-F]{48}&ispc=true$/,
      )
      const shown = await fetch(page)
      expect([shown.status, (await shown.text()).includes('<button name="action" value="sign">')]).toEqual([
        200,
        true,
      ])
      const signed = await fetch(page, {
        method: 'POST',
        body: new URLSearchParams({ action: 'sign' }),
        redirect: 'manual',
      })
      expect([signed.status, signed.headers.get('location')]).toEqual([303, 'https://service.example/done'])
      expect((await fetch(page)).status).toBe(404)
      const refused = await fetch(await link(bob.email), {
        method: 'POST',
        body: new URLSearchParams({ action: 'refuse' }),
      })
      expect(refused.status).toBe(200)
      await fake.callbacksSettled()
      expect(fake.documents.get(contractnum)!.state).toBe(6)
      expect(fake.documents.get(contractnum)!.signers.map((signer) => signer.signstate)).toEqual([1, 2])
      expect(got.map((callback) => callback.body)).toEqual([
        `contractnum=${contractnum}`,
        `contractnum=${contractnum}`,
      ])
      expect(fake.callbacks.map((sent) => sent.event)).toEqual(['signed', 'refused'])
      const late = await call(fake, 'POST', 'contract/signature/manual', {
        contractnum,
        signerInfo: { email: bob.email },
      })
      expect(late.body).toEqual({ result: 44, message: 'Illegal operation' })
    } finally {
      server.close()
    }
  })

  it.each([
    ['json', 'application/json', (n: string) => JSON.stringify({ contractnum: n })],
    [
      'multipart',
      'multipart/form-data; boundary=esign-errors-fake-platform',
      (n: string) =>
        `--esign-errors-fake-platform\r\nContent-Disposition: form-data; name="contractnum"\r\n\r\n${n}\r\n--esign-errors-fake-platform--\r\n`,
    ],
  ] as const)('sends callbacks as %s when asked', async (format, type, body) => {
    const other = await startFakePlatform({ callbackFormat: format })
    const { url, got, server } = await receiver()
    try {
      const contractnum = await upload(other, pdf, [alice])
      await call(other, 'POST', 'contract/signature/manual', {
        contractnum,
        signerInfo: { email: alice.email },
        callUrl: url,
      })
      const sent = await other.sign(contractnum, alice.email)
      expect(sent).toMatchObject({
        contractnum,
        event: 'signed',
        status: 204,
        contentType: type,
        body: body(contractnum),
      })
      expect(got).toEqual([{ url: '/', type, body: body(contractnum) }])
    } finally {
      server.close()
      await other.close()
    }
  })

  it('records a callback nobody answered, and cancels', async () => {
    const { url, server } = await receiver()
    server.close()
    await once(server, 'close')
    const contractnum = await upload(fake, pdf, [alice])
    await call(fake, 'POST', 'contract/signature/manual', {
      contractnum,
      signerInfo: { email: alice.email },
      callUrl: url,
    })
    const sent = await fake.cancel(contractnum)
    expect(sent).toMatchObject({ event: 'cancelled', error: 'ECONNREFUSED' })
    expect(sent?.status).toBeUndefined()
    expect(fake.documents.get(contractnum)!.state).toBe(7)
    await expect(fake.sign(contractnum, alice.email)).rejects.toThrow(
      `fake platform: ${alice.email} cannot sign ${contractnum} any more`,
    )
  })

  it('answers 41 and 27 for an unknown document or signer, and 78 for one who signed', async () => {
    const contractnum = await upload(fake, pdf, [alice, bob])
    const sign = (n: string, email: string) =>
      call(fake, 'POST', 'contract/signature/auto', { contractnum: n, signerInfo: { email } })
    expect((await sign('NOPE', alice.email)).body.result).toBe(41)
    expect((await sign(contractnum, 'eve@example.com')).body.result).toBe(27)
    expect((await sign(contractnum, alice.email)).body.result).toBe(0)
    expect((await sign(contractnum, alice.email)).body).toEqual({
      result: 78,
      message: 'This signatory has signed this document',
    })
  })
})

describe('users', () => {
  it('adds users and finds them by q as an object or a JSON string', async () => {
    await call(fake, 'POST', 'account/addusers', { users: [{ email: 'new@example.com', roletype: '-1' }] })
    const expected = { users: { 'new@example.com': { email: 'new@example.com', roletype: '-1' } } }
    expect(
      (await call(fake, 'POST', 'account/queryusers', { q: { email: 'new@example.com' } })).payload,
    ).toEqual(expected)
    expect(
      (await call(fake, 'POST', 'account/queryusers', { q: '{"email":"new@example.com"}' })).payload,
    ).toEqual(expected)
    expect(
      (await call(fake, 'POST', 'account/queryusers', { q: { email: 'x@example.com' } })).payload,
    ).toEqual({ users: {} })
  })
})
