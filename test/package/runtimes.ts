/**
 * The runtimes the packed package is tested on, where scripts/install-runtimes.sh puts them, and the checks
 * that several of them share. A runtime that is not there fails its tests with the line that installs it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { get } from 'node:http'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, inject, it } from 'vitest'

export const run = promisify(execFile)
export const root = fileURLToPath(new URL('../../', import.meta.url))
const modules = join(root, '.cache/runtimes/node_modules')

const INSTALL = 'run `npm run runtimes` (scripts/install-runtimes.sh; .ci/run does it)'

/** Each runtime's binary, as the runtimes' own packages lay it out. */
const BINARIES = {
  'Node 22': join(modules, 'node22/bin/node'),
  'Node 24': join(modules, 'node24/bin/node'),
  // bun's postinstall moves its platform package's binary here.
  Bun: join(modules, 'bun/bin/bun.exe'),
  Deno: join(modules, '@deno/linux-x64-glibc/deno'),
  Chromium: '/usr/bin/chromium',
}
export type Runtime = keyof typeof BINARIES

/** The runtime's binary, or an error that says how to install it. */
export function need(runtime: Runtime): string {
  const binary = BINARIES[runtime]
  if (!existsSync(binary)) {
    throw new Error(
      runtime === 'Chromium'
        ? `Chromium is not installed (${binary}): as root, apt-get update && apt-get install -y chromium (or ${INSTALL})`
        : `${runtime} is not installed (${binary}): ${INSTALL}`,
    )
  }
  return binary
}

/** The folder whose node_modules holds miniflare (it runs on Node 22+), or an error that says how to install it. */
export function needMiniflare(): string {
  const folder = join(modules, '..')
  if (!existsSync(join(modules, 'miniflare/package.json'))) {
    throw new Error(`Miniflare is not installed (${join(modules, 'miniflare')}): ${INSTALL}`)
  }
  return folder
}

/** npm's environment with `path` as PATH: npm runs on the first `node` there. No update check, no colour. */
export function npmEnv(path: string | undefined): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: path,
    npm_config_update_notifier: 'false',
    npm_config_color: 'false',
    NO_COLOR: '1',
  }
}

/** How each runtime runs a script of the user's project. */
export function command(runtime: Runtime, script: string): [string, string[]] {
  const binary = need(runtime)
  if (runtime === 'Deno') return [binary, ['run', '--allow-all', script]]
  return [binary, [script]]
}

/** Environment of a runtime's process: no telemetry, no update check, Deno's cache in the user's project. */
function runtimeEnv(app: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DO_NOT_TRACK: '1',
    DENO_NO_UPDATE_CHECK: '1',
    DENO_DIR: join(app, '.deno'),
    NO_COLOR: '1',
  }
}

/** A script of the user's project run to its end; its stdout. */
export async function runScript(runtime: Runtime, app: string, script: string, args: string[] = []) {
  const [file, base] = command(runtime, script)
  const { stdout } = await run(file, [...base, ...args], { cwd: app, env: runtimeEnv(app), timeout: 60_000 })
  return stdout
}

/** A server script of the user's project started in a runtime, once it printed its JSON line. */
export async function startServer<T>(
  runtime: Runtime | 'this Node',
  app: string,
  script: string,
): Promise<{ info: T; stop: () => void }> {
  const [file, args] = runtime === 'this Node' ? [process.execPath, [script]] : command(runtime, script)
  const child: ChildProcess = spawn(file, args, { cwd: app, env: runtimeEnv(app), stdio: 'pipe' })
  const stop = () => {
    child.kill('SIGKILL')
  }
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`${script} in ${runtime} printed no line in 30 s; stderr:\n${stderr}`))
    }, 30_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} in ${runtime} exited with ${code}; stderr:\n${stderr}`))
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk
      const line = stdout.split('\n')[0]
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timer)
        resolve(JSON.parse(line) as T)
      }
    })
  })
  return { info, stop }
}

/** What an HTTP/1.1 GET on a fresh connection received, the headers the contract names only. */
export function getRaw(url: string): Promise<{ status: number | undefined; headers: object; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          headers: {
            'content-type': res.headers['content-type'],
            'cache-control': res.headers['cache-control'],
            'www-authenticate': res.headers['www-authenticate'],
            'retry-after': res.headers['retry-after'],
          },
          body,
        }),
      )
    }).on('error', reject)
  })
}

// The answers DESIGN.md and the README give for these two codes, thrown in a route.
export const WRONG_PASSWORD = {
  status: 401,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'www-authenticate': 'Bearer',
    'retry-after': undefined,
  },
  body: '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}',
}
export const SYSTEM_BUSY_7S = {
  status: 503,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'www-authenticate': undefined,
    'retry-after': '7',
  },
  body: '{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}',
}
/** The same two answers read back by the client: code, name, status, message, retryable, retryAfterMs, format. */
export const READ_BACK = [
  '[89,"SystemBusy",503,"The system is busy",true,7000,"envelope"]',
  '[22,"WrongPassword",401,"Wrong password",false,null,"envelope"]',
]

/**
 * The server checks for a runtime that runs servers (Node, Bun, Deno): an Express and a Koa app, written with
 * `import` and with `require`, answer a thrown SignError over a real socket; then the client, in the same
 * runtime, reads the answers back.
 */
/** A URL on 127.0.0.1 where nothing listens: a port taken, then let go. */
export async function closedUrl(): Promise<string> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}/`
}

export function serverChecks(runtime: Runtime): void {
  for (const script of ['server.mjs', 'server.cjs']) {
    it(`an Express and a Koa app (${script}) answer a thrown SignError over a socket`, async () => {
      const { info, stop } = await startServer<{ express: number; koa: number }>(
        runtime,
        inject('app'),
        script,
      )
      try {
        for (const port of [info.express, info.koa]) {
          expect(await getRaw(`http://127.0.0.1:${port}/login`)).toEqual(WRONG_PASSWORD)
          expect(await getRaw(`http://127.0.0.1:${port}/busy`)).toEqual(SYSTEM_BUSY_7S)
        }
      } finally {
        stop()
      }
    })
  }

  it("retry() takes this runtime's refused connection for one that may succeed later", async () => {
    const printed = await runScript(runtime, inject('app'), 'retry.mjs', [await closedUrl()])
    expect(printed).toBe('3\n')
  })

  it('the client reads the answers of both apps back', async () => {
    const { info, stop } = await startServer<{ express: number; koa: number }>(
      runtime,
      inject('app'),
      'server.mjs',
    )
    try {
      const urls = [info.express, info.koa].flatMap((port) => [
        `http://127.0.0.1:${port}/busy`,
        `http://127.0.0.1:${port}/login`,
      ])
      const printed = await runScript(runtime, inject('app'), 'client.mjs', urls)
      expect(printed).toBe(`${[...READ_BACK, ...READ_BACK].join('\n')}\n`)
    } finally {
      stop()
    }
  })
}
