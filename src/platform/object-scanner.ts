/**
 * A JSON object scanned a chunk at a time: the string values of chosen members handed to a sink as they arrive,
 * the rest kept, small, for JSON.parse. What the platform answer scanner and the plaintext reader build on.
 */

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

/** UTF-8 as the WHATWG decoder reads it, a byte order mark kept: what JSON.parse is handed. */
export const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })
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
export const PIECE = 64 * 1024

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
