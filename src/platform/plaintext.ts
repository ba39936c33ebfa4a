/** Hex decoded (a large value without strings), and a verified plaintext kept in blocks and read with its hex fields as bytes. */
import { isUtf8 } from 'node:buffer'
import { type Failure, parseJson } from './envelope.js'
import { ObjectScanner, type StringSink } from './object-scanner.js'

/** The value of each hex digit by its code; -1 for any other byte. */
const HEX_VALUE = new Int8Array(256).fill(-1)
for (let value = 0; value < 16; value++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(value)] = value
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(value)] = value
}

// Digits of one value decoded by Buffer's own decoder, through a string, before the loop below takes over.
const NATIVE_DIGITS = 1024 * 1024

/**
 * Hex digits into bytes, an odd digit carried over to the next piece. The first MiB of a value goes through a
 * string to Buffer's own decoder, several times faster than a loop here, which is what an ordinary answer
 * holds; past it, byte by byte here: a download is some 100 MB of digits, and as strings they would churn the
 * young generation of the heap.
 */
export class HexWriter {
  /** The value of a digit waiting for its pair, or -1. */
  #high = -1
  /** Digits still to be decoded through strings. */
  #native = NATIVE_DIGITS

  /** Whether a digit waits for its pair. */
  get pending(): boolean {
    return this.#high >= 0
  }

  /**
   * Writes the bytes of the digits in `run` into `target` at `offset` (room for half its length plus one) and
   * returns how many; -1, and nothing counted, when `run` holds anything but hex digits.
   */
  bytes(run: Uint8Array, target: Buffer, offset: number): number {
    // Nothing to write, and a digit waiting for its pair keeps waiting.
    if (run.length === 0) return 0
    if (run.length <= this.#native) {
      this.#native -= run.length
      return this.#nativeBytes(run, target, offset)
    }
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

  /** {@link bytes} by Buffer's decoder, which stops at the first pair that is not hex: the count tells. */
  #nativeBytes(run: Uint8Array, target: Buffer, offset: number): number {
    let at = offset
    let i = 0
    if (this.#high >= 0) {
      const low = HEX_VALUE[run[0]!]!
      if (low < 0) return -1
      target[at++] = (this.#high << 4) | low
      i = 1
    }
    const pairs = (run.length - i) >> 1
    if (pairs > 0) {
      const digits = latin1Slice.call(run, i, i + 2 * pairs)
      if (target.write(digits, at, 'hex') !== pairs) return -1
      at += pairs
    }
    const last = i + 2 * pairs < run.length ? HEX_VALUE[run[run.length - 1]!]! : -1
    if (i + 2 * pairs < run.length && last < 0) return -1
    this.#high = last
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

// Bytes as a one-byte string, without a Buffer view of them made first.
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string

// The plaintext is kept in blocks of this size: the decipher's pieces, as small as the network's, would be
// thousands of small allocations living on between the network's short-lived ones, scattering the heap.
const BLOCK = 1024 * 1024

/** Bytes kept as they come while they are few (a small answer), then copied into blocks of {@link BLOCK}. */
export class Blocks {
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
    // Zeroed and never from the shared pool: a field handed out as a view of it must show nothing else.
    this.buffer = Buffer.alloc(bytes)
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
  return parseJson(plain.toString('utf8'), fail)
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
    const value = parseJson(rest.toString('utf8'), fail)
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
