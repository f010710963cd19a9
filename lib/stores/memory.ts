import { LRUCache } from 'lru-cache'
import type { ChallengeRecord, Clock, StepUpStore } from './store.js'

export interface MemoryStoreOptions {
  /** Most pending challenges kept; the least recently used goes first. Default 100,000. */
  maxChallenges?: number
  /** Most counters and marks (attempts, lockouts, cooldowns) kept. Default 100,000. */
  maxEntries?: number
  /** Time source, for tests. Default `Date`. */
  clock?: Clock
}

/**
 * Step-up state in this process only: right for one instance, wrong for several (use a shared store).
 * Challenges and counters live in two bounded caches, so a flood of challenges can never evict a
 * lockout. Values are cloned in and out, so it behaves like a remote store.
 */
export class MemoryStore implements StepUpStore {
  readonly #challenges: LRUCache<string, ChallengeRecord>
  readonly #entries: LRUCache<string, number>

  constructor (options: MemoryStoreOptions = {}) {
    const clock = options.clock ?? Date
    // ttlResolution 0: read the clock on every check, so a moved test clock takes effect at once.
    const common = { ttlResolution: 0, perf: { now: () => clock.now() } }
    this.#challenges = new LRUCache({ max: options.maxChallenges ?? 100_000, ...common })
    this.#entries = new LRUCache({ max: options.maxEntries ?? 100_000, ...common })
  }

  // lru-cache keeps an entry until its TTL is strictly exceeded; a TTL of N ms here means gone at N ms.
  #live<V extends {}> (cache: LRUCache<string, V>, key: string): V | undefined {
    return cache.getRemainingTTL(key) > 0 ? cache.get(key) : undefined
  }

  async createChallenge (id: string, challenge: ChallengeRecord, ttlMs: number): Promise<void> {
    this.#challenges.set(id, structuredClone(challenge), { ttl: ttlMs })
  }

  async getChallenge (id: string): Promise<ChallengeRecord | undefined> {
    const found = this.#live(this.#challenges, id)
    return found && structuredClone(found)
  }

  async countAttempt (id: string): Promise<ChallengeRecord | undefined> {
    const found = this.#live(this.#challenges, id)
    if (!found) return undefined
    found.attempts++
    return structuredClone(found)
  }

  async consumeChallenge (id: string): Promise<boolean> {
    const found = this.#live(this.#challenges, id)
    if (!found || found.consumed) return false
    found.consumed = true
    return true
  }

  async deleteChallenge (id: string): Promise<void> {
    this.#challenges.delete(id)
  }

  async increment (key: string, windowMs: number): Promise<number> {
    const count = (this.#live(this.#entries, key) ?? 0) + 1
    // noUpdateTTL keeps the window where the first increment started it.
    this.#entries.set(key, count, count === 1 ? { ttl: windowMs } : { noUpdateTTL: true })
    return count
  }

  async markOnce (key: string, ttlMs: number): Promise<boolean> {
    if (this.#live(this.#entries, key) !== undefined) return false
    this.#entries.set(key, 1, { ttl: ttlMs })
    return true
  }

  async advance (key: string, value: number, ttlMs: number): Promise<boolean> {
    const stored = this.#live(this.#entries, key)
    if (stored !== undefined && stored >= value) return false
    this.#entries.set(key, value, { ttl: ttlMs })
    return true
  }

  async ttl (key: string): Promise<number> {
    return Math.max(0, Math.ceil(this.#entries.getRemainingTTL(key)))
  }

  async delete (key: string): Promise<void> {
    this.#entries.delete(key)
  }
}
