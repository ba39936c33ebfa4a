import { randomBytes } from 'node:crypto'

/**
 * A document's state as `contract/list` filters it (JAVA `GetContractList.java`): 1 in progress, 4 completed,
 * 6 refused, 7 cancelled, 20 signed then deleted, 21 deleted while in progress.
 */
export type ContractState = 1 | 4 | 6 | 7 | 20 | 21

/** The states a list may be filtered by; -1 is no filter (NODE `server.js`). */
const CONTRACT_STATES: readonly number[] = [1, 4, 6, 7, 20, 21]

/** A signer's state in `addressee[].signstate`: 0 pending, 1 signed, 2 refused. */
export type SignState = 0 | 1 | 2

/** One signer of a document the fake platform holds. */
export interface FakeSigner {
  email: string
  name?: string
  phonesn?: string
  idcardnum: string
  /** 0 default, 1 SMS (automatic signing then asks for the code `contract/authcode` sent). */
  authtype: number
  signstate: SignState
  /** Where the fields go (`contract/coordinate` or the upload's `signset`), as sent, parsed. */
  signset?: unknown[]
  /** The `callUrl` given with this signer's signing request. */
  callUrl?: string
  /** The last code `contract/authcode` sent this signer, until automatic signing uses it. */
  authcode?: string
}

/** One document the fake platform holds. */
export interface FakeDocument {
  contractnum: string
  docid: number
  contractname: string
  /** The upload's `type`, e.g. `pdf`. */
  type: string
  /** The uploaded file; signing does not change it (the fake signs nothing for real). */
  bytes: Buffer
  state: ContractState
  /** `yyyy-MM-dd HH:mm:ss`, UTC. */
  createtime: string
  /**
   * When the document last changed (uploaded, signed, refused, cancelled, deleted), as `createtime` is written.
   * The list's `date` filter reads it ("only document updated on the specific date", the vendor's docs); it is
   * not sent, as no source shows such a field.
   */
  updatetime: string
  signers: FakeSigner[]
  /** The latest `callUrl` given for any signer. */
  callUrl?: string
}

/** What {@link FakePlatform.addDocument} takes: a document as if uploaded. */
export interface DocumentSeed {
  contractname?: string
  type?: string
  bytes?: Uint8Array
  signers?: { email: string; name?: string; authtype?: number; phonesn?: string; idcardnum?: string }[]
  state?: ContractState
  /** `yyyy-MM-dd HH:mm:ss`; default now. */
  createtime?: string
}

/** `yyyy-MM-dd HH:mm:ss` in UTC, the shape of `createtime` in the vendor's list example. */
export function timestamp(at = new Date()): string {
  return at.toISOString().slice(0, 19).replace('T', ' ')
}

/** The documents, by contract number, in upload order. */
export class DocumentStore {
  readonly byNumber = new Map<string, FakeDocument>()
  #docid = 89_342

  add(seed: DocumentSeed): FakeDocument {
    this.#docid += 1
    const document: FakeDocument = {
      // 32 upper-case hex digits, as in every example the vendor shows.
      contractnum: randomBytes(16).toString('hex').toUpperCase(),
      docid: this.#docid,
      contractname: seed.contractname ?? 'Untitled',
      type: seed.type ?? 'pdf',
      bytes: Buffer.from(seed.bytes ?? Buffer.from('%PDF-1.4\n%%EOF\n')),
      state: seed.state ?? 1,
      createtime: seed.createtime ?? timestamp(),
      updatetime: seed.createtime ?? timestamp(),
      signers: (seed.signers ?? []).map((signer) => ({
        email: signer.email,
        ...(signer.name === undefined ? {} : { name: signer.name }),
        ...(signer.phonesn === undefined ? {} : { phonesn: signer.phonesn }),
        idcardnum: signer.idcardnum ?? '',
        authtype: signer.authtype ?? 0,
        signstate: 0,
      })),
    }
    this.byNumber.set(document.contractnum, document)
    return document
  }

  /** A document that is not deleted; deleted ones stay listed under 20 or 21 only. */
  live(contractnum: unknown): FakeDocument | undefined {
    const document = typeof contractnum === 'string' ? this.byNumber.get(contractnum) : undefined
    return document === undefined || document.state === 20 || document.state === 21 ? undefined : document
  }
}

/** A number sent as a number or as digits in a string, as the vendor's PHP and Java send every field. */
function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  if (typeof value === 'string' && /^-?\d{1,9}$/.test(value.trim())) return Number(value.trim())
  return undefined
}

/** A `signset`: an array (Bruno 2025-10) or a JSON string of one (PHP, Java, Postman); undefined if neither. */
export function signsetOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value
  if (typeof value !== 'string') return undefined
  try {
    const parsed = JSON.parse(value) as unknown
    return Array.isArray(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/** Why a list query is refused, or its reading. */
export type ListQuery =
  | { ok: false }
  | { ok: true; start: number; size: number; detail: number; state?: number; date?: string }

/** Reads `contract/list`'s payload: `startIndex` from 0, `pageSize` 0-50, `rDetail` 0-2, `contractState`, `date`. */
export function readListQuery(payload: Record<string, unknown>): ListQuery {
  const start = integerOf(payload.startIndex ?? 0)
  const size = integerOf(payload.pageSize ?? 0)
  const detail = integerOf(payload.rDetail ?? 0)
  const state = payload.contractState === undefined ? -1 : integerOf(payload.contractState)
  const date = payload.date ?? ''
  if (start === undefined || start < 0 || size === undefined || size < 0 || size > 50) return { ok: false }
  if (detail === undefined || detail < 0 || detail > 2) return { ok: false }
  if (state === undefined || (state !== -1 && !CONTRACT_STATES.includes(state))) return { ok: false }
  if (typeof date !== 'string' || (date !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(date))) return { ok: false }
  return {
    ok: true,
    start,
    size,
    detail,
    ...(state === -1 ? {} : { state }),
    ...(date === '' ? {} : { date }),
  }
}

/** The decrypted answer of `contract/list`, with only the fields the vendor's list example shows. */
export function listAnswer(documents: Iterable<FakeDocument>, query: ListQuery & { ok: true }): unknown {
  const matching = [...documents].filter(
    (document) =>
      (query.state === undefined || document.state === query.state) &&
      (query.date === undefined || document.updatetime.startsWith(query.date)),
  )
  const page = matching.slice(query.start, query.start + query.size)
  const counts = { contractCnt: page.length, contractTotal: matching.length }
  if (query.detail === 0) return counts
  return {
    contractList: page.map((document) => ({
      createtime: document.createtime,
      ...(query.detail === 2
        ? {
            addressee: document.signers.map((signer) => ({
              idcardnum: signer.idcardnum,
              signstate: signer.signstate,
              authtype: signer.authtype,
            })),
          }
        : {}),
      contractnumber: document.contractnum,
      contractlog: [
        {
          logtype: 0,
          description: `Document [${document.contractname}] added`,
          logtime: document.createtime,
          operator: 'integration@example.com',
        },
      ],
    })),
    ...counts,
  }
}
