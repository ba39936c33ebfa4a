import { createDecipheriv, createHash, type Decipher, type Hash } from 'node:crypto'
import { ownData } from '../core/foreign.js'
import type { StatusOverrides } from '../core/status.js'
import { notOkError, type Read, readAnswer, toSignError } from '../upstream/answer.js'
import type { Scrubber } from '../upstream/secrets.js'
import { decodeBody, readChunks, readsAsUtf8 } from '../upstream/transport.js'
import { badResponse, type Failure, keyOf, macFailure, macMatches } from './envelope.js'
import { ObjectScanner, PIECE, type StringSink, utf8 } from './object-scanner.js'
import { Blocks, HexWriter, openPlaintext } from './plaintext.js'

// A platform answer is read as it arrives, never whole: a download's body is its file as hex inside encrypted
// hex, about 4x the file, and reading it as one string (then JSON.parse, then the hex of the `data`, then the
// plaintext, then the hex of `pdfdata`) held some 24x the file at once. The `data` string goes straight into
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

/** An answer as scanned, before any decision: what {@link openScanned} decides on. */
export interface Scanned {
  read: Read
  /** Whether the body was empty (a byte order mark aside). */
  empty: boolean
  data: DataSink
}

/**
 * Reads an answer's body as it arrives (see {@link readChunks} for `maxBytes`), without holding it: the `data`
 * string hashed and decrypted on the way, everything else kept for JSON.parse. A body that is not UTF-8 (by
 * its byte order mark or charset) is decoded whole first, as `decodeBody` always did. Throws only what
 * `readChunks` throws.
 */
export async function scanAnswer(
  response: Response,
  options: { apiSecret: string; maxBytes: number; context: string; scrubber: Scrubber },
): Promise<Scanned> {
  const data = new DataSink(options.apiSecret, response.ok)
  const scanner = new ObjectScanner((key) => (key === 'data' ? data : undefined))
  const contentType = response.headers.get('content-type')
  // The first bytes, until the encoding is known; then either the scanner takes every chunk, or `whole` keeps
  // them for decodeBody.
  let head: Uint8Array | undefined = Buffer.alloc(0)
  let whole: Uint8Array[] | undefined
  const start = (first: Uint8Array) => {
    head = undefined
    if (!readsAsUtf8(first, contentType)) whole = [first]
    else {
      const bom = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf ? 3 : 0
      scanner.write(first.subarray(bom))
    }
  }
  await readChunks(response, options.maxBytes, options.context, (chunk) => {
    if (whole !== undefined) whole.push(chunk)
    else if (head === undefined) scanner.write(chunk)
    else {
      // Most answers' first chunk holds the first three bytes: taken as it is, not copied.
      const first = head.length === 0 ? chunk : Buffer.concat([head, chunk])
      if (first.length >= 3) start(first)
      else head = first
    }
  })
  if (head !== undefined) start(head)
  if (whole !== undefined) scanner.write(Buffer.from(decodeBody(Buffer.concat(whole), contentType), 'utf8'))
  const rest = scanner.end()
  const read: Read =
    rest === undefined
      ? { ok: false, why: 'upstream answer is not JSON' }
      : readAnswer(utf8.decode(rest), undefined, options.scrubber)
  return { read, empty: scanner.bytes === 0, data }
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
