/**
 * Request headers for the hostile-header rounds: what a real client sends, and the costliest `Accept` and
 * `Accept-Language` the error handler will still negotiate on (1 KB at most, as many ranges as fit).
 */

/** Fills `prefix,part(0),part(1),…` up to `max` characters. */
function filled(prefix: string, part: (i: number) => string, max: number): string {
  let value = prefix
  for (let i = 0; ; i++) {
    const next = `${value},${part(i)}`
    if (next.length > max) return value
    value = next
  }
}

/** Header sets, by name: each is sent on every request of its rounds. */
export const HEADER_SETS = {
  ordinary: {
    accept: 'application/problem+json, application/json;q=0.9',
    'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8',
  },
  // Both just under the 1 KB bound, made of short ranges with a q each: the most work negotiator can be given.
  'worst Accept': {
    accept: filled('application/problem+json', (i) => `x/y${i};q=0.${(i % 9) + 1}`, 1024),
    'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8',
  },
  'worst Accept-Language': {
    accept: 'application/problem+json, application/json;q=0.9',
    'accept-language': filled('fr', (i) => `x-${i};q=0.${(i % 9) + 1}`, 1024),
  },
} as const satisfies Record<string, Record<string, string>>

/** A header set's name. */
export type HeaderSet = keyof typeof HEADER_SETS
