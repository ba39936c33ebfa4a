/**
 * Memory of a large download: a file of `--mib` MiB (default 24) through `downloadContract`, in a fresh
 * process of its own, against the fake platform (`esign-errors/testing`) running in this one. The file travels
 * as hex inside encrypted hex, so the body is about 4x the file.
 *
 * Per round, a fresh child process: it makes one small download first (token, code loaded and compiled), runs
 * the collector, then downloads the big file while sampling `heapUsed + arrayBuffers` every 2 ms, and checks
 * the bytes by SHA-256. Reported, each divided by the file size:
 * - the peak RSS over the download less the RSS before it (after gc): the kernel's high-water mark, reset just
 *   before the download (`/proc/self/clear_refs`), so nothing a sampler misses (one long synchronous step)
 *   escapes it, and nothing from before (loading the code) counts. Where it cannot be reset (not Linux), the
 *   mark since the process started (`resourceUsage().maxRSS`), an upper bound, and the report says so;
 * - the peak of the sampled `heapUsed + arrayBuffers` less its value before.
 * Target: the RSS ratio under 8 (issue 23, item 5).
 *
 *   npx tsx bench/download.ts [--mib 24] [--rounds 3]
 *
 * `ESIGN_SRC=<dir>` downloads with another copy of `src/` (e.g. an older commit's, from
 * `git archive <commit> src | tar -x -C /tmp/old`), to compare before and after.
 */
import { fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startFakePlatform } from 'esign-errors/testing'
import { median } from './stats.js'

/** One child's figures, in bytes and milliseconds. */
interface Round {
  fileBytes: number
  ms: number
  rssBefore: number
  rssPeakGrowth: number
  sampledPeakGrowth: number
  samples: number
  sha256: string
  /** Whether the peak is the download's own, or the process's since it started. */
  peakReset: boolean
}

/** Result of {@link runDownloadBench}. */
export interface DownloadBench {
  fileBytes: number
  rounds: Round[]
  /** Median over rounds of peak RSS growth / file size. */
  rssRatio: number
  /** Median over rounds of sampled heapUsed + arrayBuffers growth / file size. */
  sampledRatio: number
  ms: number
}

const TARGET = 8

/** Starts the fake, holds one big and one small document, and measures `rounds` fresh processes. */
export async function runDownloadBench(mib: number, rounds: number): Promise<DownloadBench> {
  const fake = await startFakePlatform()
  try {
    const fileBytes = Math.round(mib * 1024 * 1024)
    const file = patterned(fileBytes)
    const expected = createHash('sha256').update(file).digest('hex')
    const big = fake.addDocument({ bytes: file, type: 'pdf' })
    const small = fake.addDocument({ bytes: patterned(4096), type: 'pdf' })
    const results: Round[] = []
    for (let i = 0; i < rounds; i++) {
      const child = fork(fileURLToPath(import.meta.url), ['--child'], {
        execArgv: ['--expose-gc', '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      child.send({
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        big: big.contractnum,
        small: small.contractnum,
      })
      const [message] = (await once(child, 'message')) as [Round | { error: string }]
      await once(child, 'exit')
      if ('error' in message) throw new Error(`download child: ${message.error}`)
      if (message.sha256 !== expected) throw new Error('download child: the bytes differ from the file')
      results.push(message)
    }
    return {
      fileBytes,
      rounds: results,
      rssRatio: median(results.map((round) => round.rssPeakGrowth / fileBytes)),
      sampledRatio: median(results.map((round) => round.sampledPeakGrowth / fileBytes)),
      ms: median(results.map((round) => round.ms)),
    }
  } finally {
    await fake.close()
  }
}

/** Bytes that do not repeat in any short period, so nothing on the way could shrink them. */
function patterned(bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes)
  let x = 0x9e3779b9
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** The child: one warm-up download, then the measured one. */
async function child(): Promise<void> {
  const [job] = (await once(process, 'message')) as [
    { baseUrl: string; apiKey: string; apiSecret: string; big: string; small: string },
  ]
  try {
    const src = process.env.ESIGN_SRC
    const { createPlatformClient } = (
      src === undefined
        ? await import('esign-errors/platform')
        : await import(pathToFileURL(`${src}/platform/index.ts`).href)
    ) as typeof import('esign-errors/platform')
    const platform = createPlatformClient({
      baseUrl: job.baseUrl,
      apiKey: job.apiKey,
      apiSecret: job.apiSecret,
      timeoutMs: 60_000,
    })
    await platform.downloadContract(job.small)
    const gc = (globalThis as { gc?: () => void }).gc
    if (gc === undefined) throw new Error('run with --expose-gc')
    gc()
    gc()
    const js = () => {
      const usage = process.memoryUsage()
      return usage.heapUsed + usage.arrayBuffers
    }
    const rssBefore = process.memoryUsage().rss
    const peakReset = resetPeak()
    const jsBefore = js()
    let jsPeak = jsBefore
    let samples = 0
    const sampler = setInterval(() => {
      jsPeak = Math.max(jsPeak, js())
      samples += 1
    }, 2)
    const started = performance.now()
    const bytes = await platform.downloadContract(job.big)
    const ms = performance.now() - started
    clearInterval(sampler)
    jsPeak = Math.max(jsPeak, js())
    const round: Round = {
      fileBytes: bytes.byteLength,
      ms,
      rssBefore,
      rssPeakGrowth: peakRss(peakReset) - rssBefore,
      sampledPeakGrowth: jsPeak - jsBefore,
      samples,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      peakReset,
    }
    process.send?.(round)
  } catch (error) {
    process.send?.({ error: String((error as Error)?.stack ?? error) })
  }
  process.disconnect?.()
}

/** Resets the kernel's high-water mark of this process's RSS (Linux 4.0 and later); false where it cannot. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

/** The peak RSS since {@link resetPeak}, or since the process started when it could not reset. */
function peakRss(reset: boolean): number {
  if (reset) {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (match !== null) return Number(match[1]) * 1024
  }
  return process.resourceUsage().maxRSS * 1024
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)

/** Prints the section of `npm run bench`. */
export function printDownloadBench(result: DownloadBench): void {
  const { fileBytes, rounds } = result
  console.log(
    `## Platform download memory (a ${mb(fileBytes)} MiB file through downloadContract, a fresh process per ` +
      `round against the fake platform in another; median of ${rounds.length} rounds)`,
  )
  console.log('')
  console.log(
    '| round | time ms | RSS before MiB | peak RSS growth MiB | / file | sampled heap+arrayBuffers growth MiB | / file |',
  )
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const [i, round] of rounds.entries()) {
    console.log(
      `| ${i + 1} | ${round.ms.toFixed(0)} | ${mb(round.rssBefore)} | ${mb(round.rssPeakGrowth)} | ` +
        `${(round.rssPeakGrowth / fileBytes).toFixed(2)} | ${mb(round.sampledPeakGrowth)} | ` +
        `${(round.sampledPeakGrowth / fileBytes).toFixed(2)} |`,
    )
  }
  if (rounds.some((round) => !round.peakReset)) {
    console.log('')
    console.log(
      'The peak RSS could not be reset here: it is the mark since each process started, an upper bound.',
    )
  }
  console.log('')
  console.log(
    `Peak RSS growth / file: ${result.rssRatio.toFixed(2)} (target < ${TARGET}: ` +
      `${result.rssRatio < TARGET ? 'PASS' : '**MISS**'}); sampled heap+arrayBuffers / file: ` +
      `${result.sampledRatio.toFixed(2)}; time ${result.ms.toFixed(0)} ms.`,
  )
  console.log('')
}

const main = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (main && process.argv[2] === '--child') {
  await child()
} else if (main) {
  const { values } = parseArgs({
    options: { mib: { type: 'string', default: '24' }, rounds: { type: 'string', default: '3' } },
  })
  printDownloadBench(await runDownloadBench(Number(values.mib), Number(values.rounds)))
}
