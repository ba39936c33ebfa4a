import { createCipheriv, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SignError, type UpstreamError } from 'esign-errors'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ObjectScanner, type StringSink } from '../../src/platform/object-scanner.js'
import { openScanned, scanAnswer } from '../../src/platform/scanner.js'
import { scrubberOf } from '../../src/upstream/secrets.js'

// A pinned copy of ../shared/protocol/vectors.json, produced by the vendor's own PHP, Java and Postman code.
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8')) as {
  apiSecret: string
  cases: Record<
    string,
    {
      plaintext: string
      data: string
      mac: string
      uppercaseVariant: { data: string; macOverUppercaseData: string }
    }
  >
}
const SECRET = vectors.apiSecret
const A1 = vectors.cases.A1_client_id!

// Made with node:crypto alone, as the vendor's samples do: not with the code under test.
const macOver = (data: string) =>
  createHash('sha256')
    .update(data + SECRET, 'utf8')
    .digest('hex')
function encrypt(plaintext: string | Buffer): string {
  const cipher = createCipheriv('aes-256-ecb', createHash('sha256').update(SECRET).digest(), null)
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('hex')
}

/**
 * Chunk sizes every answer is fed in: one byte at a time, odd sizes that split escapes and pairs, whole. Each is
 * read as it arrives by the scanner and, the way an answer under 64 KB is, whole by JSON.parse.
 */
const SPLITS = [1, 3, 7, 64, Number.POSITIVE_INFINITY].flatMap((size) => [
  { size, wholeLimit: 0 },
  { size, wholeLimit: undefined },
])

interface Options {
  status?: number
  contentType?: string
  hexFields?: readonly string[]
}

/** An answer as the client reads it: a body in chunks of `split` bytes, scanned, then opened. */
async function open(
  body: string | Buffer,
  { size: split, wholeLimit }: (typeof SPLITS)[number],
  options: Options = {},
): Promise<unknown> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const size = Math.min(split, Math.max(bytes.length, 1))
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.subarray(at, at + size))
      controller.close()
    },
  })
  const status = options.status ?? 200
  const response = new Response(stream, {
    status,
    headers: { 'content-type': options.contentType ?? 'application/json;charset=UTF-8' },
  })
  const context = 'GET https://platform.test/signserver/v1/x'
  const scanned = await scanAnswer(response, {
    apiSecret: SECRET,
    maxBytes: 1024 * 1024 * 1024,
    context,
    scrubber: scrubberOf([SECRET]),
    ...(wholeLimit === undefined ? {} : { wholeLimit }),
  })
  return openScanned(scanned, {
    status,
    ok: response.ok,
    overrides: {},
    context,
    hexFields: options.hexFields,
  })
}

/** The same answer in every split: the value it opens to, the same each time. */
async function opened(body: string | Buffer, options?: Options): Promise<unknown> {
  const values = []
  for (const split of SPLITS) values.push(await open(body, split, options))
  for (const value of values.slice(1)) expect(value).toEqual(values[0])
  return values[0]
}

/** The same answer in every split: the SignError it fails with, with its code, status and cause. */
async function failure(
  body: string | Buffer,
  options?: Options,
): Promise<{ code: number; status: number; retryable: boolean; why: string }> {
  const seen = []
  for (const split of SPLITS) {
    let error: unknown
    try {
      await open(body, split, options)
    } catch (caught) {
      error = caught
    }
    expect(error, `split ${JSON.stringify(split)}`).toBeInstanceOf(SignError)
    const signError = error as SignError
    const why = (signError.cause as UpstreamError).message.replace(
      /^GET https:\/\/platform\.test\/signserver\/v1\/x: /,
      '',
    )
    seen.push({ code: signError.code, status: signError.status, retryable: signError.retryable, why })
  }
  for (const one of seen.slice(1)) expect(one).toEqual(seen[0])
  return seen[0]!
}

const NOT_JSON = { code: 3, status: 502, retryable: false, why: 'upstream answer is not JSON with HTTP 200' }
const MAC_FAILS = { code: 2, status: 502, retryable: false, why: 'answer mac does not verify' }
const NOT_HEX = { code: 3, status: 502, retryable: false, why: 'data is not hex whole AES blocks' }

describe('the answer envelope, scanned as it arrives', () => {
  it('opens the vendor vector whatever the order of data, mac and result', async () => {
    const { data, mac } = A1
    for (const body of [
      `{"result":0,"message":"Success","data":"${data}","mac":"${mac}"}`,
      `{"data":"${data}","mac":"${mac}","result":0}`,
      `{"mac":"${mac}","data":"${data}","message":"Success","result":0}`,
      `{"data":"${data}","result":0,"mac":"${mac}","message":"Success"}`,
      ` \r\n{ "result" : 0 ,\t"data" :\n"${data}" , "mac":"${mac}" }\n `,
    ]) {
      expect(await opened(body)).toEqual({ client_id: 'abc' })
    }
  })

  it('reads escaped characters as JSON.parse does: in data, in keys and in other values', async () => {
    const { data, mac } = A1
    // `\u0036` is "6", `\u0061` is "a": the same data, so the same mac.
    const escapedData = `${data.slice(0, 10)}\\u00${data.charCodeAt(10).toString(16)}${data.slice(11)}`
    expect(await opened(`{"result":0,"data":"${escapedData}","mac":"${mac}"}`)).toEqual({ client_id: 'abc' })
    expect(await opened(`{"result":0,"d\\u0061ta":"${data}","m\\u0061c":"${mac}"}`)).toEqual({
      client_id: 'abc',
    })
    expect(
      await opened(
        `{"message":"a \\"quoted\\" \\/ slash, \\u00e9, {braces} [and] , commas","result":0,"data":"${data}","mac":"${mac}"}`,
      ),
    ).toEqual({ client_id: 'abc' })
    // An escaped character that is not hex: the mac over the string JSON.parse reads verifies, the data is not hex.
    const withNewline = `${data}\n`
    expect(
      await failure(`{"result":0,"data":${JSON.stringify(withNewline)},"mac":"${macOver(withNewline)}"}`),
    ).toEqual(NOT_HEX)
    // Beyond ASCII, raw and escaped: the mac is over its UTF-8.
    const accented = `${data.slice(0, 8)}é${data.slice(8)}`
    expect(await failure(`{"result":0,"data":"${accented}","mac":"${macOver(accented)}"}`)).toEqual(NOT_HEX)
    expect(await failure(`{"result":0,"data":"${accented}","mac":"${mac}"}`)).toEqual(MAC_FAILS)
    const astral = `${data}\ud83d\ude00`
    expect(await failure(`{"result":0,"data":"${data}\\ud83d\\ude00","mac":"${macOver(astral)}"}`)).toEqual(
      NOT_HEX,
    )
  })

  it('takes the last of duplicate members, as JSON.parse does', async () => {
    const { data, mac } = A1
    expect(await opened(`{"result":0,"data":"00ff","data":"${data}","mac":"0","mac":"${mac}"}`)).toEqual({
      client_id: 'abc',
    })
    expect(await failure(`{"result":0,"data":"${data}","data":5,"mac":"${mac}"}`)).toEqual({
      ...NOT_HEX,
      why: 'answer has a "data" that is not a string',
    })
    expect(await opened(`{"result":0,"data":{"x":1},"data":"${data}","mac":"${mac}"}`)).toEqual({
      client_id: 'abc',
    })
    expect(await opened(`{"result":1,"result":0,"data":"${data}","mac":"${mac}"}`)).toEqual({
      client_id: 'abc',
    })
  })

  it('opens upper-case hex data with the mac over that upper-case string, and refuses it with the lower-case mac', async () => {
    const { data, macOverUppercaseData } = A1.uppercaseVariant
    expect(await opened(`{"result":0,"data":"${data}","mac":"${macOverUppercaseData}"}`)).toEqual({
      client_id: 'abc',
    })
    expect(await failure(`{"result":0,"data":"${data}","mac":"${A1.mac}"}`)).toEqual(MAC_FAILS)
    // The mac itself in upper case is the same digest.
    expect(await opened(`{"result":0,"data":"${A1.data}","mac":"${A1.mac.toUpperCase()}"}`)).toEqual({
      client_id: 'abc',
    })
  })

  it('refuses a mac that does not verify, is missing or is not hex: code 2, 502, never retried', async () => {
    const { data, mac } = A1
    const other = mac.endsWith('0') ? `${mac.slice(0, -1)}1` : `${mac.slice(0, -1)}0`
    expect(await failure(`{"result":0,"data":"${data}","mac":"${other}"}`)).toEqual(MAC_FAILS)
    expect(await failure(`{"result":0,"data":"${data}","mac":"${mac.slice(2)}"}`)).toEqual(MAC_FAILS)
    expect(await failure(`{"result":0,"data":"${data}","mac":12}`)).toEqual(MAC_FAILS)
    expect(await failure(`{"result":0,"data":"${data}"}`)).toEqual({
      ...MAC_FAILS,
      why: 'answer has data but no mac',
    })
  })

  it('refuses odd-length hex, part blocks and non-hex data whose mac verifies: code 3, 502', async () => {
    const { data } = A1
    for (const bad of [
      `${data}a`,
      data.slice(0, -2),
      `${data.slice(0, 20)}zz${data.slice(22)}`,
      `${data} `,
      `0x${data}`,
      // Characters beyond Latin-1 whose low byte is a hex digit (U+0130 `İ` is 0x30 `0`, U+0161 `š` is 0x61 `a`).
      `${data.slice(0, 20)}\u0130${data.slice(21)}`,
      `${data.slice(0, 20)}š${data.slice(21)}`,
    ]) {
      expect(await failure(`{"result":0,"data":"${bad}","mac":"${macOver(bad)}"}`), bad).toEqual(NOT_HEX)
    }
    // Whole blocks that are no ciphertext of this secret.
    const blocks = '00'.repeat(32)
    expect(await failure(`{"result":0,"data":"${blocks}","mac":"${macOver(blocks)}"}`)).toEqual({
      ...NOT_HEX,
      why: 'data does not decrypt with this secret',
    })
  })

  it('refuses a body cut anywhere as not JSON, and one with anything after the object', async () => {
    const body = `{"result":0,"message":"Success","data":"${A1.data}","mac":"${A1.mac}"}`
    for (let length = 1; length < body.length; length++) {
      expect(await failure(body.slice(0, length)), body.slice(0, length)).toEqual(NOT_JSON)
    }
    expect(await failure('')).toEqual(NOT_JSON)
    expect(await failure(`${body}}`)).toEqual(NOT_JSON)
    expect(await failure(`${body} x`)).toEqual(NOT_JSON)
    expect(await failure(`{"result":0,"data":"${A1.data}",}`)).toEqual(NOT_JSON)
    expect(await failure(`{"result":0,"data":"ab\u0001cd","mac":"${A1.mac}"}`)).toEqual(NOT_JSON)
    expect(await failure(`{"result":0,"data":"ab\\xcd","mac":"${A1.mac}"}`)).toEqual(NOT_JSON)
    expect(await failure(`{"result":0 "data":"${A1.data}"}`)).toEqual(NOT_JSON)
    expect(await failure(`{"result":[0}`)).toEqual(NOT_JSON)
    expect(await failure(`{"result":0,"x":tru}`)).toEqual(NOT_JSON)
    expect(await failure(`{result:0}`)).toEqual(NOT_JSON)
  })

  it('reads a top level that is not an object, results, and answers without data as before', async () => {
    expect(await failure('[1]')).toEqual({
      ...NOT_JSON,
      why: 'upstream answer is an array, not an object with HTTP 200',
    })
    expect(await failure('"x"')).toEqual({
      ...NOT_JSON,
      why: 'upstream answer is a string, not an object with HTTP 200',
    })
    expect(await failure('{"message":"Success"}')).toEqual({
      ...NOT_JSON,
      why: 'upstream answer has no "result" with HTTP 200',
    })
    for (const data of ['', '"data":null,', '"data":"",']) {
      expect(await opened(`{${data}"result":0,"message":"Success"}`)).toBeUndefined()
    }
    // A result other than 0 is the platform's code: data and mac are not looked at.
    expect(
      await failure(`{"data":"${A1.data}zz","mac":"bad","result":22,"message":"Wrong password"}`),
    ).toEqual({
      code: 22,
      status: 401,
      retryable: false,
      why: 'upstream answered result 22 ("Wrong password") with HTTP 200',
    })
  })

  it('never opens an answer that is not a 2xx', async () => {
    expect(await failure('{"result":89,"message":"busy"}', { status: 503 })).toMatchObject({
      code: 89,
      status: 503,
    })
    expect(await failure('', { status: 503 })).toEqual({
      code: 4,
      status: 502,
      retryable: true,
      why: 'upstream answered HTTP 503 with an empty body',
    })
    expect(await failure(`{"result":0,"data":"${A1.data}","mac":"${A1.mac}"}`, { status: 500 })).toEqual({
      code: 4,
      status: 502,
      retryable: true,
      why: 'upstream answered HTTP 500 with result 0',
    })
    expect(await failure('<html>', { status: 502 })).toMatchObject({
      code: 4,
      why: 'upstream answered HTTP 502 with a body that is not a platform answer',
    })
  })

  it('drops a UTF-8 byte order mark, and decodes a UTF-16 or Latin-1 body whole first', async () => {
    const body = `{"result":0,"message":"Succès","data":"${A1.data}","mac":"${A1.mac}"}`
    expect(await opened(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]))).toEqual({
      client_id: 'abc',
    })
    expect(await opened(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]))).toEqual({
      client_id: 'abc',
    })
    const failed = `{"result":22,"message":"Mot de passe erroné"}`
    expect(
      await failure(Buffer.from(failed, 'latin1'), { contentType: 'application/json; charset=ISO-8859-1' }),
    ).toMatchObject({
      code: 22,
      why: 'upstream answered result 22 ("Mot de passe erroné") with HTTP 200',
    })
  })
})

describe('hex fields of the plaintext', () => {
  const file = Buffer.from('%PDF-1.4\n%âãÏÓ\n%%EOF\n', 'latin1')
  const answer = (plaintext: string | Buffer) => {
    const data = encrypt(plaintext)
    return `{"result":0,"message":"Success","data":"${data}","mac":"${macOver(data)}"}`
  }
  const pdf = { hexFields: ['pdfdata'] }

  it('gives a hex field as bytes, in either case, and parses the rest', async () => {
    const value = (await opened(
      answer(`{"name":"a.pdf","pdfdata":"${file.toString('hex')}","n":[1,{"x":"}"}]}`),
      pdf,
    )) as Record<string, unknown>
    expect(value.pdfdata).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(value.pdfdata as Uint8Array).equals(file)).toBe(true)
    expect({ ...value, pdfdata: undefined }).toEqual({
      name: 'a.pdf',
      n: [1, { x: '}' }],
      pdfdata: undefined,
    })
    const upper = (await opened(
      answer(`{"pdfdata":"${file.toString('hex').toUpperCase()}"}`),
      pdf,
    )) as Record<string, Uint8Array>
    expect(Buffer.from(upper.pdfdata!).equals(file)).toBe(true)
    const escaped = (await opened(answer('{"pdfdata":"\\u0030\\u0041ff"}'), pdf)) as Record<
      string,
      Uint8Array
    >
    expect([...escaped.pdfdata!]).toEqual([0x0a, 0xff])
    const empty = (await opened(answer('{"pdfdata":""}'), pdf)) as Record<string, Uint8Array>
    expect(empty.pdfdata).toEqual(new Uint8Array(0))
    // Without hexFields the field is the string it always was.
    expect(await opened(answer(`{"pdfdata":"${file.toString('hex')}"}`))).toEqual({
      pdfdata: file.toString('hex'),
    })
  })

  it('gives the exact bytes of a field larger than the blocks the plaintext is kept in', async () => {
    const big = Buffer.alloc(700 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
    const body = answer(`{"pdfdata":"${big.toString('hex')}","name":"big.pdf"}`)
    for (const split of [1000, 65_537, Number.POSITIVE_INFINITY]) {
      const value = (await open(body, { size: split, wholeLimit: undefined }, pdf)) as Record<string, unknown>
      expect(value.name).toBe('big.pdf')
      expect(sha256(value.pdfdata as Uint8Array)).toBe(sha256(big))
    }
  })

  it('leaves a field that is not hex of whole bytes as it is', async () => {
    for (const value of ['abc', 'zz', '0a é', 12, null, ['00']]) {
      const json = JSON.stringify({ pdfdata: value, other: 1 })
      expect(await opened(answer(json), pdf), json).toEqual({ pdfdata: value, other: 1 })
    }
  })

  it('refuses a plaintext that is not UTF-8 or not JSON as before', async () => {
    const notUtf8 = Buffer.concat([
      Buffer.from('{"pdfdata":"00","x":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ])
    expect(await failure(answer(notUtf8), pdf)).toEqual({ ...NOT_HEX, why: 'decrypted data is not UTF-8' })
    expect(await failure(answer('{"pdfdata":"00",}'), pdf)).toEqual({
      ...NOT_HEX,
      why: 'decrypted data is not JSON',
    })
    expect(await failure(answer('{"pdfdata":"00"} x'), pdf)).toEqual({
      ...NOT_HEX,
      why: 'decrypted data is not JSON',
    })
    expect(await opened(answer('[1,"00"]'), pdf)).toEqual([1, '00'])
  })
})

describe('the scanner', () => {
  it('hands a streamed string to its sink and keeps only the other members', () => {
    const taken: string[] = []
    const sink: StringSink = {
      begin: () => taken.push('<'),
      other: () => taken.push('other'),
      hex: (run) => {
        if (!/^[0-9a-f]*$/.test(Buffer.from(run).toString('latin1'))) return false
        taken.push(Buffer.from(run).toString('latin1'))
        return true
      },
      plain: (run) => taken.push(`plain:${Buffer.from(run).toString('latin1')}`),
      text: (value) => taken.push(`text:${value}`),
      end: () => taken.push('>'),
    }
    const scanner = new ObjectScanner((key) => (key === 'big' ? sink : undefined))
    const big = 'ab'.repeat(200_000)
    const text = Buffer.from(`{"a":1,"big":"${big}","b":"x","big":"0g\\u00e9"}`)
    for (let at = 0; at < text.length; at += 1000) scanner.write(text.subarray(at, at + 1000))
    // The rest is the object without the streamed member: the 400 KB string never went into it.
    expect(scanner.end()?.toString()).toBe('{"a":1,"b":"x"}')
    expect(taken.join('')).toBe(`<${big}><plain:0gtext:é>`)
  })
})

describe('the scanner against JSON.parse', () => {
  /** What the scanner makes of `bytes` split at `cuts`: the value, its streamed `data` put back, or 'not JSON'. */
  function scanned(bytes: Buffer, cuts: number[]): unknown {
    let value = ''
    let kind = 'none'
    const sink: StringSink = {
      begin: () => {
        kind = 'string'
        value = ''
      },
      other: () => {
        kind = 'other'
      },
      // Everything through the other two paths: what they are given must add up to the string.
      hex: () => false,
      plain: (run) => {
        value += Buffer.from(run).toString('latin1')
      },
      text: (text) => {
        value += text
      },
      end: () => {},
    }
    const scanner = new ObjectScanner((key) => (key === 'data' ? sink : undefined))
    let at = 0
    for (const cut of [...cuts.filter((cut) => cut < bytes.length).sort((a, b) => a - b), bytes.length]) {
      scanner.write(bytes.subarray(at, cut))
      at = Math.max(at, cut)
    }
    const rest = scanner.end()
    if (rest === undefined) return 'not JSON'
    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder().decode(rest))
    } catch {
      return 'not JSON'
    }
    if (kind === 'string') (parsed as Record<string, unknown>).data = value
    return parsed
  }

  function parsed(bytes: Buffer): unknown {
    try {
      return JSON.parse(new TextDecoder().decode(bytes))
    } catch {
      return 'not JSON'
    }
  }

  const member = fc.oneof(
    fc.tuple(
      fc.constantFrom('data', 'mac', 'result', 'message', 'd\\u0061ta'),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    fc.tuple(
      fc.constant('data'),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF"\\/é\n\u2028') }),
    ),
  )
  const text = fc
    .tuple(fc.array(member, { maxLength: 6 }), fc.constantFrom('', ' ', '\n\t '))
    .map(
      ([members, space]) =>
        `${space}{${members
          .map(([key, value]) => `"${key}"${space}:${space}${JSON.stringify(value)}`)
          .join(`${space},${space}`)}${space}}${space}`,
    )
  const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 6 })

  it('reads any object as JSON.parse does, however it is cut', () => {
    fc.assert(
      fc.property(text, cuts, (json, at) => {
        const bytes = Buffer.from(json, 'utf8')
        expect(scanned(bytes, at)).toEqual(parsed(bytes))
      }),
      { numRuns: 500 },
    )
  })

  it('refuses what JSON.parse refuses: one character inserted or deleted anywhere', () => {
    fc.assert(
      fc.property(
        text,
        fc.nat(),
        fc.constantFrom(...'{}[],:"\\ 0at-\u0001'.split(''), ''),
        cuts,
        (json, where, inserted, at) => {
          const i = where % (json.length + 1)
          const mutated =
            inserted === ''
              ? json.slice(0, i) + json.slice(i + 1)
              : json.slice(0, i) + inserted + json.slice(i)
          const bytes = Buffer.from(mutated, 'utf8')
          expect(scanned(bytes, at)).toEqual(parsed(bytes))
        },
      ),
      { numRuns: 2000 },
    )
  })
})
