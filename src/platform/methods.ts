import type { PlatformRequester } from './client.js'

/** Options every signing-flow method takes. */
export interface CallOptions {
  /** Cancels the call, its waits and its retries. */
  signal?: AbortSignal | undefined
  /** This call's time for one exchange, instead of the client's `timeoutMs`. */
  timeoutMs?: number | undefined
  /** This call's largest answer, instead of the client's `maxBytes`: a large download may need more. */
  maxBytes?: number | undefined
  /** This call's time in all (token, attempts, waits), instead of the client's `deadlineMs`. */
  deadlineMs?: number | undefined
}

/**
 * One field placed for a signer: its page (every sample's first page is 1), position and size (units not
 * stated by the vendor), and what goes there: the collections show `sign`, `textfield`, `signdate` and
 * `seal`. Other fields pass through.
 */
export type SignField = Answer<{
  pageindex: number
  top: number
  left: number
  width?: number
  height?: number
  fieldtype?: 'sign' | 'textfield' | 'signdate' | 'seal' | (string & {})
}>

/** Where a signer's fields go: an array, as the newest collection sends it, or the JSON text of one. */
export type SignSet = readonly SignField[] | string

/** A signer, as the platform's `signerinfo` / `signerInfo` objects carry one; other fields pass through. */
export interface SignerInfo {
  email: string
  name?: string
  /** 0 default, 1 SMS. */
  authtype?: number | string
  caprovide?: number | string
  phonesn?: string
  idcardnum?: string
  /** Where this signer signs: an array of fields (sent as is), or their JSON text (sent as that text). */
  signset?: SignSet | undefined
  [field: string]: unknown
}

/** The `contractInfo` of an upload; other fields pass through. */
export interface ContractInfo {
  contractname: string
  signerinfo: SignerInfo[]
  /** Defaults to the number of signers. */
  signernum?: number | string
  isWatermark?: number | string | boolean
  isRemoveSignature?: number | string | boolean
  [field: string]: unknown
}

/** What {@link PlatformClient.uploadDocument} sends. */
export interface UploadInput extends CallOptions {
  /** The document's bytes. */
  file: Uint8Array
  /** Its extension, e.g. `'pdf'` or `'docx'`. */
  type: string
  contractInfo: ContractInfo
  /** Name of the file part; the platform goes by `type` and the hash. */
  filename?: string | undefined
}

/** An answer object: the fields this package reads, typed, and every other field as the platform sent it. */
export type Answer<T> = T & { [field: string]: unknown }

/** What an upload answers: the new document's number. */
export type UploadResult = Answer<{ contractnum: string }>

/** Filters of {@link PlatformClient.listContracts}. */
export interface ContractListQuery extends CallOptions {
  /** Default 0. */
  startIndex?: number | undefined
  /** Default 50, the platform's maximum. */
  pageSize?: number | undefined
  /** 0 no detail, 1 list, 2 list with signers (`addressee`). Default 2. */
  rDetail?: 0 | 1 | 2 | undefined
  /**
   * -1 every document (the default), 1 in progress, 4 completed, 6 refused, 7 cancelled, 20 signed then
   * deleted, 21 deleted while in progress.
   */
  contractState?: number | undefined
  /** `yyyy-MM-dd`, or empty for every date. Default `''`. */
  date?: string | undefined
}

/** One document of the list. */
export type ContractSummary = Answer<{
  contractnumber?: string
  createtime?: string
  addressee?: Answer<{ idcardnum?: string; signstate?: number; authtype?: number }>[]
  contractlog?: Answer<{ logtype?: number; description?: string; logtime?: string; operator?: string }>[]
}>

/** What the list answers. */
export type ContractList = Answer<{
  contractList: ContractSummary[]
  contractCnt?: number
  contractTotal?: number
}>

/** What the details answer; `previewurl` is the only field the sources show. */
export type ContractDetails = Answer<{ contractDetails: Answer<{ previewurl?: string }> }>

/** What {@link PlatformClient.manualSigningUrl} sends. */
export interface ManualSigningInput extends CallOptions {
  contractnum: string
  signerInfo: Answer<{ email: string; name?: string }>
  /** Where the platform POSTs when the document changes; read it with `openCallback`. */
  callUrl?: string | undefined
  /** Where the signer's browser goes after signing (https only, per the platform). */
  backUrl?: string | undefined
}

/** What {@link PlatformClient.signAutomatically} sends. */
export interface AutomaticSigningInput extends CallOptions {
  contractnum: string
  signerInfo: Answer<{
    email: string
    name?: string
    signkeyword: string
    verifycode?: string
    authtype?: number | string
  }>
  callUrl?: string | undefined
  /**
   * `'auto'` (default) posts `contract/signature/auto`, the only path of the vendor's newest collection;
   * `'automatic'` posts `contract/signature/automatic`, the path of its docs and older samples.
   */
  endpoint?: 'auto' | 'automatic' | undefined
}

/** What {@link PlatformClient.setCoordinates} sends. */
export interface CoordinatesInput extends CallOptions {
  contractnum: string
  /** Each signer, by e-mail, with the fields placed for them. */
  signerinfo: Answer<{ email: string; signset: SignSet }>[]
}

/** What {@link PlatformClient.sendAuthCode} sends. */
export interface AuthCodeInput extends CallOptions {
  contractnum: string
  /** Who gets the code; `phonesn` as registered (the vendor's Java sample and docs send it). */
  signer: Answer<{ email: string; phonesn?: string }>
  /** Sent as given. Default `'1'`, the only value any source sends (its meaning is not documented). */
  type?: string | undefined
}

/** What a document's state is, as far as `contract/list` shows it; see {@link PlatformClient.signingStatus}. */
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

/** What {@link PlatformClient.signingStatus} answers. */
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

/** Options of {@link PlatformClient.signingStatus}. */
export interface SigningStatusOptions extends CallOptions {
  /**
   * Only documents updated that day, `yyyy-MM-dd` (the docs' wording; the platform's time zone is not
   * stated): far fewer pages on a busy account, when the day is known, e.g. the day a callback came.
   */
  date?: string | undefined
  /** Most `contract/list` calls made before giving up with `'unknown'`. Default 200. */
  maxCalls?: number | undefined
}

/** A user of the account, for {@link PlatformClient.addUsers}. */
export type PlatformUser = Answer<{ email: string; phonesn?: string; name?: string; roletype?: string }>

/** The signing flow, typed, on top of {@link PlatformRequester.request}. */
export interface PlatformClient extends PlatformRequester {
  /** Uploads a document for signing (`POST contract/file`, multipart, `uploadFileHash` computed). */
  uploadDocument(input: UploadInput): Promise<UploadResult>
  /** Lists documents (`GET contract/list`), by default all of them (`contractState` -1) with their signers. */
  listContracts(query?: ContractListQuery): Promise<ContractList>
  /**
   * Where a document stands (`GET contract/list`, `rDetail` 2): the `contractState` filter that lists it,
   * asked in the order 1, 6, 7, 21, 20, 4 and paged 50 at a time, and its signers' `signstate`. Costs one
   * call per page read: see docs/protocol.md. Confirm a callback with it before acting.
   */
  signingStatus(contractnum: string, options?: SigningStatusOptions): Promise<SigningStatus>
  /** One document's details (`GET contract/details`); `previewurl` is the only field any source shows. */
  contractDetails(contractnum: string, options?: CallOptions): Promise<ContractDetails>
  /** A document's bytes (`GET contract/file`), with the certificate of completion when asked (a zip). */
  downloadContract(
    contractnum: string,
    options?: CallOptions & { certificate?: boolean | undefined },
  ): Promise<Uint8Array>
  /** A document as a zip (`GET contract/zipfile`, its `pdfdata`), bytes. */
  downloadZip(contractnum: string, options?: CallOptions): Promise<Uint8Array>
  /** Deletes a document (`DELETE contract/list`); not retried, as a repeated delete would fail. */
  deleteContract(contractnum: string, options?: CallOptions): Promise<unknown>
  /** The signing page for one signer (`POST contract/signature/manual`). */
  manualSigningUrl(input: ManualSigningInput): Promise<Answer<{ url: string }>>
  /**
   * Signs for a signer whose key is held by the platform (`POST contract/signature/auto`, or
   * `/automatic` with `endpoint: 'automatic'`). Not retried.
   */
  signAutomatically(input: AutomaticSigningInput): Promise<Answer<object> | undefined>
  /** Places each signer's fields on a document (`POST contract/coordinate`). */
  setCoordinates(input: CoordinatesInput): Promise<Answer<object> | undefined>
  /**
   * Sends a signer the code that automatic signing with 2FA takes as `signerInfo.verifycode`
   * (`POST contract/authcode`). Never retried: a second try would send a second code.
   */
  sendAuthCode(input: AuthCodeInput): Promise<Answer<object> | undefined>
  /** Verifies the signatures of a signed file (`POST contract/signature/verify`, `verifyFileHash`). */
  verifySignedFile(file: Uint8Array, options?: CallOptions & { filename?: string }): Promise<unknown>
  /** Registers users (`POST account/addusers`). */
  addUsers(users: PlatformUser[], options?: CallOptions): Promise<unknown>
  /** Looks users up (`POST account/queryusers`), `q` sent as an object like the vendor's collection. */
  queryUsers(q: Answer<{ email: string; roletype?: string }>, options?: CallOptions): Promise<Answer<object>>
  /** The account (`GET account/infomation`, the platform's spelling), a call without payload. */
  accountInformation(options?: CallOptions): Promise<Answer<object>>
}

/** Adds the signing-flow methods to a requester. */
export function withSigningFlow(requester: PlatformRequester): PlatformClient {
  const { request } = requester

  /** One `contract/list` call; a result 0 without `data` reads as an empty page. */
  async function list(payload: Record<string, unknown>, options: CallOptions): Promise<ContractList> {
    return await request({
      method: 'GET',
      path: 'contract/list',
      payload,
      ...limits(options),
      parse: (value) => {
        if (value === undefined) return { contractList: [] }
        const answer = record(value)
        const entries = answer.contractList ?? []
        if (!Array.isArray(entries)) throw new Error('contractList is not an array')
        return { ...answer, contractList: entries } as ContractList
      },
    })
  }

  return {
    request,

    async uploadDocument({ file, type, contractInfo, filename, ...options }) {
      need('uploadDocument', 'type', type)
      if (
        typeof contractInfo !== 'object' ||
        contractInfo === null ||
        !Array.isArray(contractInfo.signerinfo)
      ) {
        throw new TypeError('uploadDocument: contractInfo needs a signerinfo array')
      }
      contractInfo.signerinfo.forEach((signer, index) => {
        if (signer?.signset !== undefined) checkSignset('uploadDocument', index, signer.signset)
      })
      const info = { contractnum: '', signernum: contractInfo.signerinfo.length, ...contractInfo }
      return await request({
        method: 'POST',
        path: 'contract/file',
        payload: { type, contractInfo: info },
        file: { field: 'uploadFile', content: file, filename: filename ?? `document.${type}` },
        ...limits(options),
        parse: withString('contractnum'),
      })
    },

    async listContracts(query = {}) {
      const { startIndex = 0, pageSize = 50, rDetail = 2, contractState = -1, date = '' } = query
      // Every vendor sample sends contractState, and all but Java's rDetail 2 (docs/protocol.md).
      return await list({ startIndex, pageSize, rDetail, contractState, date }, query)
    },

    async signingStatus(contractnum, options = {}) {
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
          if (entries.length < PAGE || (typeof total === 'number' && startIndex >= total)) break
          // A page that brings nothing new would bring nothing new forever: the platform ignores startIndex.
          if (seen.size === before) {
            complete = false
            break
          }
        }
      }
      return notFound(calls, complete)
    },

    async contractDetails(contractnum, options) {
      need('contractDetails', 'contractnum', contractnum)
      return await request({
        method: 'GET',
        path: 'contract/details',
        payload: { contractnum },
        ...limits(options),
        parse: (value) => {
          const answer = record(value)
          record(answer.contractDetails, 'contractDetails')
          return answer as ContractDetails
        },
      })
    },

    async downloadContract(contractnum, options) {
      need('downloadContract', 'contractnum', contractnum)
      const payload: Record<string, unknown> = { contractnum }
      if (options?.certificate !== undefined) payload.isReqCertOfCompletion = options.certificate
      return await request({
        method: 'GET',
        path: 'contract/file',
        payload,
        ...limits(options),
        hexFields: PDFDATA,
        parse: pdfdata,
      })
    },

    async downloadZip(contractnum, options) {
      need('downloadZip', 'contractnum', contractnum)
      return await request({
        method: 'GET',
        path: 'contract/zipfile',
        payload: { contractnum },
        ...limits(options),
        hexFields: PDFDATA,
        parse: pdfdata,
      })
    },

    async deleteContract(contractnum, options) {
      need('deleteContract', 'contractnum', contractnum)
      return await request({
        method: 'DELETE',
        path: 'contract/list',
        payload: { contractnum },
        ...limits(options),
      })
    },

    async manualSigningUrl({ contractnum, signerInfo, callUrl, backUrl, ...options }) {
      need('manualSigningUrl', 'contractnum', contractnum)
      need('manualSigningUrl', 'signerInfo.email', signerInfo?.email)
      return await request({
        method: 'POST',
        path: 'contract/signature/manual',
        payload: defined({ contractnum, signerInfo, callUrl, backUrl }),
        ...limits(options),
        parse: withString('url'),
      })
    },

    async signAutomatically({ contractnum, signerInfo, callUrl, endpoint = 'auto', ...options }) {
      need('signAutomatically', 'contractnum', contractnum)
      need('signAutomatically', 'signerInfo.email', signerInfo?.email)
      if (endpoint !== 'auto' && endpoint !== 'automatic') {
        throw new TypeError("signAutomatically: endpoint must be 'auto' or 'automatic'")
      }
      return await request({
        method: 'POST',
        path: `contract/signature/${endpoint}`,
        payload: defined({ contractnum, signerInfo, callUrl }),
        ...limits(options),
        parse: optionalRecord,
      })
    },

    async setCoordinates({ contractnum, signerinfo, ...options }) {
      need('setCoordinates', 'contractnum', contractnum)
      if (!Array.isArray(signerinfo) || signerinfo.length === 0) {
        throw new TypeError('setCoordinates: signerinfo must be a non-empty array')
      }
      signerinfo.forEach((signer, index) => {
        need('setCoordinates', `signerinfo[${index}].email`, signer?.email)
        checkSignset('setCoordinates', index, signer.signset)
      })
      return await request({
        method: 'POST',
        path: 'contract/coordinate',
        payload: { contractInfo: { contractnum, signerinfo } },
        ...limits(options),
        parse: optionalRecord,
      })
    },

    async sendAuthCode({ contractnum, signer, type = '1', ...options }) {
      need('sendAuthCode', 'contractnum', contractnum)
      need('sendAuthCode', 'signer.email', signer?.email)
      need('sendAuthCode', 'type', type)
      return await request({
        method: 'POST',
        path: 'contract/authcode',
        payload: { signer, contractnum, type },
        ...limits(options),
        // Each try sends the signer an SMS: never twice.
        idempotent: false,
        parse: optionalRecord,
      })
    },

    async verifySignedFile(file, options) {
      return await request({
        method: 'POST',
        path: 'contract/signature/verify',
        payload: {},
        file: { field: 'verifyFile', content: file, filename: options?.filename ?? 'document.pdf' },
        ...limits(options),
        // Verifying changes nothing on the platform: safe to send twice.
        idempotent: true,
      })
    },

    async addUsers(users, options) {
      if (!Array.isArray(users) || users.length === 0) {
        throw new TypeError('addUsers: users must be a non-empty array')
      }
      return await request({
        method: 'POST',
        path: 'account/addusers',
        payload: { users },
        ...limits(options),
      })
    },

    async queryUsers(q, options) {
      need('queryUsers', 'q.email', q?.email)
      return await request({
        method: 'POST',
        path: 'account/queryusers',
        payload: { q },
        ...limits(options),
        idempotent: true,
        parse: (value) => (value === undefined ? {} : record(value)),
      })
    },

    async accountInformation(options) {
      return await request({
        method: 'GET',
        path: 'account/infomation',
        ...limits(options),
        parse: (value) => (value === undefined ? {} : record(value)),
      })
    },
  }
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

/** Throws unless `signset` is an array of objects or the JSON text of one. */
function checkSignset(where: string, index: number, signset: unknown): void {
  let fields = signset
  if (typeof signset === 'string') {
    try {
      fields = JSON.parse(signset)
    } catch {
      fields = undefined
    }
  }
  if (!Array.isArray(fields) || !fields.every(isRecord)) {
    throw new TypeError(
      `${where}: signerinfo[${index}].signset must be an array of fields (objects) or the JSON text of one`,
    )
  }
}

// Both downloads answer the file as the hex of `pdfdata`: the requester decodes it from the answer's bytes,
// never as a string (a 24 MiB file is a 48 MiB string of hex).
const PDFDATA = ['pdfdata']

/** The bytes of an answer's `pdfdata`; a `pdfdata` that is not hex of whole bytes stays a string. */
function pdfdata(value: unknown): Uint8Array {
  const bytes = record(value).pdfdata
  if (!(bytes instanceof Uint8Array) || bytes.length === 0)
    throw new Error('pdfdata is not the hex of a file')
  return bytes
}

/** The per-call options the requester takes, out of a method's options. */
function limits(options: CallOptions | undefined): CallOptions {
  if (options === undefined) return {}
  const { signal, timeoutMs, maxBytes, deadlineMs } = options
  return { signal, timeoutMs, maxBytes, deadlineMs }
}

function optionalRecord(value: unknown): Answer<object> | undefined {
  return value === undefined ? undefined : record(value)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function need(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${where}: ${name} must be a non-empty string`)
}

function record(value: unknown, name = 'the answer'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${name} is not an object`)
  }
  return value as Record<string, unknown>
}

function withString<K extends string>(key: K): (value: unknown) => Answer<{ [P in K]: string }> {
  return (value) => {
    const answer = record(value)
    if (typeof answer[key] !== 'string' || answer[key] === '')
      throw new Error(`${key} is not a non-empty string`)
    return answer as Answer<{ [P in K]: string }>
  }
}

/** The object without its `undefined` fields, which JSON would drop anyway. */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
}
