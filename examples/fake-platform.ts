/**
 * The fake e-signature platform of `esign-errors/testing`, run on its own: `npx tsx examples/fake-platform.ts`
 * (port PLATFORM_PORT, default 3002). It prints its base URL and the demo key; the secret is below.
 *
 * `startPlatform()` starts it with the demo credentials, for the examples and the older tests.
 */
import { pathToFileURL } from 'node:url'
import {
  type FakePlatformOptions,
  startFakePlatform,
  type FakePlatform as TestingPlatform,
} from 'esign-errors/testing'

export type { Fault, Injection, ReceivedCall as Received } from 'esign-errors/testing'

/** The integration the demo knows. */
export const DEMO_API_KEY = 'DEMO0000000000000KEY'
/** Its secret: in real life 40 hex characters from the platform's console, kept out of the code. */
export const DEMO_API_SECRET = 'DEMO000000000000000000000000000000SECRET'

/** The fake platform, with `url` as another name of `baseUrl`. */
export type FakePlatform = TestingPlatform & { url: string }

/** Starts the fake platform with the demo credentials unless told otherwise. */
export async function startPlatform(options: FakePlatformOptions = {}): Promise<FakePlatform> {
  const fake = await startFakePlatform({ apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET, ...options })
  return Object.assign(fake, { url: fake.baseUrl })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const platform = await startPlatform({ port: Number(process.env.PLATFORM_PORT ?? 3002) })
  console.log(`fake platform on ${platform.baseUrl}`)
  console.log(`  api key ${DEMO_API_KEY}; secret in examples/fake-platform.ts`)
  console.log(`  curl -s '${platform.baseUrl}accesstoken?client_id=${DEMO_API_KEY}'`)
}
