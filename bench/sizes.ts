/**
 * What a browser downloads: each entry a web app imports, bundled by esbuild for the browser and minified, in
 * bytes and gzipped (zlib's default level, as test/client/bundle.test.ts measures the client's budget).
 * `npm run bench -- --sizes` prints this section alone.
 */
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

/** The client's budget, gzipped: test/client/bundle.test.ts fails past it. */
export const CLIENT_BUDGET = 2560

const root = fileURLToPath(new URL('..', import.meta.url))

/** A page's import, as its own source: what the bundle holds after tree-shaking. */
const IMPORTS = [
  { name: 'esign-errors/client (everything)', source: "export * from './src/client/index.ts'" },
  { name: 'esign-errors: Codes and describe', source: "export { Codes, describe } from './src/index.ts'" },
  { name: 'esign-errors (everything)', source: "export * from './src/index.ts'" },
] as const

export interface Size {
  name: string
  /** Minified bytes, or the bundler's first error when it cannot bundle the entry for the browser. */
  bytes: number | string
  gzipped: number | undefined
}

export async function measureSizes(): Promise<Size[]> {
  const sizes: Size[] = []
  for (const { name, source } of IMPORTS) {
    try {
      const result = await build({
        stdin: { contents: source, resolveDir: root, loader: 'ts' },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        logLevel: 'silent',
      })
      const text = result.outputFiles[0]!.contents
      sizes.push({ name, bytes: text.byteLength, gzipped: gzipSync(text).byteLength })
    } catch (error) {
      const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text ?? String(error)
      sizes.push({ name, bytes: `does not bundle: ${first}`, gzipped: undefined })
    }
  }
  return sizes
}

export function printSizes(sizes: Size[]): void {
  console.log('## Browser bundle sizes (esbuild, platform browser, minified; gzip at zlib level 6)')
  console.log('')
  console.log('| import | bytes | gzipped |')
  console.log('| --- | ---: | ---: |')
  for (const { name, bytes, gzipped } of sizes) {
    console.log(`| ${name} | ${bytes} | ${gzipped ?? 'n/a'} |`)
  }
  const client = sizes[0]?.gzipped
  console.log('')
  console.log(
    client === undefined
      ? `- client budget ${CLIENT_BUDGET} B gzipped: not measured`
      : `- client budget ${CLIENT_BUDGET} B gzipped: ${client} B, ${client <= CLIENT_BUDGET ? 'within' : `over by ${client - CLIENT_BUDGET} B`}`,
  )
  console.log('')
}
