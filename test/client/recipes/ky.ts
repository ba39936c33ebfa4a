import { readError, retry, unwrap } from 'esign-errors/client'
import ky, { type KyInstance } from 'ky'
import type { DocumentInfo } from './fetch.js'

export function createApi(prefixUrl: string): KyInstance {
  return ky.create({
    prefixUrl,
    retry: 0, // retry() decides, on the code's own `retryable` and on Retry-After
    hooks: {
      // Thrown, not returned: ky's types ask for an HTTPError back.
      beforeError: [
        async (error) => {
          throw (await readError(error.response)) ?? error
        },
      ],
    },
  })
}

export function getDocument(api: KyInstance, id: string): Promise<DocumentInfo> {
  return retry(() => api.get(`documents/${id}`).then(unwrap<DocumentInfo>))
}
