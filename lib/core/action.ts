// Binding a step-up to what it approves ("what you see is what you sign"): the key fields of the
// action are hashed in a canonical form, so the same data always gives the same hash, and any
// change gives another.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { StepUpAction } from '../types.js'

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

// A passkey step-up for an action signs a challenge that names it (PSD2 dynamic linking; the
// FusionAuth#3551 design): 16 random bytes, then SHA-256 over a domain tag, the action's name and
// the hash of its key fields. The second part is what the token's `action` claim holds, so anyone
// with the claim can recompute it; the first keeps every challenge single use.
const TRANSACTION_DOMAIN = 'fastify-step-up transaction'
const NONCE_BYTES = 16
const DIGEST_BYTES = 32

/** SHA-256("fastify-step-up transaction" NUL name NUL hash): the digest part of a passkey challenge for `action`. */
export function transactionDigest (action: StepUpAction): Buffer {
  // Names never hold NUL (NAME_PATTERN) and hashes are base64url: the separators cannot be forged.
  return createHash('sha256').update(`${TRANSACTION_DOMAIN}\0${action.name}\0${action.hash ?? ''}`).digest()
}

/** A passkey challenge (base64url) for an action: `nonce` (16 random bytes) then the action's digest. */
export function transactionChallenge (nonce: Buffer, action: StepUpAction): string {
  return Buffer.concat([nonce.subarray(0, NONCE_BYTES), transactionDigest(action)]).toString('base64url')
}

/**
 * True when a signed challenge's digest part names `action` (or, for a step-up without an action,
 * when it has no digest part: 32 random bytes, as `randomChallenge` makes them).
 */
export function challengeNamesAction (challenge: string, action: StepUpAction | undefined): boolean {
  const bytes = Buffer.from(challenge, 'base64url')
  if (action === undefined) return bytes.length === DIGEST_BYTES
  return bytes.length === NONCE_BYTES + DIGEST_BYTES && timingSafeEqual(bytes.subarray(NONCE_BYTES), transactionDigest(action))
}
