// The same call written by hand with node:crypto and the global fetch, as PROTOCOL.md §2-§4 describe it: the
// token fetched once and cached, `data` (AES-256-ECB under SHA-256 of the secret, hex) and `mac`
// (SHA-256 of data + secret, hex) in the query, and the answer checked as the client checks it: HTTP 2xx, a
// result of 0, the mac verified in constant time, data decrypted, UTF-8, JSON, a contractList array.
// `guarded`: what any client that may not hang must add, done the cheapest way: a timeout of 10 s for each
// exchange (a controller and a timer) and redirects not followed. Same requests, same bytes.
// `nodeHttp`: the guarded client over node:http and its global agent instead of fetch (a timer that destroys the
// request; node:http follows no redirect), as our client calls on Node, with the headers fetch sends (the fake
// answers uncompressed, so nothing is decoded).
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { request } from 'node:http'
import { PAYLOAD } from './call.mjs'

const HEADERS = { accept: 'application/json' }
const FETCH_HEADERS = {
  ...HEADERS,
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
}

/** A function that makes one call and resolves with its decrypted answer; the token is fetched on first use. */
export function clientOf({ baseUrl, apiKey, apiSecret }, { guarded = false, nodeHttp = false } = {}) {
  const key = createHash('sha256').update(apiSecret, 'utf8').digest()
  let token

  async function get(url) {
    if (nodeHttp) return open(await httpGet(url))
    if (!guarded) return open(await fetch(url, { headers: HEADERS }))
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 10_000)
    try {
      const init = { method: 'GET', headers: HEADERS, signal: controller.signal, redirect: 'manual' }
      return await open(await fetch(url, init))
    } finally {
      clearTimeout(timer)
    }
  }

  async function open(response) {
    if (!response.ok) throw new Error(`platform answered HTTP ${response.status}`)
    const body = nodeHttp ? JSON.parse(response.text) : await response.json()
    if (body.result !== 0) throw new Error(`platform answered result ${body.result}`)
    const { data, mac } = body
    if (typeof data !== 'string' || data === '') return undefined
    const expected = createHash('sha256')
      .update(data + apiSecret, 'utf8')
      .digest()
    if (
      typeof mac !== 'string' ||
      !/^[0-9a-fA-F]{64}$/.test(mac) ||
      !timingSafeEqual(expected, Buffer.from(mac, 'hex'))
    ) {
      throw new Error('mac does not verify')
    }
    const decipher = createDecipheriv('aes-256-ecb', key, null)
    const plain = Buffer.concat([decipher.update(Buffer.from(data, 'hex')), decipher.final()])
    return JSON.parse(plain.toString('utf8'))
  }

  async function fetchToken() {
    const answer = await get(`${baseUrl}accesstoken?client_id=${encodeURIComponent(apiKey)}`)
    if (typeof answer?.at !== 'string' || answer.at === '') throw new Error('no token')
    return answer.at
  }

  return async () => {
    token ??= fetchToken()
    const at = await token
    const cipher = createCipheriv('aes-256-ecb', key, null)
    const data = cipher.update(JSON.stringify(PAYLOAD), 'utf8', 'hex') + cipher.final('hex')
    const mac = createHash('sha256')
      .update(data + apiSecret, 'utf8')
      .digest('hex')
    const page = await get(
      `${baseUrl}contract/list?accesstoken=${encodeURIComponent(at)}&data=${data}&mac=${mac}`,
    )
    if (!Array.isArray(page?.contractList)) throw new Error('contractList is not an array')
    return page
  }
}

/** A GET over node:http: the status and the body as UTF-8 text, within 10 s. */
function httpGet(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: FETCH_HEADERS }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => {
        const status = res.statusCode
        resolve({ status, ok: status >= 200 && status <= 299, text: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', reject)
    })
    const timer = setTimeout(() => req.destroy(new Error('timeout')), 10_000)
    req.on('close', () => clearTimeout(timer))
    req.on('error', reject)
    req.end()
  })
}
