import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the CLI from its sources through tsx's loader (npx would add a second each), and never rejects. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: root },
      (error, stdout, stderr) => {
        const code = error ? Number(error.code) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

const USAGE_LINES = 'Run "esign-errors --help" for usage.\n'

const WRONG_PASSWORD = `code:      22
name:      WrongPassword
status:    401
category:  auth
retryable: no
message:   Wrong password
`

// Each case is its own process: run them side by side, with room for a loaded machine.
describe.concurrent('esign-errors CLI', { timeout: 60_000 }, () => {
  it('describes a code', async ({ expect }) => {
    expect(await cli('22')).toEqual({ code: 0, stdout: WRONG_PASSWORD, stderr: '' })
  })

  it('describes a code by name, in any case', async ({ expect }) => {
    expect(await cli('WrongPassword')).toEqual({ code: 0, stdout: WRONG_PASSWORD, stderr: '' })
    expect(await cli('wrongpassword')).toEqual({ code: 0, stdout: WRONG_PASSWORD, stderr: '' })
  })

  it('lists the codes of one HTTP status', async ({ expect }) => {
    expect(await cli('--status', '402')).toEqual({
      code: 0,
      stdout: `  74  402  InsufficientCredit      Insufficient account credit
 105  402  InsufficientSmsBalance  Insufficient SMS account balance
 115  402  InsufficientDsaCredit   No DSA credit
2029  402  InsufficientEkycCredit  eKYC credit is 0
`,
      stderr: '',
    })
  })

  it('searches names and messages, in any case', async ({ expect }) => {
    expect(await cli('--search', 'otp')).toEqual({
      code: 0,
      stdout: ` 108  429  OtpAttemptsExceeded    Mobile OTP failed with maximum attempt (5 times)
 109  403  OtpVerificationFailed  Mobile OTP authentication failed
`,
      stderr: '',
    })
  })

  it('prints JSON with --json', async ({ expect }) => {
    const run = await cli('--json', '22')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      code: 22,
      name: 'WrongPassword',
      status: 401,
      category: 'auth',
      retryable: false,
      message: 'Wrong password',
    })
    const list = await cli('--status', '401', '--search', 'token', '--json')
    expect(JSON.parse(list.stdout).map((e: { code: number }) => e.code)).toEqual([5, 6])
  })

  it('prints the catalog as Markdown', async ({ expect }) => {
    const run = await cli('--markdown')
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe('| Code | Name | HTTP status | Message | Category | Retryable |')
    expect(lines).toHaveLength(143)
  })

  it('prints its usage with --help', async ({ expect }) => {
    const run = await cli('--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Usage: esign-errors <code \| name> \[--json\]\n/)
  })

  it.for<[string[], string]>([
    [['bogus'], 'no code is named "bogus"'],
    [['9999'], '9999 is not a code of the catalog'],
    [['--search', 'zzz'], 'no code matches "zzz"'],
    [['--status', '418'], 'no code matches status 418'],
    [['--status', 'abc'], '--status takes an HTTP status such as 401, got "abc"'],
    [[], 'give a code, a name, --status or --search'],
    [['22', '41'], 'give one code or name at a time'],
  ])('fails on %j with a clear message', async ([args, message], { expect }) => {
    expect(await cli(...args)).toEqual({
      code: 1,
      stdout: '',
      stderr: `esign-errors: ${message}\nRun "esign-errors --help" for usage.\n`,
    })
  })

  it("fails on an unknown flag with its own usage lines, not the parser's message", async ({ expect }) => {
    expect(await cli('--bogus')).toEqual({
      code: 1,
      stdout: '',
      stderr: `esign-errors: unknown option --bogus\n${USAGE_LINES}`,
    })
    expect(await cli('-x', '22')).toEqual({
      code: 1,
      stdout: '',
      stderr: `esign-errors: unknown option -x\n${USAGE_LINES}`,
    })
  })

  it('fails on an option without its value, or a flag given one', async ({ expect }) => {
    expect(await cli('--status')).toEqual({
      code: 1,
      stdout: '',
      stderr: `esign-errors: --status takes a value\n${USAGE_LINES}`,
    })
    expect(await cli('--json=yes', '22')).toEqual({
      code: 1,
      stdout: '',
      stderr: `esign-errors: --json takes no value\n${USAGE_LINES}`,
    })
  })

  it('prints its version', async ({ expect }) => {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
    expect(await cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    expect(await cli('-v')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })
})
