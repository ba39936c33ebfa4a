/**
 * The callback the fake platform POSTs to a `callUrl`. The vendor says only that "parameters that contain the
 * document information will be embedded in the POST body" (PROTOCOL.md §7): encoding and fields are unknown.
 * The fake's choice: one field, `contractnum`, in the encoding the test picks (a urlencoded form by default),
 * no `data`/`mac`, no retry.
 */

/** How the fake platform encodes its callbacks. */
export type CallbackFormat = 'form' | 'json' | 'multipart'

/** One callback the fake platform sent. */
export interface SentCallback {
  contractnum: string
  /** What happened: a signer signed or refused, or the document was cancelled. */
  event: 'signed' | 'refused' | 'cancelled'
  url: string
  contentType: string
  /** The body as sent. */
  body: string
  /** The status the receiver answered with; absent when it did not answer. */
  status?: number
  /** Why no answer came (connection refused, timeout). */
  error?: string
  at: number
}

const BOUNDARY = 'esign-errors-fake-platform'

function encode(format: CallbackFormat, contractnum: string): { contentType: string; body: string } {
  switch (format) {
    case 'json':
      return { contentType: 'application/json', body: JSON.stringify({ contractnum }) }
    case 'multipart':
      return {
        contentType: `multipart/form-data; boundary=${BOUNDARY}`,
        body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="contractnum"\r\n\r\n${contractnum}\r\n--${BOUNDARY}--\r\n`,
      }
    default:
      return {
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ contractnum }).toString(),
      }
  }
}

/** Sends callbacks and keeps track of those still on their way. */
export class CallbackSender {
  readonly sent: SentCallback[] = []
  readonly #pending = new Set<Promise<void>>()
  readonly #format: CallbackFormat
  readonly #timeoutMs: number

  constructor(format: CallbackFormat, timeoutMs: number) {
    this.#format = format
    this.#timeoutMs = timeoutMs
  }

  /** POSTs the callback; the returned record is filled in when the receiver answers (or fails to). */
  send(url: string, contractnum: string, event: SentCallback['event']): Promise<SentCallback> {
    const { contentType, body } = encode(this.#format, contractnum)
    const record: SentCallback = { contractnum, event, url, contentType, body, at: Date.now() }
    this.sent.push(record)
    const delivery = fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#timeoutMs),
    }).then(
      async (response) => {
        record.status = response.status
        await response.arrayBuffer().catch(() => undefined)
      },
      (error: unknown) => {
        const cause = (error as { cause?: { code?: unknown } }).cause?.code
        record.error = typeof cause === 'string' ? cause : error instanceof Error ? error.name : String(error)
      },
    )
    this.#pending.add(delivery)
    return delivery.then(() => {
      this.#pending.delete(delivery)
      return record
    })
  }

  /** Resolves when every callback sent so far has been answered or has failed. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
  }
}
