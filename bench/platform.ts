/**
 * The envelope's cost: `encryptData` + `macOf` + `openEnvelope` for a 1 KB payload, against node:crypto's raw
 * AES-256-ECB and SHA-256 on the same bytes (encrypt, MAC, MAC again to verify, decrypt; hex both ways).
 * A third contender adds to the raw crypto the JSON work any client must do (`JSON.stringify` before,
 * UTF-8 decoding and `JSON.parse` after), so that what the library itself adds can be read apart.
 *
 * The contenders run side by side in interleaved rounds (the order rotated each round), each round timing
 * batches of calls with `process.hrtime.bigint()`; ratios are taken per round and the median over rounds is
 * reported.
 * Run alone with `npx tsx bench/platform.ts [--quick]`.
 */
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { encryptData, macOf, openEnvelope } from 'esign-errors/platform'
import { median } from './stats.js'

const SECRET = 'BENCH00000000000000000000000000000SECRET'

/** A 1 KB payload shaped like an upload's: nested objects, strings, numbers, one non-ASCII name. */
function payloadOf(bytes: number): Record<string, unknown> {
  const signers = []
  for (let i = 0; JSON.stringify({ contractInfo: { signerinfo: signers } }).length < bytes - 190; i++) {
    signers.push({
      email: `signer${i}@example.com`,
      name: i === 0 ? 'Müller 名字' : `Signer ${i}`,
      authtype: 0,
    })
  }
  return {
    type: 'pdf',
    uploadFileHash: '1e48801362be397f3f889800a602a776814ecb600faa6c9e87e00bfc3f188d2c',
    contractInfo: { contractnum: '', contractname: 'Lease', signernum: signers.length, signerinfo: signers },
  }
}

const payload = payloadOf(1024)
const json = JSON.stringify(payload)
const plain = Buffer.from(json, 'utf8')
const key = createHash('sha256').update(SECRET).digest()
let sink: unknown

function ours(): void {
  const data = encryptData(payload, SECRET)
  const mac = macOf(data, SECRET)
  sink = openEnvelope({ result: 0, message: 'Success', data, mac }, SECRET)
}

function raw(): void {
  sink = rawEnvelope(plain)
}

function rawWithJson(): void {
  sink = JSON.parse(rawEnvelope(Buffer.from(JSON.stringify(payload), 'utf8')).toString('utf8'))
}

function rawEnvelope(bytes: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-ecb', key, null)
  const data = Buffer.concat([cipher.update(bytes), cipher.final()]).toString('hex')
  const mac = createHash('sha256')
    .update(data + SECRET)
    .digest('hex')
  const check = createHash('sha256')
    .update(data + SECRET)
    .digest()
  if (!timingSafeEqual(check, Buffer.from(mac, 'hex'))) throw new Error('unreachable')
  const decipher = createDecipheriv('aes-256-ecb', key, null)
  return Buffer.concat([decipher.update(Buffer.from(data, 'hex')), decipher.final()])
}

/** Nanoseconds per call over `ms` of batches. */
function time(fn: () => void, ms: number): number {
  const BATCH = 50
  let calls = 0
  const started = process.hrtime.bigint()
  const until = started + BigInt(ms) * 1_000_000n
  let now = started
  while (now < until) {
    for (let i = 0; i < BATCH; i++) fn()
    calls += BATCH
    now = process.hrtime.bigint()
  }
  return Number(now - started) / calls
}

/** Result of {@link runPlatformBench}. */
export interface PlatformBench {
  payloadBytes: number
  oursNs: number
  rawNs: number
  rawWithJsonNs: number
  /** Median of per-round ratios ours / raw crypto: the target. */
  ratio: number
  perRound: number[]
  /** Median of per-round ratios ours / (raw crypto + JSON): what the library adds. */
  ratioWithJson: number
}

const CONTENDERS = [ours, raw, rawWithJson]

/** Runs `rounds` interleaved rounds of `ms` per contender, after one discarded warm-up round. */
export function runPlatformBench(rounds: number, ms: number): PlatformBench {
  const ns = new Map<() => void, number[]>(CONTENDERS.map((fn) => [fn, []]))
  for (let round = -1; round < rounds; round++) {
    const shift = Math.max(0, round) % CONTENDERS.length
    for (const fn of [...CONTENDERS.slice(shift), ...CONTENDERS.slice(0, shift)]) {
      const value = time(fn, ms)
      if (round >= 0) ns.get(fn)!.push(value)
    }
  }
  if (sink === undefined) throw new Error('nothing measured')
  const [a, b, c] = CONTENDERS.map((fn) => ns.get(fn)!) as [number[], number[], number[]]
  const perRound = a.map((value, i) => value / b[i]!)
  return {
    payloadBytes: plain.length,
    oursNs: median(a),
    rawNs: median(b),
    rawWithJsonNs: median(c),
    ratio: median(perRound),
    perRound,
    ratioWithJson: median(a.map((value, i) => value / c[i]!)),
  }
}

/** Prints the section of `npm run bench`. */
export function printPlatformBench(result: PlatformBench, rounds: number): void {
  const f = (value: number, digits = 0) => value.toFixed(digits)
  console.log(
    `## Platform envelope (${result.payloadBytes}-byte JSON payload; ns per call: median over ${rounds} interleaved rounds)`,
  )
  console.log('')
  console.log('| operation | median ns |')
  console.log('| --- | ---: |')
  console.log(`| (a) encryptData + macOf + openEnvelope | ${f(result.oursNs)} |`)
  console.log(
    `| (b) raw node:crypto on the same bytes: AES-256-ECB both ways, SHA-256 twice, hex both ways | ${f(result.rawNs)} |`,
  )
  console.log(`| (c) (b) plus JSON.stringify, UTF-8 and JSON.parse | ${f(result.rawWithJsonNs)} |`)
  console.log('')
  console.log(
    `(a)/(b), median of per-round ratios: ${f(result.ratio, 3)} ` +
      `(rounds ${f(Math.min(...result.perRound), 3)}–${f(Math.max(...result.perRound), 3)}); target <= 1.5: ` +
      `${result.ratio <= 1.5 ? 'PASS' : '**MISS**'}. (a)/(c): ${f(result.ratioWithJson, 3)}.`,
  )
  console.log('')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick')
  const rounds = quick ? 5 : 11
  printPlatformBench(runPlatformBench(rounds, quick ? 100 : 300), rounds)
}
