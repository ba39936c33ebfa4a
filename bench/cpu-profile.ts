/**
 * Reading `node --cpu-prof` files: self time per function, and per owner (this package, the contender's own
 * code, a dependency, Node's JavaScript, native work), so that a ratio can be split into whose code it costs.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The bundled server script of the HTTP contenders (see http.ts). */
export const BUNDLE = `${ROOT}node_modules/.cache/esign-errors-bench/server.js`

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  /** Samples per source line (1-based), where V8 recorded them. */
  positionTicks?: { line: number; ticks: number }[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

/** One function's self time. */
export interface SelfTime {
  /** `name  source`. */
  name: string
  /** Where it comes from: `src/…`, `bench/…`, a package path, `node:…` or `(native)`. */
  source: string
  hits: number
}

/** A profile summarised: self time of every function, the busy samples (idle ones left out). */
export interface Summary {
  busy: number
  functions: SelfTime[]
  /** Share of the busy samples per owner (see {@link ownerOf}), 0 to 1. */
  owners: Map<Owner, number>
}

/** Who owns a frame. */
export const OWNERS = ['ours', 'contender', 'dependencies', 'node', 'native', 'gc'] as const
/** An owner of CPU time. */
export type Owner = (typeof OWNERS)[number]

/** What each owner covers, for the printed tables. */
export const OWNER_LABELS: Record<Owner, string> = {
  ours: 'esign-errors (src/)',
  contender: "the contender's own code (bench/server.ts: route, hand-written handler, its error class)",
  dependencies: 'the framework and other packages (node_modules)',
  node: "Node's JavaScript (node:http, streams, timers)",
  native: 'native: syscalls (writev, read), C++ bindings, V8 not attributed',
  gc: 'garbage collector',
}

/** The owner of a frame, from its source (as {@link summarise} names it) and function name. */
export function ownerOf(functionName: string, source: string): Owner {
  if (source.startsWith('src/')) return 'ours'
  if (source.startsWith('bench')) return 'contender'
  if (source.startsWith('node:')) return 'node'
  if (source === '(native)') return functionName === '(garbage collector)' ? 'gc' : 'native'
  return 'dependencies'
}

/** Where a frame comes from: the bundle is split back into its sources by esbuild's `// path` marks. */
function locator(): (url: string, line: number) => string {
  let marks: { line: number; file: string }[] = []
  try {
    marks = readFileSync(BUNDLE, 'utf8')
      .split('\n')
      .flatMap((text, line) =>
        /^\/\/ (src|bench)\/[\w./-]+\.ts$/.test(text) ? [{ line, file: text.slice(3) }] : [],
      )
  } catch {
    // No bundle yet: only the loop was profiled.
  }
  return (url, line) => {
    if (url.endsWith('/esign-errors-bench/server.js')) {
      const mark = marks.findLast((candidate) => candidate.line <= line)
      return mark ? mark.file : 'bench bundle'
    }
    return url.replace(`file://${ROOT}`, '').replace(/^(.*\/)?node_modules\//, '') || '(native)'
  }
}

function readProfile(file: string): Profile {
  return JSON.parse(readFileSync(file, 'utf8')) as Profile
}

/** Reads one `.cpuprofile` file. */
export function summarise(file: string): Summary {
  const profile = readProfile(file)
  const where = locator()
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, SelfTime>()
  const owners = new Map<Owner, number>(OWNERS.map((owner) => [owner, 0]))
  let busy = 0
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame
    if (frame.functionName === '(idle)') continue
    busy++
    const source = where(frame.url, frame.lineNumber)
    const name = `${frame.functionName || '(anonymous)'}  ${source}`
    let entry = self.get(name)
    if (entry === undefined) {
      entry = { name, source, hits: 0 }
      self.set(name, entry)
    }
    entry.hits++
    const owner = ownerOf(frame.functionName, source)
    owners.set(owner, owners.get(owner)! + 1)
  }
  for (const [owner, hits] of owners) owners.set(owner, busy === 0 ? 0 : hits / busy)
  return { busy, functions: [...self.values()].sort((a, b) => b.hits - a.hits), owners }
}

/** One line of the bundled server (our sources and the contenders') and the samples spent on it. */
export interface HotLine {
  source: string
  functionName: string
  ticks: number
  /** The line as bundled (TypeScript types removed). */
  text: string
}

/**
 * The lines of `src/` and `bench/` with the most samples, as V8 recorded them per line: finer than the
 * self time of a function, which also holds everything V8 inlined into it.
 */
export function hotLines(file: string, top: number): HotLine[] {
  const profile = readProfile(file)
  const bundle = readFileSync(BUNDLE, 'utf8').split('\n')
  const where = locator()
  const byLine = new Map<string, HotLine>()
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame
    if (!url.endsWith('/esign-errors-bench/server.js')) continue
    for (const { line, ticks } of node.positionTicks ?? []) {
      const key = `${functionName}:${line}`
      const entry = byLine.get(key)
      if (entry) entry.ticks += ticks
      else
        byLine.set(key, {
          source: where(url, line - 1),
          functionName: functionName || '(anonymous)',
          ticks,
          text: (bundle[line - 1] ?? '').trim(),
        })
    }
  }
  return [...byLine.values()].sort((a, b) => b.ticks - a.ticks).slice(0, top)
}
