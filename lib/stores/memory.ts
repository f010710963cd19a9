import { LRUCache } from 'lru-cache'
import { checkKeys, keysOf } from '../option-keys.js'
import { beginGuessSteps, endGuessSteps, runNow, startSendSteps, type Step } from './composite.js'
import {
  StoreFullError,
  type ChallengeRecord,
  type Clock,
  type GuessEnd,
  type GuessEnded,
  type GuessStart,
  type GuessStarted,
  type LogResult,
  type SendStart,
  type SendStarted,
  type StepUpStore
} from './store.js'

export interface MemoryStoreOptions {
  /** Most pending challenges kept; the least recently used goes first. Default 100,000. */
  maxChallenges?: number
  /**
   * Most pieces of security state kept (marks, counters, and each entry of a log: failures, sends,
   * locks, cooldowns, spent tokens). Never evicted: when full, new state is refused (503). Default 100,000.
   */
  maxEntries?: number
  /** Time source, for tests. Default `Date`. */
  clock?: Clock
}

/**
 * A challenge's own copy, so a caller that changes what it gave or got changes nothing stored, as
 * with a remote store. Its fields by hand: a record is flat but for `action`, and structuredClone
 * cost 2 µs a copy, three copies per challenge cycle.
 */
function copyChallenge ({ action, ...fields }: ChallengeRecord): ChallengeRecord {
  return action ? { ...fields, action: { ...action } } : fields
}

interface Mark {
  value: number
  expiresAt: number
}

/**
 * Step-up state in this process only: right for one instance, wrong for several (use a shared store).
 *
 * Challenges live in a bounded LRU cache: losing one is safe (its code then answers "not found").
 * Security state (locks, failure logs, send logs, cooldowns, authenticator steps, spent tokens) lives
 * apart, in plain maps, and is never evicted to make room: one account's traffic must not make the
 * store forget another's lock or a spent token. When `maxEntries` is reached and nothing has expired,
 * a write is refused with StoreFullError. Values are cloned in and out, so it behaves like a remote store.
 * Its composite operations are the primitives' sequences run without a pause, so each is atomic.
 */
export class MemoryStore implements StepUpStore {
  readonly #challenges: LRUCache<string, ChallengeRecord>
  readonly #marks = new Map<string, Mark>()
  readonly #logs = new Map<string, Map<string, number>>()
  readonly #clock: Clock
  readonly #maxEntries: number
  /** Marks plus log entries, live or not yet swept. */
  #size = 0
  /** No entry expires before this (a sweep before then frees nothing). */
  #nextExpiry = Infinity

  constructor (options: MemoryStoreOptions = {}) {
    checkKeys('MemoryStore', options, keysOf<MemoryStoreOptions>({ maxChallenges: true, maxEntries: true, clock: true }))
    const clock = options.clock ?? Date
    this.#clock = clock
    this.#maxEntries = options.maxEntries ?? 100_000
    // ttlResolution 0: read the clock on every check, so a moved test clock takes effect at once.
    this.#challenges = new LRUCache({ max: options.maxChallenges ?? 100_000, ttlResolution: 0, perf: { now: () => clock.now() } })
  }

  // lru-cache keeps an entry until its TTL is strictly exceeded; a TTL of N ms here means gone at N ms.
  #challenge (id: string): ChallengeRecord | undefined {
    return this.#challenges.getRemainingTTL(id) > 0 ? this.#challenges.get(id) : undefined
  }

  async createChallenge (id: string, challenge: ChallengeRecord, ttlMs: number): Promise<void> {
    this.#now.createChallenge(id, challenge, ttlMs)
  }

  async getChallenge (id: string): Promise<ChallengeRecord | undefined> {
    return this.#now.getChallenge(id)
  }

  async countAttempt (id: string): Promise<ChallengeRecord | undefined> {
    return this.#now.countAttempt(id)
  }

  async consumeChallenge (id: string): Promise<boolean> {
    return this.#now.consumeChallenge(id)
  }

  async deleteChallenge (id: string): Promise<void> {
    this.#now.deleteChallenge(id)
  }

  async markOnce (key: string, ttlMs: number): Promise<boolean> {
    return this.#now.markOnce(key, ttlMs)
  }

  async advance (key: string, value: number, ttlMs: number): Promise<boolean> {
    return this.#now.advance(key, value, ttlMs)
  }

  async ttl (key: string): Promise<number> {
    return this.#now.ttl(key)
  }

  async delete (key: string): Promise<void> {
    this.#now.delete(key)
  }

  async logAdd (key: string, entry: string, max: number, ttlMs: number): Promise<LogResult> {
    return this.#now.logAdd(key, entry, max, ttlMs)
  }

  async logRemove (key: string, entry: string): Promise<void> {
    this.#now.logRemove(key, entry)
  }

  // The composite operations run the primitives' sequence with no await between steps: atomic.
  async startSend (start: SendStart): Promise<SendStarted> {
    return runNow(startSendSteps(start), this.#step)
  }

  async beginGuess (start: GuessStart): Promise<GuessStarted> {
    return runNow(beginGuessSteps(start), this.#step)
  }

  async endGuess (end: GuessEnd): Promise<GuessEnded> {
    return runNow(endGuessSteps(end), this.#step)
  }

  readonly #step = (step: Step): unknown => (this.#now[step.op] as (...args: unknown[]) => unknown)(...step.args)

  /** Each primitive, answering at once. */
  readonly #now = {
    createChallenge: (id: string, challenge: ChallengeRecord, ttlMs: number): void => {
      this.#challenges.set(id, copyChallenge(challenge), { ttl: ttlMs })
    },

    getChallenge: (id: string): ChallengeRecord | undefined => {
      const found = this.#challenge(id)
      return found && copyChallenge(found)
    },

    countAttempt: (id: string): ChallengeRecord | undefined => {
      const found = this.#challenge(id)
      if (!found) return undefined
      found.attempts++
      return copyChallenge(found)
    },

    consumeChallenge: (id: string): boolean => {
      const found = this.#challenge(id)
      if (!found || found.consumed) return false
      found.consumed = true
      return true
    },

    deleteChallenge: (id: string): void => {
      this.#challenges.delete(id)
    },

    markOnce: (key: string, ttlMs: number): boolean => {
      if (this.#mark(key) !== undefined) return false
      this.#setMark(key, 1, ttlMs)
      return true
    },

    advance: (key: string, value: number, ttlMs: number): boolean => {
      const stored = this.#mark(key)
      if (stored !== undefined && stored.value >= value) return false
      this.#setMark(key, value, ttlMs)
      return true
    },

    ttl: (key: string): number => {
      const mark = this.#mark(key)
      return mark === undefined ? 0 : mark.expiresAt - this.#clock.now()
    },

    delete: (key: string): void => {
      if (this.#marks.delete(key)) this.#size--
    },

    logAdd: (key: string, entry: string, max: number, ttlMs: number): LogResult => {
      const now = this.#clock.now()
      const log = this.#logs.get(key) ?? new Map<string, number>()
      const oldest = this.#prune(log, now)
      if (log.size >= max) return { count: log.size, retryMs: oldest - now }
      if (!log.has(entry)) {
        if (log.size === 0) this.#logs.delete(key) // nothing half-made if there is no room
        this.#makeRoom(now)
        this.#size++
      }
      log.set(entry, now + ttlMs)
      this.#logs.set(key, log)
      this.#expiresAt(now + ttlMs)
      return { count: log.size, retryMs: 0 }
    },

    logRemove: (key: string, entry: string): void => {
      const log = this.#logs.get(key)
      if (!log?.delete(entry)) return
      this.#size--
      if (log.size === 0) this.#logs.delete(key)
    }
  }

  /** A live mark; an expired one is dropped on the way. */
  #mark (key: string): Mark | undefined {
    const mark = this.#marks.get(key)
    if (mark === undefined || mark.expiresAt > this.#clock.now()) return mark
    this.#marks.delete(key)
    this.#size--
    return undefined
  }

  #setMark (key: string, value: number, ttlMs: number): void {
    const now = this.#clock.now()
    // #mark has just dropped an expired one, so a key still there is live and is replaced in place.
    if (!this.#marks.has(key)) {
      this.#makeRoom(now)
      this.#size++
    }
    this.#marks.set(key, { value, expiresAt: now + ttlMs })
    this.#expiresAt(now + ttlMs)
  }

  #expiresAt (at: number): void {
    if (at < this.#nextExpiry) this.#nextExpiry = at
  }

  /** Room for one more entry: sweeps what expired when that can help, else refuses. */
  #makeRoom (now: number): void {
    if (this.#size < this.#maxEntries) return
    if (now >= this.#nextExpiry) this.#sweep(now)
    if (this.#size >= this.#maxEntries) throw new StoreFullError('MemoryStore')
  }

  #sweep (now: number): void {
    let next = Infinity
    for (const [key, mark] of this.#marks) {
      if (mark.expiresAt <= now) {
        this.#marks.delete(key)
        this.#size--
      } else if (mark.expiresAt < next) {
        next = mark.expiresAt
      }
    }
    for (const [key, log] of this.#logs) {
      next = Math.min(next, this.#prune(log, now))
      if (log.size === 0) this.#logs.delete(key)
    }
    this.#nextExpiry = next
  }

  /** Drops a log's expired entries; answers when its oldest live entry expires (Infinity if none). */
  #prune (log: Map<string, number>, now: number): number {
    let oldest = Infinity
    for (const [id, expiresAt] of log) {
      if (expiresAt <= now) {
        log.delete(id)
        this.#size--
      } else if (expiresAt < oldest) {
        oldest = expiresAt
      }
    }
    return oldest
  }
}
