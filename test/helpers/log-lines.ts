/** A stream for pino to write to, and the JSON lines it got, parsed: what a log shipper would read. */
import { Writable } from 'node:stream'
import { setImmediate as tick } from 'node:timers/promises'

/** One line as pino writes it. */
export type Line = Record<string, unknown> & { level: number; msg?: string; err?: Record<string, unknown> }

/** A writable stream and the lines written to it so far. */
export function sink(): { lines: Line[]; stream: Writable } {
  const lines: Line[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as Line)
      done()
    },
  })
  return { lines, stream }
}

/** pino-http logs on 'finish' and 'close', which may come after the client has its answer. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick()
}
