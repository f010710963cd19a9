// Reading the app's factor storage. What `list` returns decides who may step up and what a change
// needs, so a malformed entry is the app's bug and stops the request (fail closed), rather than
// being skipped: a skipped passkey would make a weaker factor look like the strongest.
import type { StepUpUser } from '../types.js'
import type { FactorKind, FactorStorage, StoredFactor } from './types.js'

const KINDS: ReadonlySet<string> = new Set<FactorKind>(['totp', 'passkey', 'backup-codes', 'pin'])

const isTime = (value: unknown): boolean =>
  (value instanceof Date && Number.isFinite(value.getTime())) || (typeof value === 'number' && Number.isFinite(value))

/** True when an entry has what its kind's checks and the factor list need. */
function wellFormed (entry: unknown): entry is StoredFactor {
  if (typeof entry !== 'object' || entry === null) return false
  const factor = entry as Record<string, unknown>
  if (typeof factor.kind !== 'string' || !KINDS.has(factor.kind) || typeof factor.id !== 'string' || factor.id === '') return false
  if (typeof factor.label !== 'string' || !isTime(factor.createdAt)) return false
  if (factor.lastUsedAt !== undefined && factor.lastUsedAt !== null && !isTime(factor.lastUsedAt)) return false
  switch (factor.kind as FactorKind) {
    case 'totp': return typeof factor.secret === 'string'
    case 'pin': return typeof factor.hash === 'string'
    case 'backup-codes': return Number.isInteger(factor.remaining) && (factor.remaining as number) >= 0
    case 'passkey': {
      const credential = factor.credential as Record<string, unknown> | null | undefined
      return typeof credential === 'object' && credential !== null && typeof credential.id === 'string' &&
        (typeof credential.publicKey === 'string' || credential.publicKey instanceof Uint8Array) &&
        typeof credential.counter === 'number'
    }
  }
}

/** The user's factors, as the storage lists them; throws when it returns something that is not a list of factors. */
export async function listFactors (storage: FactorStorage, user: StepUpUser): Promise<StoredFactor[]> {
  const listed: unknown = await storage.list(user)
  if (!Array.isArray(listed)) throw new TypeError('factors.storage.list must return an array of factors')
  // The index only: an entry could hold a secret, and this message may reach a log.
  const bad = listed.findIndex((entry) => !wellFormed(entry))
  if (bad >= 0) throw new TypeError(`factors.storage.list returned a malformed factor at index ${bad}`)
  return listed as StoredFactor[]
}

/** The factors of one kind. */
export function ofKind<K extends FactorKind> (factors: readonly StoredFactor[], kind: K): Array<Extract<StoredFactor, { kind: K }>> {
  return factors.filter((factor): factor is Extract<StoredFactor, { kind: K }> => factor.kind === kind)
}
