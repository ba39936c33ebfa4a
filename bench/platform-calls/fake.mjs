// The fake platform of `esign-errors/testing` (the built package: run `npm run build`) in a process of its own,
// holding the documents a list page shows; it sends `{ baseUrl, apiKey, apiSecret }` to the parent.
// Used by bench/platform-calls.ts: each client gets its own fake, pinned to the other CPU.

import { startFakePlatform } from 'esign-errors/testing'

const DOCUMENTS = Number(process.env.DOCUMENTS ?? '10')

const fake = await startFakePlatform()
for (let i = 0; i < DOCUMENTS; i++) {
  fake.addDocument({
    contractname: `Lease ${i + 1}`,
    // A fixed time: every fake answers the same page, but for the contract numbers, which are random.
    createtime: '2026-12-07 09:00:00',
    signers: [
      { email: `tenant${i}@example.com`, name: 'Müller', idcardnum: `ID-${i}` },
      { email: `owner${i}@example.com`, name: `Owner ${i}` },
    ],
  })
}
// The fake keeps every call it received, for tests to look at; a load of thousands of calls a second would
// grow its heap, and its collector's work, all along the run.
const received = fake.received
const forget = setInterval(() => {
  received.length = 0
}, 250)

process.on('message', (message) => {
  if (message === 'usage') {
    const { user, system } = process.cpuUsage()
    process.send({ usage: user + system })
  } else if (message === 'stop') {
    clearInterval(forget)
    fake.close().then(() => process.exit(0))
  }
})
process.send({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, apiSecret: fake.apiSecret })
