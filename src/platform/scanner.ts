import { createDecipheriv, createHash, type Decipher, type Hash } from 'node:crypto'
import { ownData } from '../core/foreign.js'
import type { StatusOverrides } from '../core/status.js'
import { notOkError, type Read, readAnswer, toSignError } from '../upstream/answer.js'
import type { Scrubber } from '../upstream/secrets.js'
import { type Answer, decodeBody, readChunks, readsAsUtf8, utf8BomLength } from '../upstream/transport.js'
import { badResponse, decryptChunks, type Failure, keyOf, macFailure, macMatches } from './envelope.js'
import { ObjectScanner, PIECE, type StringSink, utf8 } from './object-scanner.js'
import { Blocks, HexWriter, openPlaintext } from './plaintext.js'

// A platform answer past 64 KB is read as it arrives, never whole: a download's body is its file as hex inside
// encrypted hex, about 4x the file, and reading it as one string (then JSON.parse, then the hex of the `data`,
// then the plaintext, then the hex of `pdfdata`) held some 24x the file at once. The `data` string goes straight into
// the MAC's hash and, hex-decoded, into the decipher; everything else of the answer is small and is parsed by
// JSON.parse itself, so what it accepts, refuses and makes of duplicates and escapes is what it always was.

/**
 * The `data` of a platform answer, streamed: every character into the MAC's SHA-256 (the secret follows at the
 * end), hex-decoded into the decipher while it is hex. Nothing it decrypts is looked at before the MAC verifies.
 */
class DataSink implements StringSink {
  /** What the last `data` member held: none, a string (streamed here) or another value (in the rest). */
  kind: 'none' | 'string' | 'other' = 'none'
  readonly #apiSecret: string
  /** Whether to hash and decrypt at all: an answer that is not a 2xx is never opened. */
  readonly #open: boolean
  #hash: Hash | undefined
  #decipher: Decipher | undefined
  #hexWriter = new HexWriter()
  #scratch = Buffer.allocUnsafe(0)
  #plain = new Blocks()
  #characters = 0
  #cipherBytes = 0
  #notHex = false

  constructor(apiSecret: string, open: boolean) {
    this.#apiSecret = apiSecret
    this.#open = open
  }

  begin(): void {
    this.kind = 'string'
    this.#hash = this.#open ? createHash('sha256') : undefined
    this.#decipher = this.#open ? createDecipheriv('aes-256-ecb', keyOf(this.#apiSecret), null) : undefined
    this.#hexWriter = new HexWriter()
    this.#plain = new Blocks()
    this.#characters = 0
    this.#cipherBytes = 0
    this.#notHex = false
  }

  other(): void {
    this.kind = 'other'
    this.#hash = undefined
    this.#decipher = undefined
    this.#plain = new Blocks()
  }

  hex(run: Uint8Array): boolean {
    if (this.#notHex || !this.#decode(run)) return false
    this.#hash?.update(run)
    this.#characters += run.length
    return true
  }

  plain(run: Uint8Array): void {
    this.#notHex = true
    this.#hash?.update(run)
    this.#characters += run.length
  }

  text(value: string): void {
    this.#hash?.update(value, 'utf8')
    this.#characters += value.length
    if (!this.#notHex && !this.#decode(value)) this.#notHex = true
  }

  end(): void {}

  /** Decodes hex digits into the decipher; false, and nothing taken, when they are not all hex. */
  #decode(digits: Uint8Array | string): boolean {
    const room = (digits.length >> 1) + 1
    if (this.#scratch.length < room) {
      // Grown as the runs come, up to what a piece takes: a small answer's run takes a few KB, and 32 KB of
      // memory of its own per answer, outside the heap, was a cost its collector showed.
      const grown = Math.min(2 * this.#scratch.length, PIECE / 2 + 1)
      this.#scratch = Buffer.allocUnsafe(Math.max(room, grown))
    }
    const written =
      typeof digits === 'string'
        ? this.#hexWriter.text(digits, this.#scratch, 0)
        : this.#hexWriter.bytes(digits, this.#scratch, 0)
    if (written < 0) return false
    this.#cipherBytes += written
    if (written > 0 && this.#decipher !== undefined) {
      this.#plain.add(this.#decipher.update(this.#scratch.subarray(0, written)))
    }
    return true
  }

  /** Whether the last `data` was the empty string. */
  get empty(): boolean {
    return this.#characters === 0
  }

  /** SHA-256 of the data's characters and then the secret: what its `mac` should be the hex of. */
  digest(): Buffer {
    return this.#hash!.update(this.#apiSecret, 'utf8').digest()
  }

  /** The plaintext, in the pieces the decipher gave; call only once the MAC verified. */
  plaintext(fail: Failure): { chunks: Buffer[]; bytes: number } {
    if (this.#notHex || this.#hexWriter.pending || this.#cipherBytes % 16 !== 0) {
      throw fail('data is not hex whole AES blocks')
    }
    let last: Buffer
    try {
      last = this.#decipher!.final()
    } catch {
      // OpenSSL's "bad decrypt": the wrong secret, or bytes that were never ciphertext.
      throw fail('data does not decrypt with this secret')
    }
    const plain = this.#plain
    this.#plain = new Blocks()
    plain.add(last)
    return { chunks: plain.chunks(), bytes: plain.bytes }
  }
}

/**
 * The `data` of an answer read whole and parsed by JSON.parse: what {@link DataSink} would have made of the same
 * string, worked out from it when asked.
 */
class WholeData {
  readonly kind: 'none' | 'string' | 'other'
  readonly #value: string
  readonly #apiSecret: string

  constructor(body: unknown, apiSecret: string) {
    const value = typeof body === 'object' && body !== null ? ownData(body, 'data') : undefined
    this.kind = typeof value === 'string' ? 'string' : value === undefined ? 'none' : 'other'
    this.#value = typeof value === 'string' ? value : ''
    this.#apiSecret = apiSecret
  }

  get empty(): boolean {
    return this.#value.length === 0
  }

  digest(): Buffer {
    return createHash('sha256').update(this.#value, 'utf8').update(this.#apiSecret, 'utf8').digest()
  }

  plaintext(fail: Failure): { chunks: Buffer[]; bytes: number } {
    const chunks = decryptChunks(this.#value, this.#apiSecret, fail)
    return { chunks, bytes: chunks[0].length + chunks[1].length }
  }
}

/** An answer as scanned, before any decision: what {@link openScanned} decides on. */
export interface Scanned {
  read: Read
  /** Whether the body was empty (a byte order mark aside). */
  empty: boolean
  data: DataSink | WholeData
}

// An answer up to this size is read whole and parsed by JSON.parse, as any client reads it: the scanner walks
// every byte in JavaScript, which cost more than the native parse over a 7 KB list. Past it, what was held goes to the scanner and the
// rest is scanned as it arrives, so a download holds no more of its body than this at once.
const WHOLE_LIMIT = 64 * 1024

/**
 * Reads an answer's body (see {@link readChunks} for `maxBytes`). One that ends within `wholeLimit` bytes is
 * parsed whole by JSON.parse; a longer one as it arrives, without holding it: the `data` string hashed and
 * decrypted on the way, everything else kept for JSON.parse. Either way a body that is not UTF-8 (by its byte
 * order mark or charset) is decoded whole first, as `decodeBody` always did, and the two ways come to the same
 * answer (test/platform/scanner.test.ts reads every answer both ways). Throws only what `readChunks` throws.
 */
export async function scanAnswer(
  response: Answer,
  options: {
    apiSecret: string
    maxBytes: number
    context: string
    scrubber: Scrubber
    /** Bytes up to which the answer is read whole; WHOLE_LIMIT unless given (0: always scanned). */
    wholeLimit?: number
  },
): Promise<Scanned> {
  const contentType = response.headers.get('content-type')
  const streamed = () => new StreamedAnswer(options.apiSecret, response.ok, contentType)
  const wholeLimit = options.wholeLimit ?? WHOLE_LIMIT
  // The chunks of an answer that may yet end within the limit; the scan, once it has not.
  let held: Uint8Array[] | undefined = wholeLimit > 0 ? [] : undefined
  let heldBytes = 0
  let scan = held === undefined ? streamed() : undefined
  await readChunks(response, options.maxBytes, options.context, (chunk) => {
    if (held !== undefined) {
      heldBytes += chunk.length
      if (heldBytes <= wholeLimit) {
        held.push(chunk)
        return
      }
      scan = streamed()
      for (const piece of held) scan.write(piece)
      held = undefined
    }
    scan!.write(chunk)
  })
  if (held !== undefined) return readWhole(held, heldBytes, contentType, options)
  return scan!.end(options.scrubber)
}

/** An answer scanned as it arrives: its `data` into a {@link DataSink}, the rest kept for JSON.parse. */
class StreamedAnswer {
  readonly #data: DataSink
  readonly #scanner: ObjectScanner
  readonly #contentType: string | null
  // The first bytes, until the encoding is known; then either the scanner takes every chunk, or `#whole`
  // keeps them for decodeBody.
  #head: Uint8Array | undefined = Buffer.alloc(0)
  #whole: Uint8Array[] | undefined

  constructor(apiSecret: string, open: boolean, contentType: string | null) {
    const data = new DataSink(apiSecret, open)
    this.#data = data
    this.#scanner = new ObjectScanner((key) => (key === 'data' ? data : undefined))
    this.#contentType = contentType
  }

  write(chunk: Uint8Array): void {
    if (this.#whole !== undefined) this.#whole.push(chunk)
    else if (this.#head === undefined) this.#scanner.write(chunk)
    else {
      // Most answers' first chunk holds the first three bytes: taken as it is, not copied.
      const first = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk])
      if (first.length >= 3) this.#start(first)
      else this.#head = first
    }
  }

  end(scrubber: Scrubber): Scanned {
    if (this.#head !== undefined) this.#start(this.#head)
    const scanner = this.#scanner
    if (this.#whole !== undefined) {
      scanner.write(Buffer.from(decodeBody(Buffer.concat(this.#whole), this.#contentType), 'utf8'))
    }
    const rest = scanner.end()
    const read: Read =
      rest === undefined
        ? { ok: false, why: 'upstream answer is not JSON' }
        : readAnswer(utf8.decode(rest), undefined, scrubber)
    return { read, empty: scanner.bytes === 0, data: this.#data }
  }

  #start(first: Uint8Array): void {
    this.#head = undefined
    if (!readsAsUtf8(first, this.#contentType)) this.#whole = [first]
    else {
      this.#scanner.write(first.subarray(utf8BomLength(first)))
    }
  }
}

/** A small answer, ended within WHOLE_LIMIT: decoded as the scanner would decode it, then parsed whole. */
function readWhole(
  chunks: Uint8Array[],
  bytes: number,
  contentType: string | null,
  options: { apiSecret: string; scrubber: Scrubber },
): Scanned {
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)
  let text: string
  let empty: boolean
  if (readsAsUtf8(body, contentType)) {
    const bom = utf8BomLength(body)
    text = utf8.decode(body.subarray(bom))
    empty = body.length === bom
  } else {
    text = decodeBody(body, contentType)
    empty = text.length === 0
  }
  const read = readAnswer(text, undefined, options.scrubber)
  return { read, empty, data: new WholeData(read.ok ? read.body : undefined, options.apiSecret) }
}

/**
 * What an answer comes to, decided as for the whole text (`notOkError`, then `openRead`): a non-2xx is never
 * opened; a result other than 0 is its SignError; a `data` is opened only once its `mac` verified (code 2, 502
 * otherwise), and one that does not open is code 3, 502. Returns the decrypted value, `undefined` without data.
 */
export function openScanned(
  scanned: Scanned,
  options: {
    status: number
    ok: boolean
    overrides: StatusOverrides
    context: string
    hexFields: readonly string[] | undefined
  },
): unknown {
  const { read, empty, data } = scanned
  const { status, overrides, context } = options
  if (!options.ok) {
    // The parse error is dropped: V8 quotes the body in it, and the body may hold data and mac.
    const plain = read.ok ? read : { ok: false as const, why: read.why }
    throw notOkError(plain, empty, status, overrides, context)
  }
  if (!read.ok) throw toSignError({ ok: false, why: read.why }, status, undefined, context)
  // The message was scrubbed of the caller's secrets, if any, when the answer was read.
  if (read.result !== 0) throw toSignError(read, status, overrides, context)
  const fail = badResponse(context)
  if (data.kind !== 'string') {
    // Absent, or a value other than a string, read from the rest.
    const value = ownData(read.body, 'data')
    if (value === undefined || value === null) return undefined
    throw fail('answer has a "data" that is not a string')
  }
  if (data.empty) return undefined
  const mac = ownData(read.body, 'mac')
  if (!macMatches(data.digest(), mac)) throw macFailure(mac, context, status)
  const { chunks, bytes } = data.plaintext(fail)
  return openPlaintext(chunks, bytes, options.hexFields, fail)
}
