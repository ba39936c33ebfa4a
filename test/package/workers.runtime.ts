/**
 * The packed package in a Workers runtime: the client, bundled as a Workers module by esbuild, run by workerd
 * through Miniflare (which itself runs on Node 22+), reads back what an Express and a Koa app answered.
 */
import { join } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, inject, it } from 'vitest'
import { closedUrl, needMiniflare, READ_BACK, runScript, startServer } from './runtimes.js'

describe('the packed package in workerd (Miniflare)', () => {
  it('the client reads the answers of an Express and a Koa app back', async () => {
    const miniflare = needMiniflare()
    const app = inject('app')
    await build({
      absWorkingDir: app,
      entryPoints: ['worker.mjs'],
      outfile: join(app, 'worker.js'),
      bundle: true,
      platform: 'browser',
      conditions: ['workerd', 'worker'],
      format: 'esm',
      logLevel: 'silent',
    })
    const { info, stop } = await startServer<{ express: number; koa: number }>('this Node', app, 'server.mjs')
    try {
      const urls = [info.express, info.koa].flatMap((port) => [
        `http://127.0.0.1:${port}/busy`,
        `http://127.0.0.1:${port}/login`,
      ])
      const refused = `retry:${await closedUrl()}`
      const printed = await runScript('Node 22', app, 'miniflare.mjs', [
        miniflare,
        'worker.js',
        ...urls,
        refused,
      ])
      // Then retry() took workerd's refused connection for one that may succeed later: 3 calls.
      expect(printed).toBe(`${[...READ_BACK, ...READ_BACK, '3'].join('\n')}\n`)
    } finally {
      stop()
    }
  })
})
