// One client process of bench/platform-calls.ts: SIDE=ours, hand, guarded (the hand-written one with a
// timeout and redirects not followed) or node-http (the same over node:http) picks whose call it makes. The parent
// sends `{ setup }` (the fake's address; one call is made, which fetches the token, and its answer sent back),
// then `{ run: ms, concurrency, minCalls }` for each load: `concurrency` calls in flight, each started as the
// previous one ends, until `ms` passed and `minCalls` were made; it answers with the calls completed, the time
// they took and the CPU time used.
const side = process.env.SIDE
const { clientOf } = await import(side === 'ours' ? './ours.mjs' : './hand.mjs')

let call
const cpu = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}

async function run(ms, concurrency, minCalls = 0) {
  let calls = 0
  let errors = 0
  let firstError
  const cpuBefore = cpu()
  const started = performance.now()
  const until = started + ms
  const loop = async () => {
    while (performance.now() < until || calls < minCalls) {
      try {
        await call()
        calls += 1
      } catch (error) {
        // Counted and reported, not fatal: once, on a busy machine, a hand-written call's fetch failed (cause
        // not kept; ours would have retried it) and the whole run was lost.
        errors += 1
        firstError ??= String(error?.cause ?? error)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return { calls, errors, firstError, ms: performance.now() - started, cpuUs: cpu() - cpuBefore }
}

process.on('message', (message) => {
  if (message === 'stop') {
    process.exit(0)
  }
  const work = message.setup
    ? (async () => {
        call = clientOf(message.setup, {
          guarded: side === 'guarded' || side === 'node-http',
          nodeHttp: side === 'node-http',
        })
        return { answer: JSON.stringify(await call()) }
      })()
    : run(message.run, message.concurrency, message.minCalls).then((ran) => ({ ran }))
  work.then(
    (reply) => process.send(reply),
    (error) => process.send({ error: String(error?.stack ?? error) }),
  )
})
process.send('loaded')
