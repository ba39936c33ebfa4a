import type { PlatformRequester } from './client.js'

/** Options every signing-flow method takes. */
export interface CallOptions {
  /** Cancels the call, its waits and its retries. */
  signal?: AbortSignal | undefined
}

/** A signer, as the platform's `signerinfo` / `signerInfo` objects carry one; other fields pass through. */
export interface SignerInfo {
  email: string
  name?: string
  /** 0 default, 1 SMS. */
  authtype?: number | string
  caprovide?: number | string
  phonesn?: string
  idcardnum?: string
  /** Coordinates as a JSON string of `[{ pageindex, top, left, fieldtype }]`. */
  signset?: string
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
  /** 0 no detail, 1 list, 2 list with signers. Default 1. */
  rDetail?: 0 | 1 | 2 | undefined
  /** 1 in progress, 4 completed, 6 refused, 7 cancelled, ...; sent only when given. */
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
}

/** A user of the account, for {@link PlatformClient.addUsers}. */
export type PlatformUser = Answer<{ email: string; phonesn?: string; name?: string; roletype?: string }>

/** The signing flow, typed, on top of {@link PlatformRequester.request}. */
export interface PlatformClient extends PlatformRequester {
  /** Uploads a document for signing (`POST contract/file`, multipart, `uploadFileHash` computed). */
  uploadDocument(input: UploadInput): Promise<UploadResult>
  /** Lists documents (`GET contract/list`). */
  listContracts(query?: ContractListQuery): Promise<ContractList>
  /** One document's details (`GET contract/details`): confirm a callback with it before acting. */
  contractDetails(contractnum: string, options?: CallOptions): Promise<ContractDetails>
  /** A document's bytes (`GET contract/file`), with the certificate of completion when asked (a zip). */
  downloadContract(
    contractnum: string,
    options?: CallOptions & { certificate?: boolean | undefined },
  ): Promise<Uint8Array>
  /** Deletes a document (`DELETE contract/list`); not retried, as a repeated delete would fail. */
  deleteContract(contractnum: string, options?: CallOptions): Promise<unknown>
  /** The signing page for one signer (`POST contract/signature/manual`). */
  manualSigningUrl(input: ManualSigningInput): Promise<Answer<{ url: string }>>
  /** Signs for a signer whose key is held by the platform (`POST contract/signature/automatic`). */
  signAutomatically(input: AutomaticSigningInput): Promise<Answer<object> | undefined>
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
  return {
    request,

    async uploadDocument({ file, type, contractInfo, filename, signal }) {
      need('uploadDocument', 'type', type)
      if (
        typeof contractInfo !== 'object' ||
        contractInfo === null ||
        !Array.isArray(contractInfo.signerinfo)
      ) {
        throw new TypeError('uploadDocument: contractInfo needs a signerinfo array')
      }
      const info = { contractnum: '', signernum: contractInfo.signerinfo.length, ...contractInfo }
      return await request({
        method: 'POST',
        path: 'contract/file',
        payload: { type, contractInfo: info },
        file: { field: 'uploadFile', content: file, filename: filename ?? `document.${type}` },
        signal,
        parse: withString('contractnum'),
      })
    },

    async listContracts(query = {}) {
      const { signal, startIndex = 0, pageSize = 50, rDetail = 1, date = '', contractState } = query
      const payload: Record<string, unknown> = { startIndex, pageSize, rDetail, date }
      if (contractState !== undefined) payload.contractState = contractState
      return await request({
        method: 'GET',
        path: 'contract/list',
        payload,
        signal,
        parse: (value) => {
          const answer = record(value)
          const list = answer.contractList ?? []
          if (!Array.isArray(list)) throw new Error('contractList is not an array')
          return { ...answer, contractList: list } as ContractList
        },
      })
    },

    async contractDetails(contractnum, options) {
      need('contractDetails', 'contractnum', contractnum)
      return await request({
        method: 'GET',
        path: 'contract/details',
        payload: { contractnum },
        signal: options?.signal,
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
        signal: options?.signal,
        parse: (value) => {
          const hex = record(value).pdfdata
          const bytes = typeof hex === 'string' ? Buffer.from(hex, 'hex') : undefined
          if (bytes === undefined || bytes.length === 0 || bytes.length * 2 !== (hex as string).length) {
            throw new Error('pdfdata is not the hex of a file')
          }
          return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
        },
      })
    },

    async deleteContract(contractnum, options) {
      need('deleteContract', 'contractnum', contractnum)
      return await request({
        method: 'DELETE',
        path: 'contract/list',
        payload: { contractnum },
        signal: options?.signal,
      })
    },

    async manualSigningUrl({ contractnum, signerInfo, callUrl, backUrl, signal }) {
      need('manualSigningUrl', 'contractnum', contractnum)
      need('manualSigningUrl', 'signerInfo.email', signerInfo?.email)
      return await request({
        method: 'POST',
        path: 'contract/signature/manual',
        payload: defined({ contractnum, signerInfo, callUrl, backUrl }),
        signal,
        parse: withString('url'),
      })
    },

    async signAutomatically({ contractnum, signerInfo, callUrl, signal }) {
      need('signAutomatically', 'contractnum', contractnum)
      need('signAutomatically', 'signerInfo.email', signerInfo?.email)
      return await request({
        method: 'POST',
        path: 'contract/signature/automatic',
        payload: defined({ contractnum, signerInfo, callUrl }),
        signal,
        parse: (value) => (value === undefined ? undefined : record(value)),
      })
    },

    async verifySignedFile(file, options) {
      return await request({
        method: 'POST',
        path: 'contract/signature/verify',
        payload: {},
        file: { field: 'verifyFile', content: file, filename: options?.filename ?? 'document.pdf' },
        signal: options?.signal,
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
        signal: options?.signal,
      })
    },

    async queryUsers(q, options) {
      need('queryUsers', 'q.email', q?.email)
      return await request({
        method: 'POST',
        path: 'account/queryusers',
        payload: { q },
        signal: options?.signal,
        idempotent: true,
        parse: (value) => (value === undefined ? {} : record(value)),
      })
    },

    async accountInformation(options) {
      return await request({
        method: 'GET',
        path: 'account/infomation',
        signal: options?.signal,
        parse: (value) => (value === undefined ? {} : record(value)),
      })
    },
  }
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
