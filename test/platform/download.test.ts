import { createHash, randomBytes } from 'node:crypto'
import { inflateRawSync } from 'node:zlib'
import { createPlatformClient } from 'esign-errors/platform'
import { type FakePlatform, startFakePlatform } from 'esign-errors/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

let fake: FakePlatform
beforeEach(async () => {
  fake = await startFakePlatform()
})
afterEach(async () => {
  vi.restoreAllMocks()
  await fake.close()
})

const client = () =>
  createPlatformClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    timeoutMs: 60_000,
  })
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('a large download over a real socket', () => {
  it('returns the exact bytes of a 24 MiB file, and never reads its answer as one string', async () => {
    const file = randomBytes(24 * 1024 * 1024)
    const { contractnum } = fake.addDocument({ bytes: file, type: 'pdf' })
    const platform = client()
    // The token first: only the download is watched.
    await platform.downloadContract(fake.addDocument({ bytes: Buffer.from('%PDF-1.4\n') }).contractnum)

    // The answer is about 96 MiB of text. Reading it whole would pass it, or its plaintext, to one of these.
    // (Not Buffer#toString: the fake, in this process, makes its answer with it.)
    const longest = { parse: 0, decode: 0 }
    const parse = JSON.parse
    vi.spyOn(JSON, 'parse').mockImplementation((text, reviver) => {
      longest.parse = Math.max(longest.parse, String(text).length)
      return parse(text, reviver)
    })
    const decode = TextDecoder.prototype.decode
    vi.spyOn(TextDecoder.prototype, 'decode').mockImplementation(function (
      this: InstanceType<typeof TextDecoder>,
      input,
      options,
    ) {
      longest.decode = Math.max(longest.decode, input?.byteLength ?? 0)
      return decode.call(this, input, options)
    })
    const downloaded = await platform.downloadContract(contractnum)
    vi.restoreAllMocks()

    expect(downloaded).toBeInstanceOf(Uint8Array)
    expect(downloaded.byteLength).toBe(file.length)
    expect(sha256(downloaded)).toBe(sha256(file))
    // Pieces of at most 64 KiB go through these; nothing near the file's size, let alone the answer's.
    expect(longest.parse).toBeLessThan(1024 * 1024)
    expect(longest.decode).toBeLessThan(1024 * 1024)
  }, 60_000)

  it.each([
    ['small (from the shared pool if unzeroed)', 100],
    ['large', 256 * 1024],
  ])("a downloaded file's memory holds nothing but the file: %s", async (_, size) => {
    // Made just before, where an unzeroed pool slice would show it.
    const secret = Buffer.from(`not-for-the-client-${'s'.repeat(40)}`)
    const file = Buffer.alloc(size, 0x25)
    const pdf = await client().downloadContract(fake.addDocument({ bytes: file, type: 'pdf' }).contractnum)
    expect(sha256(pdf)).toBe(sha256(file))
    const whole = Buffer.from(pdf.buffer, 0, pdf.buffer.byteLength)
    expect(whole.includes(secret)).toBe(false)
    const outside = Buffer.concat([
      whole.subarray(0, pdf.byteOffset),
      whole.subarray(pdf.byteOffset + pdf.byteLength),
    ])
    expect(outside.every((byte) => byte === 0)).toBe(true)
  })

  it('gives the bytes of a zip download too', async () => {
    const file = randomBytes(256 * 1024)
    const { contractnum } = fake.addDocument({ bytes: file, type: 'pdf' })
    const zip = await client().downloadZip(contractnum)
    expect(zip).toBeInstanceOf(Uint8Array)
    // A local file header, then the file deflated (APPNOTE 4.3.7): name and extra field lengths at 26 and 28.
    const bytes = Buffer.from(zip)
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50)
    const start = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28)
    const packed = bytes.subarray(start, start + bytes.readUInt32LE(18))
    expect(sha256(inflateRawSync(packed))).toBe(sha256(file))
  })

  it('request() gives hex fields as bytes only when asked to', async () => {
    const file = Buffer.from('%PDF-1.4\n%%EOF\n')
    const { contractnum } = fake.addDocument({ bytes: file, type: 'pdf' })
    const platform = client()
    const call = { method: 'GET', path: 'contract/file', payload: { contractnum } } as const
    const asked = (await platform.request({ ...call, hexFields: ['pdfdata'] })) as { pdfdata: Uint8Array }
    expect(asked.pdfdata).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(asked.pdfdata).equals(file)).toBe(true)
    expect(await platform.request(call)).toEqual({ pdfdata: file.toString('hex') })
    await expect(platform.request({ ...call, hexFields: 'pdfdata' as never })).rejects.toThrow(
      new TypeError('request: hexFields must be an array of field names'),
    )
  })
})
