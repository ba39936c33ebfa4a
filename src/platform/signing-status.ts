/** `signingStatus`: where a document stands, read from the filters of `contract/list`. */
import { type Answer, type ContractList, type ContractSummary, isRecord } from './flow-answers.js'
import { type CallOptions, need } from './flow-inputs.js'

/** What a document's state is, as far as `contract/list` shows it; see `PlatformClient.signingStatus`. */
export type DocumentState = 'in-progress' | 'completed' | 'refused' | 'cancelled' | 'deleted' | 'unknown'

/** One signer of a document, from the list's `addressee` rows (in the platform's order; they carry no e-mail). */
export interface SignerStatus {
  /** `signstate` 1 is `'signed'`, 0 `'pending'`; any other value is `'unknown'`. */
  state: 'pending' | 'signed' | 'unknown'
  /** The `signstate` as the platform sent it. */
  signstate: unknown
  /** The whole `addressee` row. */
  raw: Answer<{ idcardnum?: string; signstate?: number; authtype?: number }>
}

/** What `PlatformClient.signingStatus` answers. */
export interface SigningStatus {
  state: DocumentState
  /** The `contractState` filter that listed the document (1, 4, 6, 7, 20 or 21); `undefined` when none did. */
  contractState: number | undefined
  signers: SignerStatus[]
  /** The document's entry in `contract/list` as the platform sent it; `undefined` when not found. */
  raw: ContractSummary | undefined
  /** `contract/list` calls made (the token, when one had to be fetched, is one more). */
  calls: number
  /**
   * Whether every filter was read to its end. `false` when `maxCalls` stopped the search, or a page brought no
   * document the previous ones had not (a platform ignoring `startIndex`): `'unknown'` then means "not seen".
   */
  complete: boolean
}

/** Options of `PlatformClient.signingStatus`. */
export interface SigningStatusOptions extends CallOptions {
  /**
   * Only documents updated that day, `yyyy-MM-dd` (the docs' wording; the platform's time zone is not
   * stated): far fewer pages on a busy account, when the day is known, e.g. the day a callback came.
   */
  date?: string | undefined
  /** Most `contract/list` calls made before giving up with `'unknown'`. Default 200. */
  maxCalls?: number | undefined
}

/** Largest page the platform serves (the Java sample's comment: max 50). */
const PAGE = 50
const DEFAULT_MAX_STATUS_CALLS = 200

/**
 * The `contractState` filters of `contract/list` (Java sample `GetContractList.java` L33) and what each means,
 * in the order asked: the groups a busy account keeps small first, the completed documents, which pile up,
 * last.
 */
const STATE_FILTERS: readonly (readonly [number, DocumentState])[] = [
  [1, 'in-progress'],
  [6, 'refused'],
  [7, 'cancelled'],
  [21, 'deleted'],
  [20, 'deleted'],
  [4, 'completed'],
]

function notFound(calls: number, complete: boolean): SigningStatus {
  return { state: 'unknown', contractState: undefined, signers: [], raw: undefined, calls, complete }
}

/** The signers of a list entry: `signstate` 0 pending and 1 signed (PHP sample `home.html` L223, docs' example). */
function signersOf(entry: ContractSummary): SignerStatus[] {
  const rows = Array.isArray(entry.addressee) ? entry.addressee : []
  return rows.filter(isRecord).map((raw) => {
    const signstate = raw.signstate
    const state = signstate === 1 ? 'signed' : signstate === 0 ? 'pending' : 'unknown'
    return { state, signstate, raw }
  })
}

/**
 * Where `contractnum` stands: each `contractState` filter of {@link STATE_FILTERS} paged through with `list` (one
 * `contract/list` call with `rDetail` 2) until the document shows up, `maxCalls` is spent or a filter ends.
 */
export async function signingStatus(
  list: (payload: Record<string, unknown>, options: CallOptions) => Promise<ContractList>,
  contractnum: string,
  options: SigningStatusOptions = {},
): Promise<SigningStatus> {
  need('signingStatus', 'contractnum', contractnum)
  const { signal, date = '', maxCalls = DEFAULT_MAX_STATUS_CALLS } = options
  if (!Number.isSafeInteger(maxCalls) || maxCalls < 1) {
    throw new RangeError('signingStatus: maxCalls must be a positive integer')
  }
  if (typeof date !== 'string') throw new TypeError('signingStatus: date must be a string')
  signal?.throwIfAborted()
  let calls = 0
  let complete = true
  for (const [contractState, state] of STATE_FILTERS) {
    const seen = new Set<unknown>()
    for (let startIndex = 0; ; ) {
      if (calls >= maxCalls) return notFound(calls, false)
      calls += 1
      const payload = { startIndex, pageSize: PAGE, rDetail: 2, contractState, date }
      const page = await list(payload, options)
      const entries = page.contractList
      const found = entries.find((entry) => isRecord(entry) && entry.contractnumber === contractnum)
      if (found !== undefined) {
        return { state, contractState, signers: signersOf(found), raw: found, calls, complete: true }
      }
      const before = seen.size
      for (const entry of entries) seen.add(isRecord(entry) ? entry.contractnumber : entry)
      startIndex += entries.length
      const total = page.contractTotal
      // The documents seen, not the offset, are held against the total: read as 1-based (as the Postman and
      // Bruno files send it), each page would start on the last one's final entry.
      if (entries.length < PAGE || (typeof total === 'number' && seen.size >= total)) break
      // A page that brings nothing new would bring nothing new forever: the platform ignores startIndex.
      if (seen.size === before) {
        complete = false
        break
      }
    }
  }
  return notFound(calls, complete)
}
