// Typos are errors: an options object may hold only the keys it documents. A misspelled security
// setting (`maxage`, `singleuse`) would otherwise be ignored and its default used in silence.
import { FST_STEP_UP_OPTION_INVALID } from './errors.js'

/** The keys of an options type, listed once: the compiler refuses a list that misses or adds one. */
export function keysOf<T> (keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys)
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function distance (a: string, b: string): number {
  // d[i][j]: the distance between the first i characters of a and the first j of b.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : i))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = Number(a[i - 1] !== b[j - 1])
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

/** The valid key a typo most likely meant: the same but for case, else the nearest few edits away. */
export function closestKey (key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  // Up to one edit in three, and at least one: a short key must be close to be a typo.
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1
  for (const candidate of allowed) {
    const d = distance(lower, candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

/**
 * Throws FST_STEP_UP_OPTION_INVALID for the first own key of `object` that `allowed` does not list,
 * naming it by its dotted path under `name` ('' at the top) and the key it most likely meant.
 * A value that is not an object (undefined, false, a string) is left alone: the caller checks its type.
 */
export function checkKeys (name: string, object: unknown, allowed: readonly string[]): void {
  if (typeof object !== 'object' || object === null) return
  const unknown = Object.keys(object).find((key) => !allowed.includes(key))
  if (unknown === undefined) return
  const path = (key: string): string => name === '' ? key : `${name}.${key}`
  const closest = closestKey(unknown, allowed)
  throw new FST_STEP_UP_OPTION_INVALID(path(unknown.slice(0, 64)), closest === undefined
    ? `is unknown; expected one of ${allowed.map((key) => JSON.stringify(key)).join(', ')}`
    : `is unknown; did you mean "${path(closest)}"?`)
}
