import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { isSignError, type SignError, type UpstreamError } from 'esign-errors'
import { openCallback } from 'esign-errors/platform'
import { describe, expect, it } from 'vitest'

const vectors = JSON.parse(readFileSync(new URL('fixtures/vectors.json', import.meta.url), 'utf8')) as {
  apiSecret: string
  cases: Record<string, { plaintext: string; data: string; mac: string }>
}
const apiSecret = vectors.apiSecret
const a2 = vectors.cases.A2_document_email!
const r1 = vectors.cases.R1_token_response_payload!

function refusal(body: unknown): SignError {
  let error: unknown
  try {
    openCallback(body, { apiSecret })
  } catch (caught) {
    error = caught
  }
  expect(isSignError(error)).toBe(true)
  return error as SignError
}

describe('openCallback', () => {
  const form = `data=${a2.data}&mac=${a2.mac}`
  const json = JSON.stringify({ data: a2.data, mac: a2.mac })
  it.each([
    ['a urlencoded form as text', form],
    ['a form as bytes', Buffer.from(form)],
    ['URLSearchParams', new URLSearchParams(form)],
    ['JSON text', json],
    ['JSON text behind a byte order mark', `\uFEFF${json}`],
    ['JSON as bytes', new TextEncoder().encode(json)],
    ['an object a body parser made', { data: a2.data, mac: a2.mac, extra: 'field' }],
  ])('verifies and decrypts %s', (_label, body) => {
    expect(openCallback(body, { apiSecret })).toEqual({ verified: true, data: JSON.parse(a2.plaintext) })
  })

  it('returns a body without data and mac as unverified fields', () => {
    expect(openCallback('contractnum=C1&state=4', { apiSecret })).toEqual({
      verified: false,
      fields: { contractnum: 'C1', state: '4' },
    })
    expect(openCallback({ contractnum: 'C1', signstate: 1 }, { apiSecret })).toEqual({
      verified: false,
      fields: { contractnum: 'C1', signstate: 1 },
    })
    expect(openCallback('', { apiSecret })).toEqual({ verified: false, fields: {} })
  })

  it('keeps a "__proto__" field a field, and touches no prototype', () => {
    const content = openCallback('{"__proto__":{"polluted":1},"contractnum":"C1"}', { apiSecret })
    expect(content.verified).toBe(false)
    const fields = (content as { fields: Record<string, unknown> }).fields
    expect(Object.keys(fields)).toEqual(['__proto__', 'contractnum'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype)
  })

  it.each([
    ['a mac that does not verify', { data: a2.data, mac: r1.mac }, 2, 'callback mac does not verify'],
    ['data from another answer', { data: r1.data, mac: a2.mac }, 2, 'callback mac does not verify'],
    ['data without mac', { data: a2.data }, 2, 'callback has data or mac without the other'],
    ['mac without data', { mac: a2.mac }, 2, 'callback has data or mac without the other'],
    ['an empty data', { data: '', mac: a2.mac }, 2, 'callback has data or mac without the other'],
  ])('refuses %s: code %i, status 400', (_label, body, code, why) => {
    const err = refusal(body)
    expect([err.code, err.status]).toEqual([code, 400])
    expect((err.cause as UpstreamError).message).toBe(why)
    const printed = `${inspect(err, { depth: 10 })}${JSON.stringify(err)}`
    for (const value of [apiSecret, a2.data, a2.mac, r1.data, r1.mac]) expect(printed).not.toContain(value)
  })

  it('refuses a verified data that is not JSON: code 3, status 400', () => {
    const e1 = vectors.cases.E1_empty_string!
    const err = refusal({ data: e1.data, mac: e1.mac })
    expect([err.code, err.status]).toEqual([3, 400])
  })

  it('refuses a body that is neither a form nor JSON: code 3, status 400, without quoting it', () => {
    const err = refusal(`{"data":"${a2.data}",`)
    expect([err.code, err.status]).toEqual([3, 400])
    expect(inspect(err, { depth: 10 })).not.toContain(a2.data)
    expect(refusal(42).code).toBe(3)
    expect(refusal(['data']).code).toBe(3)
  })

  it('refuses a missing secret with a TypeError', () => {
    expect(() => openCallback(json, { apiSecret: '' })).toThrow(
      new TypeError('openCallback: apiSecret must be a non-empty string'),
    )
  })
})
