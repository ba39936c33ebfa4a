import axios, { type AxiosInstance, type AxiosResponse } from 'axios'
import { readError, unwrap } from 'esign-errors/client'
import type { DocumentInfo } from './fetch.js'

export function createApi(baseURL: string): AxiosInstance {
  // axios reads a whole body before anything sees it: its own bounds, where readError's cannot reach.
  const api = axios.create({ baseURL, timeout: 10_000, maxContentLength: 1024 * 1024 })
  api.interceptors.response.use(undefined, async (error: unknown) => {
    const answer = axios.isAxiosError(error) ? error.response : undefined
    // No answer at all (a network failure, a timeout, a cancel, a body over the limit), or a status no
    // Response can carry: axios's own error.
    if (answer === undefined || answer.status > 599) throw error
    throw (await readError(asResponse(answer))) ?? error
  })
  return api
}

// axios has parsed JSON already, or kept the text; the client reads an answer as a Response.
function asResponse(answer: AxiosResponse): Response {
  const body = typeof answer.data === 'string' ? answer.data : JSON.stringify(answer.data)
  return new Response(body || null, {
    status: answer.status,
    headers: answer.headers as Record<string, string>,
  })
}

// unwrap, as for fetch: a 2xx whose envelope holds an error code throws it too.
export async function getDocument(api: AxiosInstance, id: string): Promise<DocumentInfo> {
  return unwrap<DocumentInfo>(asResponse(await api.get(`/documents/${id}`)))
}
