/**
 * What the package costs before its first error: `require()` time in fresh processes, and the size of an
 * install with its dependencies, each beside http-errors and @hapi/boom.
 *
 * Load time is measured on the built package (`dist/`, what `require('esign-errors')` resolves to from this
 * directory): run `npm run build` first. Each sample is one fresh `node` process that times its own `require`
 * with `process.hrtime.bigint()`, so Node's start-up is left out; the packages alternate, sample by sample,
 * and the median per package is reported. Run alone with `npx tsx bench/footprint.ts [--quick]`.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { median } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The packages compared, as `require`d. */
export const PACKAGES = ['esign-errors', 'http-errors', '@hapi/boom'] as const

const TIMER = `const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`

function requireMs(name: string): number {
  return Number(execFileSync(process.execPath, ['-e', TIMER, name], { cwd: ROOT, encoding: 'utf8' }))
}

/** Result of {@link measureFootprint}. */
export interface Footprint {
  /** Median ms per package, and every sample. */
  load: Map<string, { median: number; samples: number[] }>
  /** Per package: bytes (sum of file sizes) and disk use in 4 KiB blocks, with dependencies; files counted. */
  size: Map<string, { bytes: number; blocks: number; files: number }>
  /** When `dist/index.cjs` was built. */
  built: Date | undefined
}

/** `samples` fresh processes per package, alternating; then the install sizes. */
export function measureFootprint(samples: number): Footprint {
  const built = existsSync(`${ROOT}dist/index.cjs`) ? statSync(`${ROOT}dist/index.cjs`).mtime : undefined
  const load = new Map<string, { median: number; samples: number[] }>()
  if (built !== undefined) {
    const times = new Map<string, number[]>(PACKAGES.map((name) => [name, []]))
    for (let round = -1; round < samples; round++) {
      // Rotated each round; the first round warms the file cache and is discarded.
      const shift = Math.max(0, round) % PACKAGES.length
      for (const name of [...PACKAGES.slice(shift), ...PACKAGES.slice(0, shift)]) {
        const ms = requireMs(name)
        if (round >= 0) times.get(name)!.push(ms)
      }
    }
    for (const [name, values] of times) load.set(name, { median: median(values), samples: values })
  }
  const size = new Map<string, { bytes: number; blocks: number; files: number }>()
  size.set('esign-errors', withDependencies(packedFiles(), 'esign-errors'))
  size.set('http-errors', withDependencies(installedFiles('http-errors'), 'http-errors'))
  size.set('@hapi/boom', withDependencies(installedFiles('@hapi/boom'), '@hapi/boom'))
  return { load, size, built }
}

/** Sizes of the files `npm pack` would put in our tarball (what an install unpacks). */
function packedFiles(): number[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const [pack] = JSON.parse(out) as [{ files: { size: number }[] }]
  return pack.files.map((file) => file.size)
}

function installedFiles(name: string): number[] {
  const sizes: number[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`
      // A nested node_modules is counted as a dependency of its own, below.
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path)
      } else if (entry.isFile()) sizes.push(statSync(path).size)
    }
  }
  walk(`${ROOT}node_modules/${name}`)
  return sizes
}

function dependenciesOf(name: string): string[] {
  const file = name === 'esign-errors' ? `${ROOT}package.json` : `${ROOT}node_modules/${name}/package.json`
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> }
  return Object.keys(manifest.dependencies ?? {})
}

/** The package's files and those of its dependencies, each dependency once, from node_modules. */
function withDependencies(own: number[], name: string) {
  const files = [...own]
  const seen = new Set<string>([name])
  const queue = dependenciesOf(name)
  while (queue.length > 0) {
    const dependency = queue.shift()!
    if (seen.has(dependency)) continue
    seen.add(dependency)
    files.push(...installedFiles(dependency))
    queue.push(...dependenciesOf(dependency))
  }
  return {
    bytes: files.reduce((sum, bytes) => sum + bytes, 0),
    blocks: files.reduce((sum, bytes) => sum + Math.max(1, Math.ceil(bytes / 4096)) * 4096, 0),
    files: files.length,
  }
}

/** Prints the section of `npm run bench`; returns the two ratios for the targets. */
export function printFootprint(result: Footprint, samples: number): { load: number; size: number } {
  const kib = (bytes: number) => (bytes / 1024).toFixed(0)
  console.log(
    `## Load time and install size (require() in ${samples} fresh processes per package, alternating; medians)`,
  )
  console.log('')
  if (result.built === undefined) console.log('No dist/: run `npm run build` for the load times.\n')
  else console.log(`dist/ built ${result.built.toISOString()}.\n`)
  console.log(
    '| package | require() ms | samples min–max | installed KiB (sum of files) | on disk KiB (4 KiB blocks) | files |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const name of PACKAGES) {
    const load = result.load.get(name)
    const size = result.size.get(name)!
    const spread = load
      ? `${Math.min(...load.samples).toFixed(1)}–${Math.max(...load.samples).toFixed(1)}`
      : 'n/a'
    console.log(
      `| ${name} | ${load ? load.median.toFixed(1) : 'n/a'} | ${spread} | ${kib(size.bytes)} | ` +
        `${kib(size.blocks)} | ${size.files} |`,
    )
  }
  console.log('')
  const ours = result.load.get('esign-errors')?.median ?? Number.NaN
  const theirs = result.load.get('http-errors')?.median ?? Number.NaN
  return {
    load: ours / theirs,
    size: result.size.get('esign-errors')!.bytes / result.size.get('@hapi/boom')!.bytes,
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const samples = process.argv.includes('--quick') ? 9 : 21
  const ratios = printFootprint(measureFootprint(samples), samples)
  console.log(
    `esign-errors / http-errors load: ${ratios.load.toFixed(2)}; size / @hapi/boom: ${ratios.size.toFixed(2)}`,
  )
}
