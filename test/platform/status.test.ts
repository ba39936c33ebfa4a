import { createPlatformClient } from 'esign-errors/platform'
import { afterEach, describe, expect, it } from 'vitest'
import { API_KEY, type EnvelopeServer, SECRET, startEnvelopeServer } from '../helpers/envelope-server.js'
import { rejectionOf, signErrorOf } from '../helpers/rejections.js'

// signingStatus() reads the only per-document state any source shows: which contractState filter of
// contract/list lists the document (JAVA GetContractList.java L33), and addressee[].signstate (DOCS
// get-document-list, PHP home.html L223). The local platform below keeps documents in creation order and
// answers contract/list with a 0-based startIndex offset, as the Java, PHP and Node samples and the docs send it.

interface Doc {
  contractnumber: string
  state: number
  addressee?: Record<string, unknown>[]
}

let server: EnvelopeServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

interface ListOptions {
  /** Leave contractTotal out of the answers. */
  noTotal?: boolean
  /** Answer every page as if startIndex were 0. */
  ignoreStartIndex?: boolean
  /** Read startIndex as 1-based (0 and 1 both the first document), as the Postman and Bruno files send it. */
  oneBased?: boolean
}

async function account(docs: Doc[], options: ListOptions = {}) {
  server = await startEnvelopeServer(({ method, path, payload }) => {
    if (method !== 'GET' || path !== 'contract/list') return { result: 1 }
    const p = payload as { startIndex: number; pageSize: number; contractState: number }
    const all = docs.filter((doc) => p.contractState === -1 || doc.state === p.contractState)
    const start = options.ignoreStartIndex
      ? 0
      : options.oneBased
        ? Math.max(0, p.startIndex - 1)
        : p.startIndex
    const page = all.slice(start, start + p.pageSize).map((doc) => ({
      createtime: '2025-10-22 10:00:00',
      addressee: doc.addressee ?? [{ idcardnum: '', signstate: doc.state === 4 ? 1 : 0, authtype: 0 }],
      contractnumber: doc.contractnumber,
      contractlog: [],
    }))
    const answer: Record<string, unknown> = { contractList: page, contractCnt: page.length }
    if (!options.noTotal) answer.contractTotal = all.length
    return { payload: answer }
  })
  const client = createPlatformClient({ baseUrl: server.baseUrl, apiKey: API_KEY, apiSecret: SECRET })
  const sent = () => server!.received.map((call) => call.payload)
  return { client, sent, calls: () => server!.received.length }
}

const query = (contractState: number, startIndex = 0, date = '') => ({
  startIndex,
  pageSize: 50,
  rDetail: 2,
  contractState,
  date,
})

describe('signingStatus(): the state from the contractState filter that lists the document', () => {
  const cases: [number, string, number[]][] = [
    [1, 'in-progress', [1]],
    [6, 'refused', [1, 6]],
    [7, 'cancelled', [1, 6, 7]],
    [21, 'deleted', [1, 6, 7, 21]],
    [20, 'deleted', [1, 6, 7, 21, 20]],
    [4, 'completed', [1, 6, 7, 21, 20, 4]],
  ]
  for (const [contractState, state, filters] of cases) {
    it(`a document listed under ${contractState} is ${state}, after asking ${filters.join(', ')}`, async () => {
      const { client, sent } = await account([
        { contractnumber: 'OTHER', state: contractState },
        { contractnumber: 'C1', state: contractState },
      ])
      const status = await client.signingStatus('C1')
      expect(status.state).toBe(state)
      expect(status.contractState).toBe(contractState)
      expect(status.complete).toBe(true)
      expect(status.calls).toBe(filters.length)
      expect(status.raw?.contractnumber).toBe('C1')
      expect(sent()).toEqual(filters.map((filter) => query(filter)))
    })
  }

  it("is 'unknown' when no filter lists it, after asking each filter once", async () => {
    const { client, sent } = await account([{ contractnumber: 'OTHER', state: 4 }])
    expect(await client.signingStatus('C1')).toEqual({
      state: 'unknown',
      contractState: undefined,
      signers: [],
      raw: undefined,
      calls: 6,
      complete: true,
    })
    expect(sent()).toEqual([1, 6, 7, 21, 20, 4].map((filter) => query(filter)))
  })
})

describe('signingStatus(): signers from addressee[].signstate', () => {
  it('maps 0 to pending and 1 to signed; anything else is unknown, its signstate kept', async () => {
    const addressee = [
      { idcardnum: '', signstate: 0, authtype: 0 },
      { idcardnum: '', signstate: 1, authtype: 1 },
      { idcardnum: '', signstate: 2, authtype: 0 },
      { idcardnum: '', signstate: '1', authtype: 0 },
      { idcardnum: '' },
    ]
    const { client } = await account([{ contractnumber: 'C1', state: 1, addressee }])
    const status = await client.signingStatus('C1')
    expect(status.signers).toEqual([
      { state: 'pending', signstate: 0, raw: addressee[0] },
      { state: 'signed', signstate: 1, raw: addressee[1] },
      { state: 'unknown', signstate: 2, raw: addressee[2] },
      { state: 'unknown', signstate: '1', raw: addressee[3] },
      { state: 'unknown', signstate: undefined, raw: addressee[4] },
    ])
    expect(status.raw).toEqual({
      createtime: '2025-10-22 10:00:00',
      addressee,
      contractnumber: 'C1',
      contractlog: [],
    })
  })
})

describe('signingStatus(): paging', () => {
  it('pages with a 0-based startIndex until contractTotal is reached', async () => {
    const docs = Array.from({ length: 120 }, (_, i) => ({ contractnumber: `D${i}`, state: 4 }))
    const { client, sent } = await account(docs)
    const status = await client.signingStatus('D119')
    expect([status.state, status.calls]).toEqual(['completed', 8])
    expect(sent()).toEqual([
      query(1),
      query(6),
      query(7),
      query(21),
      query(20),
      query(4, 0),
      query(4, 50),
      query(4, 100),
    ])
  })

  it('finds the last document when startIndex is read as 1-based: each page then repeats one', async () => {
    const docs = Array.from({ length: 100 }, (_, i) => ({ contractnumber: `D${i}`, state: 4 }))
    const { client, sent } = await account(docs, { oneBased: true })
    const status = await client.signingStatus('D99')
    expect([status.state, status.complete]).toEqual(['completed', true])
    expect(sent().slice(5)).toEqual([query(4, 0), query(4, 50), query(4, 100)])
  })

  it('without contractTotal, stops at the first page shorter than pageSize', async () => {
    const docs = Array.from({ length: 50 }, (_, i) => ({ contractnumber: `D${i}`, state: 1 }))
    const { client, sent } = await account(docs, { noTotal: true })
    const status = await client.signingStatus('ABSENT')
    expect([status.state, status.complete]).toEqual(['unknown', true])
    expect(sent()).toEqual([query(1, 0), query(1, 50), query(6), query(7), query(21), query(20), query(4)])
  })

  it('stops a filter whose next page brings nothing new (a platform ignoring startIndex), and says so', async () => {
    const docs = Array.from({ length: 60 }, (_, i) => ({ contractnumber: `D${i}`, state: 4 }))
    const { client, sent } = await account(docs, { noTotal: true, ignoreStartIndex: true })
    const status = await client.signingStatus('D59')
    expect([status.state, status.complete]).toEqual(['unknown', false])
    expect(sent()).toEqual([query(1), query(6), query(7), query(21), query(20), query(4, 0), query(4, 50)])
  })

  it('sends the date filter on every call when given one', async () => {
    const { client, sent } = await account([{ contractnumber: 'C1', state: 6 }])
    const status = await client.signingStatus('C1', { date: '2025-10-22' })
    expect(status.state).toBe('refused')
    expect(sent()).toEqual([query(1, 0, '2025-10-22'), query(6, 0, '2025-10-22')])
  })

  it("stops after maxCalls: 'unknown' and complete false", async () => {
    const docs = Array.from({ length: 400 }, (_, i) => ({ contractnumber: `D${i}`, state: 4 }))
    const { client, calls } = await account(docs)
    const status = await client.signingStatus('D399', { maxCalls: 7 })
    expect(status).toEqual({
      state: 'unknown',
      contractState: undefined,
      signers: [],
      raw: undefined,
      calls: 7,
      complete: false,
    })
    expect(calls()).toBe(7)
  })
})

describe('signingStatus(): what it costs', () => {
  // An account of N documents, one in ten in progress, the rest completed, listed in creation order; the
  // document asked about is the last one created of its kind (the worst place for an offset scan). The
  // counts are of contract/list calls the platform received; the token adds one call per 25 minutes.
  // Worked out by hand: in-progress = ceil(N/10 / 50) pages; completed or absent = those pages, one page
  // for each of 6, 7, 21 and 20 (empty), and ceil(9N/10 / 50) pages of completed documents.
  const table: [number, number, number, number][] = [
    // N, in progress, completed, absent
    [10, 1, 6, 6],
    [500, 1, 14, 14],
    [5000, 10, 104, 104],
  ]
  for (const [n, inProgress, completed, absent] of table) {
    it(`N = ${n}: ${inProgress} call(s) for a document in progress, ${completed} for a completed one, ${absent} for an absent one`, async () => {
      const docs = Array.from({ length: n }, (_, i) => ({
        contractnumber: `D${i}`,
        state: i % 10 === 0 ? 1 : 4,
      }))
      const lastInProgress = `D${n - 10}`
      const lastCompleted = `D${n - 1}`
      const { client, calls } = await account(docs)
      const counted: number[] = []
      for (const contractnum of [lastInProgress, lastCompleted, 'ABSENT']) {
        const before = calls()
        const status = await client.signingStatus(contractnum)
        expect(status.calls).toBe(calls() - before)
        counted.push(status.calls)
      }
      expect(counted).toEqual([inProgress, completed, absent])
    })
  }
})

describe('signingStatus(): arguments and failures', () => {
  it('refuses an empty contractnum or a bad maxCalls before calling', async () => {
    const { client, calls } = await account([])
    const empty = await rejectionOf(client.signingStatus(''))
    expect([empty instanceof TypeError, (empty as Error).message]).toEqual([
      true,
      'signingStatus: contractnum must be a non-empty string',
    ])
    for (const maxCalls of [0, 1.5, Number.NaN]) {
      const error = await rejectionOf(client.signingStatus('C1', { maxCalls }))
      expect([error instanceof RangeError, (error as Error).message]).toEqual([
        true,
        'signingStatus: maxCalls must be a positive integer',
      ])
    }
    expect(calls()).toBe(0)
  })

  it('passes a platform error through as its SignError', async () => {
    server = await startEnvelopeServer(() => ({ result: 44 }))
    const client = createPlatformClient({ baseUrl: server.baseUrl, apiKey: API_KEY, apiSecret: SECRET })
    const error = await signErrorOf(client.signingStatus('C1'))
    expect([error.code, error.status]).toEqual([44, 403])
  })

  it('is cancelled by its signal', async () => {
    const { client, calls } = await account([])
    const controller = new AbortController()
    const reason = new Error('stop')
    controller.abort(reason)
    expect(await rejectionOf(client.signingStatus('C1', { signal: controller.signal }))).toBe(reason)
    expect(calls()).toBe(0)
  })

  it('reads a result 0 without data as an empty page', async () => {
    server = await startEnvelopeServer(() => ({}))
    const client = createPlatformClient({ baseUrl: server.baseUrl, apiKey: API_KEY, apiSecret: SECRET })
    const status = await client.signingStatus('C1')
    expect([status.state, status.calls, status.complete]).toEqual(['unknown', 6, true])
  })
})
