/** What the signing flow's calls take, and the checks made before anything is sent. */
import { type Answer, isRecord } from './flow-answers.js'

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

/** What `PlatformClient.uploadDocument` sends. */
export interface UploadInput extends CallOptions {
  /** The document's bytes. */
  file: Uint8Array
  /** Its extension, e.g. `'pdf'` or `'docx'`. */
  type: string
  contractInfo: ContractInfo
  /** Name of the file part; the platform goes by `type` and the hash. */
  filename?: string | undefined
}

/** Filters of `PlatformClient.listContracts`. */
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

/** What `PlatformClient.manualSigningUrl` sends. */
export interface ManualSigningInput extends CallOptions {
  contractnum: string
  signerInfo: Answer<{ email: string; name?: string }>
  /** Where the platform POSTs (when, the vendor does not say); read it with `openCallback`. */
  callUrl?: string | undefined
  /** Where the signer's browser goes after signing (https only, as a third-party integration found). */
  backUrl?: string | undefined
}

/** What `PlatformClient.signAutomatically` sends. */
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

/** What `PlatformClient.setCoordinates` sends. */
export interface CoordinatesInput extends CallOptions {
  contractnum: string
  /** Each signer, by e-mail, with the fields placed for them. */
  signerinfo: Answer<{ email: string; signset: SignSet }>[]
}

/** What `PlatformClient.sendAuthCode` sends. */
export interface AuthCodeInput extends CallOptions {
  contractnum: string
  /** Who gets the code; `phonesn` as registered (the vendor's Java sample and docs send it). */
  signer: Answer<{ email: string; phonesn?: string }>
  /** Sent as given. Default `'1'`, the only value any source sends (its meaning is not documented). */
  type?: string | undefined
}

/** A user of the account, for `PlatformClient.addUsers`. */
export type PlatformUser = Answer<{ email: string; phonesn?: string; name?: string; roletype?: string }>

/** Throws unless `signset` is an array of objects or the JSON text of one. */
export function checkSignset(where: string, index: number, signset: unknown): void {
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

/** The per-call options the requester takes, out of a method's options. */
export function limits(options: CallOptions | undefined): CallOptions {
  if (options === undefined) return {}
  const { signal, timeoutMs, maxBytes, deadlineMs } = options
  return { signal, timeoutMs, maxBytes, deadlineMs }
}

/** Throws a `TypeError` naming `where` and `name` unless `value` is a non-empty string. */
export function need(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${where}: ${name} must be a non-empty string`)
}

/** The object without its `undefined` fields, which JSON would drop anyway. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
}
