import { createCipheriv } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { isSignError, type SignError, UpstreamError } from 'esign-errors'
import { decryptData, encryptData, fileHash, macOf, openEnvelope } from 'esign-errors/platform'
import { describe, expect, it } from 'vitest'
import { decryptText, encryptText, keyOf } from '../../src/platform/envelope.js'

interface Case {
  plaintext: string
  plaintextUtf8Hex: string
  data: string
  mac: string
  decryptedRoundTrip: string
  uppercaseVariant: { data: string; macOverUppercaseData: string }
}
interface Serialised {
  id: string
  json: string
  data: string
  mac: string
}
interface Vectors {
  apiSecret: string
  aesKeyHex: string
  macOfEmptyDataString: { value: string }
  cases: Record<string, Case>
  uppercaseHexCheck: { phpVendorDecryptsUppercaseWithMatchingMac: string; phpVendorWithLowercaseMac: string }
  vendorSerialisers: Record<'php_json_encode' | 'java_json_simple' | 'postman_JSON_stringify', Serialised[]>
  uploadFileHash: { file: string; node: string; php_hash_file: string; java_calculateHash: string }
}

// A pinned copy of ../shared/protocol/vectors.json, produced by the vendor's own PHP, Java and Postman code.
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/vectors.json', import.meta.url), 'utf8'),
) as Vectors
const secret = vectors.apiSecret
const cases = Object.entries(vectors.cases)
const serialised = Object.entries(vectors.vendorSerialisers).flatMap(([who, rows]) =>
  Array.isArray(rows) ? rows.map((row) => [`${who} ${row.id}`, row] as const) : [],
)

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function signErrorFrom(fn: () => unknown): SignError {
  const error = thrown(fn)
  expect(isSignError(error)).toBe(true)
  return error as SignError
}

describe('the vectors file', () => {
  it('holds every case the protocol notes list', () => {
    expect(Object.keys(vectors.cases)).toEqual([
      'A1_client_id',
      'A2_document_email',
      'A3_empty_object',
      'A4_non_ascii_raw_utf8',
      'E1_empty_string',
      'E2_exactly_16_bytes',
      'E3_non_ascii_php_escaped',
      'E4_php_empty_array',
      'R1_token_response_payload',
    ])
    expect(serialised).toHaveLength(17)
  })

  it('derives the AES key as the raw SHA-256 of the secret', () => {
    expect(keyOf(secret).toString('hex')).toBe(vectors.aesKeyHex)
    // Which is why no MAC is ever computed over empty data: it would be the key.
    expect(vectors.macOfEmptyDataString.value).toBe(vectors.aesKeyHex)
  })
})

describe.each(cases)('vector %s', (_id, v) => {
  it('encrypts the exact plaintext to data', () => {
    expect(Buffer.from(v.plaintext, 'utf8').toString('hex')).toBe(v.plaintextUtf8Hex)
    expect(encryptText(v.plaintext, secret)).toBe(v.data)
  })

  it('computes the mac of data', () => {
    expect(macOf(v.data, secret)).toBe(v.mac)
    expect(macOf(v.uppercaseVariant.data, secret)).toBe(v.uppercaseVariant.macOverUppercaseData)
  })

  it('decrypts data back to the plaintext, lower or upper case', () => {
    expect(decryptText(v.data, secret)).toBe(v.decryptedRoundTrip)
    expect(decryptText(v.uppercaseVariant.data, secret)).toBe(v.decryptedRoundTrip)
  })

  it('decryptData parses the plaintext, or refuses one that is not JSON', () => {
    if (v.plaintext === '') {
      const err = signErrorFrom(() => decryptData(v.data, secret))
      expect([err.code, err.status]).toEqual([3, 502])
      expect((err.cause as UpstreamError).message).toBe('decrypted data is not JSON')
    } else {
      expect(decryptData(v.data, secret)).toEqual(JSON.parse(v.plaintext))
    }
  })

  it('openEnvelope verifies and opens the answer that carries it', () => {
    const body = { result: 0, message: 'Success', data: v.data, mac: v.mac }
    if (v.plaintext === '') {
      expect(signErrorFrom(() => openEnvelope(body, secret)).code).toBe(3)
    } else {
      expect(openEnvelope(body, secret)).toEqual(JSON.parse(v.plaintext))
      expect(openEnvelope(JSON.stringify(body), secret)).toEqual(JSON.parse(v.plaintext))
    }
  })

  it('openEnvelope opens upper-case data whose mac covers it as sent, and refuses the lower-case mac', () => {
    const upper = { result: 0, data: v.uppercaseVariant.data, mac: v.uppercaseVariant.macOverUppercaseData }
    if (v.plaintext !== '') expect(openEnvelope(upper, secret)).toEqual(JSON.parse(v.plaintext))
    const mixed = { result: 0, data: v.uppercaseVariant.data, mac: v.mac }
    expect(signErrorFrom(() => openEnvelope(mixed, secret)).code).toBe(2)
  })
})

// The cases whose plaintext is exactly what JSON.stringify writes (not E1, which is no JSON, nor E3, PHP's escapes).
const stringifiable = cases.filter(
  ([, v]) => v.plaintext !== '' && JSON.stringify(JSON.parse(v.plaintext)) === v.plaintext,
)

describe('encryptData of a parsed vector', () => {
  it('covers every case but E1 and E3', () => {
    expect(stringifiable.map(([id]) => id)).toEqual([
      'A1_client_id',
      'A2_document_email',
      'A3_empty_object',
      'A4_non_ascii_raw_utf8',
      'E2_exactly_16_bytes',
      'E4_php_empty_array',
      'R1_token_response_payload',
    ])
  })

  it.each(stringifiable)('%s gives the same data', (_id, v) => {
    expect(encryptData(JSON.parse(v.plaintext), secret)).toBe(v.data)
  })
})

describe.each(serialised)('vendor serialiser %s', (_id, row) => {
  it('encrypts that JSON text to its data and mac, and decrypts to the same value', () => {
    expect(encryptText(row.json, secret)).toBe(row.data)
    expect(macOf(row.data, secret)).toBe(row.mac)
    expect(decryptData(row.data, secret)).toEqual(JSON.parse(row.json))
    expect(openEnvelope({ result: 0, data: row.data, mac: row.mac }, secret)).toEqual(JSON.parse(row.json))
  })
})

describe('the PHP vendor check of upper-case data', () => {
  it('matches what the PHP sample decided', () => {
    const a1 = vectors.cases.A1_client_id!
    const upper = a1.uppercaseVariant
    expect(openEnvelope({ result: 0, data: upper.data, mac: upper.macOverUppercaseData }, secret)).toEqual(
      JSON.parse(vectors.uppercaseHexCheck.phpVendorDecryptsUppercaseWithMatchingMac),
    )
    expect(vectors.uppercaseHexCheck.phpVendorWithLowercaseMac).toBe('MAC_MISMATCH')
    expect(signErrorFrom(() => openEnvelope({ result: 0, data: upper.data, mac: a1.mac }, secret)).code).toBe(
      2,
    )
  })
})

describe('encryptData', () => {
  it('writes raw UTF-8, not \\u escapes, as JSON.stringify does (A4, not E3)', () => {
    expect(encryptData({ name: '名字 Müller' }, secret)).toBe(vectors.cases.A4_non_ascii_raw_utf8!.data)
  })

  it('pads a plaintext of exactly 16 bytes with a whole block (E2 ends with E1)', () => {
    const e2 = encryptData({ k: '12345678' }, secret)
    expect(e2).toBe(vectors.cases.E2_exactly_16_bytes!.data)
    expect(e2.endsWith(vectors.cases.E1_empty_string!.data)).toBe(true)
  })

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
  ])('refuses %s, which JSON cannot carry', (_label, payload) => {
    expect(() => encryptData(payload, secret)).toThrow(TypeError)
  })

  it.each([
    ['an empty secret', ''],
    ['no secret', undefined],
    ['a number', 123],
  ])('refuses %s without repeating it', (_label, bad) => {
    expect(() => encryptData({}, bad as never)).toThrow(
      new TypeError('encryptData: apiSecret must be a non-empty string'),
    )
  })
})

describe('macOf', () => {
  it('never computes a MAC over empty data, which would be the AES key', () => {
    const error = thrown(() => macOf('', secret))
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).not.toContain(vectors.aesKeyHex)
    expect(() => macOf(undefined as never, secret)).toThrow(TypeError)
  })
})

describe('decryptData refuses what is not data, with code 3 and status 502', () => {
  const a1 = vectors.cases.A1_client_id!
  it.each([
    ['an odd length', `${a1.data}0`, 'data is not hex whole AES blocks'],
    ['a character that is not hex', `${a1.data.slice(0, -1)}g`, 'data is not hex whole AES blocks'],
    ['half a block', a1.data.slice(0, 16), 'data is not hex whole AES blocks'],
    ['an empty string', '', 'data is not hex whole AES blocks'],
    // Characters beyond Latin-1 whose low byte is a hex digit (U+0130 `İ` is 0x30 `0`, U+0161 `š` is 0x61 `a`).
    ['a `İ` where a `0` is', a1.data.replace('0', 'İ'), 'data is not hex whole AES blocks'],
    ['a `š` where an `a` is', a1.data.replace('a', 'š'), 'data is not hex whole AES blocks'],
    ['a block too few (bad padding)', a1.data.slice(0, 32), 'data does not decrypt with this secret'],
  ])('%s', (_label, data, why) => {
    const err = signErrorFrom(() => decryptData(data, secret))
    expect([err.code, err.codeName, err.status, err.retryable]).toEqual([3, 'DataFormatError', 502, false])
    expect(err.cause).toBeInstanceOf(UpstreamError)
    expect((err.cause as UpstreamError).message).toBe(why)
    expect(inspect(err, { depth: 5 })).not.toContain(a1.data.slice(0, 32))
  })

  it('refuses data encrypted under another secret', () => {
    // Data from the vectors, opened with a secret that did not make it: padding or UTF-8 gives it away.
    const err = signErrorFrom(() => decryptData(vectors.cases.A2_document_email!.data, 'another-secret'))
    expect(err.code).toBe(3)
  })

  it('refuses text that is not UTF-8, where the vendor JS helpers would garble it', () => {
    // 0xff is never valid UTF-8; encrypted here with node:crypto directly under the vectors' key.
    const cipher = createCipheriv('aes-256-ecb', Buffer.from(vectors.aesKeyHex, 'hex'), null)
    const data = Buffer.concat([cipher.update(Buffer.from([0x22, 0xff, 0x22])), cipher.final()]).toString(
      'hex',
    )
    const err = signErrorFrom(() => decryptData(data, secret))
    expect((err.cause as UpstreamError).message).toBe('decrypted data is not UTF-8')
  })

  it('does not quote decrypted text that is not JSON', () => {
    const cipher = createCipheriv('aes-256-ecb', Buffer.from(vectors.aesKeyHex, 'hex'), null)
    const text = '{"at":"private-token-value",'
    const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]).toString('hex')
    const err = signErrorFrom(() => decryptData(data, secret))
    expect((err.cause as UpstreamError).message).toBe('decrypted data is not JSON')
    expect(inspect(err, { depth: 10 })).not.toContain('private-token-value')
    expect((err.cause as UpstreamError).cause).toBeUndefined()
  })
})

describe('openEnvelope', () => {
  const r1 = vectors.cases.R1_token_response_payload!

  it('returns undefined for a success without data, and never computes a MAC for it', () => {
    expect(openEnvelope({ result: 0, message: 'Success' }, secret)).toBeUndefined()
    expect(openEnvelope({ result: 0, message: 'Success', data: '', mac: '' }, secret)).toBeUndefined()
    expect(openEnvelope({ result: 0, data: null }, secret)).toBeUndefined()
    expect(openEnvelope('{"result":0,"message":"Success"}', secret)).toBeUndefined()
  })

  it('throws the SignError of a non-zero result without looking at data or mac', () => {
    const err = signErrorFrom(() =>
      openEnvelope({ result: 41, message: 'Document does not exist', data: 'zz', mac: 'nope' }, secret),
    )
    expect([err.code, err.codeName, err.status]).toEqual([41, 'DocumentNotFound', 404])
    expect((err.cause as UpstreamError).result).toBe(41)
  })

  it('applies statusOverrides to the codes the platform answered', () => {
    const err = signErrorFrom(() => openEnvelope({ result: 53 }, secret, { statusOverrides: { 53: 502 } }))
    expect([err.code, err.status]).toEqual([53, 502])
    expect(() => openEnvelope({ result: 0 }, secret, { statusOverrides: { 53: 200 } })).toThrow(TypeError)
  })

  it.each([
    [
      'a tampered mac',
      { mac: `${r1.mac.slice(0, -1)}${r1.mac.endsWith('0') ? '1' : '0'}` },
      'answer mac does not verify',
    ],
    ['a mac of the wrong length', { mac: r1.mac.slice(0, 62) }, 'answer mac does not verify'],
    ['a mac that is not hex', { mac: 'z'.repeat(64) }, 'answer mac does not verify'],
    ['no mac', { mac: undefined }, 'answer has data but no mac'],
    ['tampered data', { data: `${r1.data.slice(0, -2)}00` }, 'answer mac does not verify'],
  ])('%s is code 2 MacMismatch, 502, not retryable', (_label, change, why) => {
    const body = { result: 0, message: 'Success', data: r1.data, mac: r1.mac, ...change }
    const err = signErrorFrom(() => openEnvelope(body, secret))
    expect([err.code, err.codeName, err.status, err.retryable, err.expose]).toEqual([
      2,
      'MacMismatch',
      502,
      false,
      false,
    ])
    expect((err.cause as UpstreamError).message).toBe(why)
    const printed = `${inspect(err, { depth: 10 })} ${JSON.stringify(err)} ${err.message}`
    for (const value of [secret, r1.data, r1.mac, '00000000-0000-0000-0000-000000000000']) {
      expect(printed).not.toContain(value)
    }
  })

  it('accepts the mac in upper case: it is compared as bytes', () => {
    expect(openEnvelope({ result: 0, data: r1.data, mac: r1.mac.toUpperCase() }, secret)).toEqual(
      JSON.parse(r1.plaintext),
    )
  })

  it('ignores statusOverrides for its own MAC finding: always 502', () => {
    const body = { result: 0, data: r1.data, mac: r1.mac.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) }
    expect(signErrorFrom(() => openEnvelope(body, secret, { statusOverrides: { 2: 401 } })).status).toBe(502)
  })

  it('refuses data that is not a string with code 3', () => {
    const err = signErrorFrom(() => openEnvelope({ result: 0, data: { at: 'x' }, mac: r1.mac }, secret))
    expect([err.code, err.status]).toEqual([3, 502])
  })

  it('refuses an unreadable body with code 3 and does not keep the parser error, which quotes it', () => {
    const text = `{"result":0,"data":"${r1.data}","mac":"${r1.mac}",}`
    const err = signErrorFrom(() => openEnvelope(text, secret))
    expect([err.code, err.status]).toEqual([3, 502])
    expect((err.cause as UpstreamError).message).toBe('upstream answer is not JSON')
    expect(inspect(err, { depth: 10 })).not.toContain(r1.data)
  })
})

describe('fileHash', () => {
  it('is the uploadFileHash the vendor samples compute', () => {
    const { file, node, php_hash_file, java_calculateHash } = vectors.uploadFileHash
    expect(new Set([node, php_hash_file, java_calculateHash]).size).toBe(1)
    expect(fileHash(Buffer.from(file, 'utf8'))).toBe(node)
  })
})
