// Binding a step-up to what it approves ("what you see is what you sign"): the key fields of the
// action are hashed in a canonical form, so the same data always gives the same hash, and any
// change gives another.
import { createHash } from 'node:crypto'

/** JSON with object keys sorted at every depth; `undefined` members are left out, as JSON does. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    // Keys of one object are distinct, so the comparison never has to answer "equal".
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/** base64url SHA-256 of the canonical JSON of the key fields. */
export function actionHash (data: unknown): string {
  return createHash('sha256').update(canonicalJson(data)).digest('base64url')
}
