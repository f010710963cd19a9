// Factors in memory, for development, tests and the examples: the factor storage contract kept by
// one process. Each call is atomic because it finishes without awaiting anything. Everything is gone
// when the process ends, and secrets sit in memory in the clear: a real app keeps factors in its
// database (see docs/factors.md for a SQL table), with the authenticator secrets encrypted.
import type { StepUpUser } from '../types.js'
import type { FactorStorage, NewFactor, StoredFactor } from './types.js'

type Kept = (Exclude<NewFactor, { kind: 'backup-codes' }> | (Omit<Extract<NewFactor, { kind: 'backup-codes' }>, 'hashes'> & { hashes: Set<string> })) & { lastUsedAt: Date | null }

export class MemoryFactorStorage implements FactorStorage {
  /** By user id, then factor id, in the order they were saved. */
  readonly #users = new Map<string, Map<string, Kept>>()
  /** Which user each passkey credential id is registered to: one user per credential. */
  readonly #credentials = new Map<string, string>()

  #of (user: StepUpUser): Map<string, Kept> {
    let factors = this.#users.get(user.id)
    if (!factors) {
      factors = new Map()
      this.#users.set(user.id, factors)
    }
    return factors
  }

  list (user: StepUpUser): StoredFactor[] {
    // Copies: a caller that changes what it got changes nothing here.
    return [...this.#users.get(user.id)?.values() ?? []].map((kept): StoredFactor => {
      const { id, label, createdAt, lastUsedAt } = kept
      const common = { id, label, createdAt: new Date(createdAt), lastUsedAt: lastUsedAt && new Date(lastUsedAt) }
      if (kept.kind === 'totp') return { ...common, kind: 'totp', secret: kept.secret }
      if (kept.kind === 'pin') return { ...common, kind: 'pin', hash: kept.hash }
      if (kept.kind === 'backup-codes') return { ...common, kind: 'backup-codes', remaining: kept.hashes.size }
      return { ...common, kind: 'passkey', credential: { ...kept.credential, transports: [...kept.credential.transports] } }
    })
  }

  save (user: StepUpUser, factor: NewFactor, replaces: readonly string[]): boolean {
    if (factor.kind === 'passkey' && this.#credentials.has(factor.credential.id)) return false
    for (const id of replaces) this.remove(user, id)
    const kept: Kept = factor.kind === 'backup-codes'
      ? { ...factor, hashes: new Set(factor.hashes), lastUsedAt: null }
      : { ...structuredClone(factor), lastUsedAt: null }
    if (kept.kind === 'passkey') this.#credentials.set(kept.credential.id, user.id)
    this.#of(user).set(factor.id, kept)
    return true
  }

  remove (user: StepUpUser, id: string): boolean {
    const factors = this.#users.get(user.id)
    const kept = factors?.get(id)
    if (!kept) return false
    factors!.delete(id)
    if (kept.kind === 'passkey') this.#credentials.delete(kept.credential.id)
    return true
  }

  markUsed (user: StepUpUser, id: string, use: { at: Date, counter?: number }): boolean {
    const kept = this.#users.get(user.id)?.get(id)
    if (!kept) return false
    if (use.counter !== undefined) {
      // A conditional update, as a database does it: the counter only ever goes up.
      if (kept.kind !== 'passkey' || kept.credential.counter >= use.counter) return false
      kept.credential.counter = use.counter
    }
    kept.lastUsedAt = new Date(use.at)
    return true
  }

  useBackupCode (user: StepUpUser, factorId: string, hash: string): boolean {
    const kept = this.#users.get(user.id)?.get(factorId)
    return kept?.kind === 'backup-codes' && kept.hashes.delete(hash)
  }
}
