import { isUtf8 } from 'node:buffer'
import { createDecipheriv, createHash, type Decipher, type Hash } from 'node:crypto'
import { ownData } from '../core/foreign.js'
import type { StatusOverrides } from '../core/status.js'
import { notOkError, type Read, readAnswer, toSignError } from '../upstream/answer.js'
import type { Scrubber } from '../upstream/secrets.js'
import { decodeBody, readChunks, readsAsUtf8 } from '../upstream/transport.js'
import { badResponse, type Failure, keyOf, macFailure, macMatches } from './envelope.js'

// A platform answer is read as it arrives, never whole: a download's body is its file as hex inside encrypted
// hex, about 4x the file, and reading it as one string (then JSON.parse, then the hex of the `data`, then the
// plaintext, then the hex of `pdfdata`) held some 24x the file at once. The `data` string goes straight into
// the MAC's hash and, hex-decoded, into the decipher; everything else of the answer is small and is parsed by
// JSON.parse itself, so what it accepts, refuses and makes of duplicates and escapes is what it always was.

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN = 0x7b
const CLOSE = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09

/** What {@link ObjectScanner} hands a member it streams: its string value, piece by piece. */
export interface StringSink {
  /** A member of this name starts; a later one replaces it, as JSON.parse has it. */
  begin(): void
  /** Its value is not a string: the value went to the rest, whole, and JSON.parse reads it there. */
  other(): void
  /**
   * Characters of the string as bytes, any bytes. Takes them and returns true when they, and all of the string
   * before them, are hex digits; otherwise takes nothing and returns false.
   */
  hex(run: Uint8Array): boolean
  /** Characters that are not all hex digits: printable ASCII without quote or backslash, as bytes. */
  plain(run: Uint8Array): void
  /** Characters that came escaped or beyond ASCII, as JSON.parse reads them. */
  text(value: string): void
  /** The closing quote. */
  end(): void
}

// Where the scanner is in the text.
const BEFORE = 0 // before the top-level value
const RAW = 1 // a top level that is not an object: kept whole
const FIRST = 2 // after `{`: a key or `}`
const KEY = 3 // in a key
const COLON_NEXT = 4 // after a key
const VALUE_NEXT = 5 // after `:`
const VALUE = 6 // in a value kept for the rest
const STREAM = 7 // in a streamed string
const STREAM_SLOW = 8 // in a streamed string, from an escape or a byte beyond ASCII on
const AFTER_STREAM = 9 // after a streamed string: `,` or `}`
const NEXT = 10 // after `,`: a key
const DONE = 11 // after the closing `}`: whitespace only
const FAILED = 12 // not JSON, whatever follows

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })
const BRACE = Buffer.from('{')
const SEPARATOR = Buffer.from(',')
const NAMED = Buffer.from(':')
const CLOSING = Buffer.from('}')

/**
 * The name of a key from its pieces, quotes included, as JSON.parse reads it; `undefined` when it is no JSON
 * string. One piece of printable ASCII without escapes, the usual key, is read without JSON.parse.
 */
function keyName(pieces: Uint8Array[]): string | undefined {
  const only = pieces.length === 1 ? pieces[0]! : undefined
  if (only !== undefined) {
    let plain = true
    for (let i = 1; i < only.length - 1 && plain; i++) {
      const byte = only[i]!
      plain = byte >= 0x20 && byte < 0x7f && byte !== BACKSLASH
    }
    if (plain) return Buffer.from(only.buffer, only.byteOffset + 1, only.length - 2).toString('latin1')
  }
  try {
    return JSON.parse(utf8.decode(Buffer.concat(pieces))) as string
  } catch {
    return undefined
  }
}

// A streamed string goes to its sink in pieces of at most this many bytes.
const PIECE = 64 * 1024

/**
 * Scans a JSON text a chunk at a time, without holding it. When its top level is an object, the string values
 * of the members `pick` gives a sink for are handed to that sink as they arrive; every other member is copied,
 * bytes as they are, into a smaller JSON text, the rest, for JSON.parse to read at the end. A top level that
 * is not an object is kept whole. Syntax the scanner needs (the top-level object, keys, the streamed strings)
 * it checks itself; the rest it leaves to JSON.parse.
 */
export class ObjectScanner {
  readonly #pick: (key: string) => StringSink | undefined
  #state = BEFORE
  // Pieces of the chunks written, not copies: a chunk must not change once written.
  readonly #rest: Uint8Array[] = []
  #members = 0
  #key: Uint8Array[] = []
  #escaped = false
  #sink: StringSink | undefined
  #depth = 0
  #inString = false
  #slow: Buffer[] = []
  #bytes = 0

  constructor(pick: (key: string) => StringSink | undefined) {
    this.#pick = pick
  }

  /** How many bytes were written. */
  get bytes(): number {
    return this.#bytes
  }

  /** Scans the next chunk. Only the pieces that go to the rest are kept, until {@link end}: small ones. */
  write(chunk: Uint8Array): void {
    this.#bytes += chunk.length
    const end = chunk.length
    let i = 0
    while (i < end) {
      switch (this.#state) {
        case BEFORE: {
          const byte = chunk[i]!
          if (isSpace(byte)) i++
          else if (byte === OPEN) {
            this.#rest.push(BRACE)
            this.#state = FIRST
            i++
          } else this.#state = RAW
          break
        }
        case RAW:
          this.#rest.push(chunk.subarray(i))
          i = end
          break
        case FIRST:
        case NEXT:
        case AFTER_STREAM:
        case DONE:
        case COLON_NEXT:
          i = this.#between(chunk, i)
          break
        case KEY:
          i = this.#inKey(chunk, i)
          break
        case VALUE_NEXT: {
          const byte = chunk[i]!
          if (isSpace(byte)) {
            i++
            break
          }
          const sink = this.#sink
          if (sink !== undefined && byte === QUOTE) {
            sink.begin()
            this.#state = STREAM
            i++
            break
          }
          sink?.other()
          this.#sink = undefined
          if (this.#members > 0) this.#rest.push(SEPARATOR)
          this.#rest.push(...this.#key, NAMED)
          this.#members++
          this.#depth = 0
          this.#inString = false
          this.#escaped = false
          this.#state = VALUE
          break
        }
        case VALUE:
          i = this.#inValue(chunk, i)
          break
        case STREAM:
          i = this.#inStream(chunk, i)
          break
        case STREAM_SLOW:
          i = this.#inSlow(chunk, i)
          break
        default:
          i = end
      }
    }
  }

  /**
   * The rest as a JSON text (the object without its streamed members, or the whole text when its top level is
   * not an object), for JSON.parse; `undefined` when the scanner already knows the text is not JSON.
   */
  end(): Buffer | undefined {
    switch (this.#state) {
      case BEFORE:
        return Buffer.alloc(0)
      case RAW:
        return Buffer.concat(this.#rest)
      case DONE:
        return Buffer.concat([...this.#rest, CLOSING])
      default:
        return undefined
    }
  }

  #fail(): number {
    this.#state = FAILED
    this.#sink = undefined
    this.#slow = []
    return Number.POSITIVE_INFINITY
  }

  /** Whitespace and one structural character between members. */
  #between(chunk: Uint8Array, from: number): number {
    const byte = chunk[from]!
    if (isSpace(byte)) return from + 1
    const state = this.#state
    if (byte === QUOTE && (state === FIRST || state === NEXT)) {
      this.#key = []
      this.#escaped = false
      this.#state = KEY
      // The opening quote goes with the key's first piece.
      return this.#inKey(chunk, from, from + 1)
    } else if (byte === CLOSE && (state === FIRST || state === AFTER_STREAM)) {
      this.#state = DONE
    } else if (byte === COMMA && state === AFTER_STREAM) {
      this.#state = NEXT
    } else if (byte === COLON && state === COLON_NEXT) {
      this.#state = VALUE_NEXT
    } else {
      return this.#fail()
    }
    return from + 1
  }

  /** A key, kept with its quotes; `from` is where its piece starts, `scan` where to look on from. */
  #inKey(chunk: Uint8Array, from: number, scan = from): number {
    let escaped = this.#escaped
    for (let i = scan; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (escaped) escaped = false
      else if (byte === BACKSLASH) escaped = true
      else if (byte === QUOTE) {
        this.#key.push(chunk.subarray(from, i + 1))
        const name = keyName(this.#key)
        if (name === undefined) return this.#fail()
        this.#sink = this.#pick(name)
        this.#state = COLON_NEXT
        return i + 1
      }
    }
    this.#escaped = escaped
    this.#key.push(chunk.subarray(from))
    return chunk.length
  }

  /** A value for the rest, copied up to the `,` or `}` that ends it; JSON.parse judges it there. */
  #inValue(chunk: Uint8Array, from: number): number {
    let depth = this.#depth
    let inString = this.#inString
    let escaped = this.#escaped
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (inString) {
        if (escaped) escaped = false
        else if (byte === BACKSLASH) escaped = true
        else if (byte === QUOTE) inString = false
      } else if (byte === QUOTE) inString = true
      else if (byte === OPEN || byte === OPEN_ARRAY) depth++
      else if (depth > 0 && (byte === CLOSE || byte === CLOSE_ARRAY)) depth--
      else if (depth === 0 && (byte === COMMA || byte === CLOSE || byte === CLOSE_ARRAY)) {
        this.#rest.push(chunk.subarray(from, i))
        if (byte === CLOSE_ARRAY) return this.#fail()
        this.#state = byte === COMMA ? NEXT : DONE
        return i + 1
      }
    }
    this.#depth = depth
    this.#inString = inString
    this.#escaped = escaped
    this.#rest.push(chunk.subarray(from))
    return chunk.length
  }

  /**
   * A streamed string: runs of hex digits go to the sink at native speed; anything else is looked at byte by
   * byte, and an escape or a byte beyond ASCII turns to the slow path for the rest of the string.
   */
  #inStream(chunk: Uint8Array, from: number): number {
    const sink = this.#sink!
    // One piece at most at a time, so that what it is decoded into stays small, and no search runs far ahead.
    const window = chunk.subarray(from, from + PIECE)
    const found = window.indexOf(QUOTE)
    const stop = found === -1 ? from + window.length : from + found
    if (stop > from) {
      const run = chunk.subarray(from, stop)
      if (!sink.hex(run)) {
        for (let i = 0; i < run.length; i++) {
          const byte = run[i]!
          // A control character is never allowed raw in a JSON string.
          if (byte < 0x20) return this.#fail()
          if (byte === BACKSLASH || byte >= 0x80) {
            const before = run.subarray(0, i)
            if (i > 0 && !sink.hex(before)) sink.plain(before)
            this.#slow = []
            this.#escaped = false
            this.#state = STREAM_SLOW
            return from + i
          }
        }
        sink.plain(run)
      }
    }
    if (found === -1) return stop
    sink.end()
    this.#sink = undefined
    this.#state = AFTER_STREAM
    return stop + 1
  }

  /** The rest of a streamed string from its first escape or non-ASCII byte: read by JSON.parse at its end. */
  #inSlow(chunk: Uint8Array, from: number): number {
    let escaped = this.#escaped
    for (let i = from; i < chunk.length; i++) {
      const byte = chunk[i]!
      if (escaped) escaped = false
      else if (byte === BACKSLASH) escaped = true
      else if (byte === QUOTE) {
        this.#slow.push(Buffer.from(chunk.subarray(from, i)))
        let value: unknown
        try {
          value = JSON.parse(`"${utf8.decode(Buffer.concat(this.#slow))}"`)
        } catch {
          return this.#fail()
        }
        this.#slow = []
        const sink = this.#sink!
        sink.text(value as string)
        sink.end()
        this.#sink = undefined
        this.#state = AFTER_STREAM
        return i + 1
      }
    }
    this.#escaped = escaped
    this.#slow.push(Buffer.from(chunk.subarray(from)))
    return chunk.length
  }
}

/** The value of each hex digit by its code; -1 for any other byte. */
const HEX_VALUE = new Int8Array(256).fill(-1)
for (let value = 0; value < 16; value++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(value)] = value
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(value)] = value
}

/**
 * Hex digits into bytes, an odd digit carried over to the next piece. Decoded here, byte by byte, rather than
 * through a string for Buffer's own decoder: a download is some 100 MB of digits, and as strings they would
 * churn the young generation of the heap.
 */
class HexWriter {
  /** The value of a digit waiting for its pair, or -1. */
  #high = -1

  /** Whether a digit waits for its pair. */
  get pending(): boolean {
    return this.#high >= 0
  }

  /**
   * Writes the bytes of the digits in `run` into `target` at `offset` (room for half its length plus one) and
   * returns how many; -1, and nothing counted, when `run` holds anything but hex digits.
   */
  bytes(run: Uint8Array, target: Buffer, offset: number): number {
    let at = offset
    let i = 0
    let high = this.#high
    if (high >= 0 && run.length > 0) {
      const low = HEX_VALUE[run[0]!]!
      if (low < 0) return -1
      target[at++] = (high << 4) | low
      i = 1
    }
    const pairs = i + ((run.length - i) & ~1)
    for (; i < pairs; i += 2) {
      const first = HEX_VALUE[run[i]!]!
      const second = HEX_VALUE[run[i + 1]!]!
      if ((first | second) < 0) return -1
      target[at++] = (first << 4) | second
    }
    high = i < run.length ? HEX_VALUE[run[i]!]! : -1
    if (i < run.length && high < 0) return -1
    this.#high = high
    return at - offset
  }

  /** {@link bytes} for characters: any beyond one byte is not a digit. */
  text(value: string, target: Buffer, offset: number): number {
    const codes = new Uint8Array(value.length)
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i)
      // 0x20 is no digit: it stands for any character that is not one.
      codes[i] = code < 0x80 ? code : 0x20
    }
    return this.bytes(codes, target, offset)
  }
}

/**
 * The `data` of a platform answer, streamed: every character into the MAC's SHA-256 (the secret follows at the
 * end), hex-decoded into the decipher while it is hex. Nothing it decrypts is looked at before the MAC verifies.
 */
export class DataSink implements StringSink {
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
    if (this.#scratch.length < room) this.#scratch = Buffer.allocUnsafe(Math.max(room, PIECE / 2 + 1))
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

// The plaintext is kept in blocks of this size: the decipher's pieces, as small as the network's, would be
// thousands of small allocations living on between the network's short-lived ones, scattering the heap.
const BLOCK = 1024 * 1024

/** Bytes kept as they come while they are few (a small answer), then copied into blocks of {@link BLOCK}. */
class Blocks {
  readonly #full: Buffer[] = []
  #block = Buffer.alloc(0)
  #used = 0
  bytes = 0

  add(piece: Buffer): void {
    if (this.#block.length === 0 && this.bytes + piece.length <= BLOCK / 16) {
      if (piece.length > 0) this.#full.push(piece)
      this.bytes += piece.length
      return
    }
    for (let from = 0; from < piece.length; ) {
      if (this.#used === this.#block.length) {
        if (this.#used > 0) this.#full.push(this.#block)
        this.#block = Buffer.allocUnsafeSlow(BLOCK)
        this.#used = 0
      }
      const copied = piece.copy(this.#block, this.#used, from)
      this.#used += copied
      from += copied
    }
    this.bytes += piece.length
  }

  chunks(): Buffer[] {
    return this.#used === 0 ? [...this.#full] : [...this.#full, this.#block.subarray(0, this.#used)]
  }
}

/** Where the hex fields of a plaintext are decoded: one buffer, each field a part of it. */
class Arena {
  readonly buffer: Buffer
  used = 0

  constructor(bytes: number) {
    this.buffer = Buffer.allocUnsafe(bytes)
  }
}

/** A hex string member of the plaintext, decoded into the arena as it is scanned. */
class HexFieldSink implements StringSink {
  kind: 'none' | 'string' | 'other' = 'none'
  readonly #arena: Arena
  #writer = new HexWriter()
  #start = 0
  #notHex = false

  constructor(arena: Arena) {
    this.#arena = arena
  }

  begin(): void {
    this.kind = 'string'
    this.#writer = new HexWriter()
    this.#start = this.#arena.used
    this.#notHex = false
  }

  other(): void {
    this.kind = 'other'
  }

  hex(run: Uint8Array): boolean {
    return !this.#notHex && this.#decode(run)
  }

  plain(): void {
    this.#notHex = true
  }

  text(value: string): void {
    if (!this.#notHex && !this.#decode(value)) this.#notHex = true
  }

  end(): void {
    if (this.#writer.pending) this.#notHex = true
  }

  /** Whether the last member of this name was a string of hex digits, whole bytes. */
  get isHex(): boolean {
    return this.kind === 'string' && !this.#notHex
  }

  /** The bytes of the last member of this name. */
  get bytes(): { start: number; end: number } {
    return { start: this.#start, end: this.#arena.used }
  }

  #decode(digits: Uint8Array | string): boolean {
    const arena = this.#arena
    const written =
      typeof digits === 'string'
        ? this.#writer.text(digits, arena.buffer, arena.used)
        : this.#writer.bytes(digits, arena.buffer, arena.used)
    if (written < 0) return false
    arena.used += written
    return true
  }
}

/** The plaintext parsed as today: whole, checked as UTF-8, then JSON.parse. */
function parseWhole(chunks: Buffer[], bytes: number, fail: Failure): unknown {
  const plain = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)
  if (!isUtf8(plain)) throw fail('decrypted data is not UTF-8')
  return parseJson(plain, fail)
}

/** Parses decrypted text; the SyntaxError is dropped because V8 quotes the text in its message. */
function parseJson(bytes: Buffer, fail: Failure): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    throw fail('decrypted data is not JSON')
  }
}

/**
 * The JSON value of a verified plaintext. The top-level `hexFields` that hold hex become bytes, decoded from
 * the plaintext's bytes without ever being a string; the rest is parsed by JSON.parse. A field that is not
 * hex stays the string it is. Failures are those of the whole plaintext: not UTF-8, not JSON.
 */
export function openPlaintext(
  chunks: Buffer[],
  bytes: number,
  hexFields: readonly string[] | undefined,
  fail: Failure,
): unknown {
  if (hexFields === undefined || hexFields.length === 0) return parseWhole(chunks, bytes, fail)
  const wanted = new Set(hexFields)
  for (;;) {
    // Hex takes at least two bytes a byte: half the plaintext holds every field it has.
    const arena = new Arena(Math.floor(bytes / 2))
    const sinks = new Map<string, HexFieldSink>()
    const scanner = new ObjectScanner((key) => {
      if (!wanted.has(key)) return undefined
      let sink = sinks.get(key)
      if (sink === undefined) {
        sink = new HexFieldSink(arena)
        sinks.set(key, sink)
      }
      return sink
    })
    for (const chunk of chunks) scanner.write(chunk)
    const rest = scanner.end()
    // Not JSON: the whole plaintext is parsed as it always was, for the same error.
    if (rest === undefined) return parseWhole(chunks, bytes, fail)
    const notHex = [...sinks].filter(([, sink]) => sink.kind === 'string' && !sink.isHex)
    if (notHex.length > 0) {
      // Rare: such a field stays a string. Scanned again with it left in the rest.
      for (const [key] of notHex) wanted.delete(key)
      continue
    }
    // The fields taken out are hex, ASCII: the plaintext is UTF-8 when the rest is.
    if (!isUtf8(rest)) throw fail('decrypted data is not UTF-8')
    const value = parseJson(rest, fail)
    const found = [...sinks].filter(([, sink]) => sink.kind === 'string')
    if (found.length === 0 || typeof value !== 'object' || value === null) return value
    const used = found.reduce((sum, [, sink]) => sum + sink.bytes.end - sink.bytes.start, 0)
    // A small field in a large plaintext gets a buffer of its own rather than keep the arena alive.
    const separate = used < arena.buffer.length / 2
    for (const [key, sink] of found) {
      const { start, end } = sink.bytes
      const part = separate
        ? new Uint8Array(arena.buffer.subarray(start, end))
        : new Uint8Array(arena.buffer.buffer, arena.buffer.byteOffset + start, end - start)
      Object.defineProperty(value, key, { value: part, enumerable: true, writable: true, configurable: true })
    }
    return value
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
  let head: Buffer | undefined = Buffer.alloc(0)
  let whole: Uint8Array[] | undefined
  const start = (first: Buffer) => {
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
      const first: Buffer = Buffer.concat([head, chunk])
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
