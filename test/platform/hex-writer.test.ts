import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HexWriter } from '../../src/platform/plaintext.js'

// The writer decodes the first MiB of digits of a value through Buffer's decoder and the rest in a loop of its
// own: both must agree with Buffer.from(hex) on the bytes, and refuse the same runs.
const MIB = 1024 * 1024

/** Feeds `digits` in runs cut at `cuts`; the bytes written, or the index of the first run refused. */
function decode(writer: HexWriter, digits: string, cuts: number[]): Buffer | number {
  const target = Buffer.alloc(digits.length)
  let used = 0
  let at = 0
  const ends = [...cuts.filter((cut) => cut < digits.length).sort((a, b) => a - b), digits.length]
  for (const [index, end] of ends.entries()) {
    const written = writer.bytes(Buffer.from(digits.slice(at, end), 'latin1'), target, used)
    if (written < 0) return index
    used += written
    at = Math.max(at, end)
  }
  return target.subarray(0, used)
}

/** A writer that has already decoded a MiB of digits: the next runs go through its own loop. */
function pastTheFirstMiB(): HexWriter {
  const writer = new HexWriter()
  const target = Buffer.alloc(MIB / 2 + 1)
  expect(writer.bytes(Buffer.alloc(MIB, '0a'), target, 0)).toBe(MIB / 2)
  return writer
}

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 200 })
const cuts = fc.array(fc.nat({ max: 200 }), { maxLength: 8 })

describe('HexWriter', () => {
  for (const [path, writer] of [
    ['through Buffer', () => new HexWriter()],
    ['in its own loop', pastTheFirstMiB],
  ] as const) {
    it(`decodes digits cut anywhere as Buffer.from does, ${path}`, () => {
      fc.assert(
        fc.property(hex, cuts, (digits, at) => {
          const even = digits.length % 2 === 0 ? digits : digits.slice(1)
          const decoded = decode(writer(), even, at)
          expect(decoded).toEqual(Buffer.from(even, 'hex'))
        }),
      )
    })

    it(`refuses the run that holds a character other than a digit, ${path}`, () => {
      fc.assert(
        fc.property(
          hex,
          fc.constantFrom('g', 'G', ' ', 'x', '"', '\u00e9', '/', ':', '@', '`'),
          fc.nat(),
          cuts,
          (digits, bad, where, at) => {
            const position = where % (digits.length + 1)
            const text = `${digits.slice(0, position)}${bad}${digits.slice(position)}`
            const ends = [...at.filter((cut) => cut < text.length).sort((a, b) => a - b), text.length]
            const refused = ends.findIndex((end) => end > position)
            expect(decode(writer(), text, at)).toBe(refused)
          },
        ),
      )
    })
  }

  it('keeps an odd digit for the next run, and nothing of a run it refuses', () => {
    for (const make of [() => new HexWriter(), pastTheFirstMiB]) {
      const writer = make()
      const target = Buffer.alloc(8)
      expect(writer.bytes(Buffer.from('abc'), target, 0)).toBe(1)
      expect(writer.pending).toBe(true)
      expect(writer.bytes(Buffer.from('d0z'), target, 1)).toBe(-1)
      expect(writer.pending).toBe(true)
      expect(writer.bytes(Buffer.from('d0'), target, 1)).toBe(1)
      expect(writer.pending).toBe(true)
      expect(writer.bytes(Buffer.from('1'), target, 2)).toBe(1)
      expect(writer.pending).toBe(false)
      expect(target.subarray(0, 3)).toEqual(Buffer.from('abcd01', 'hex'))
    }
  })
})
