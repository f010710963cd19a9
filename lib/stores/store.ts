// The one door to step-up state. Each operation is atomic on its own, and a remote store must be
// able to do each in one round trip (a Lua script in Redis, a conditional write elsewhere).
// TTLs are relative milliseconds, measured on the store's clock: an entry given N ms is there until
// N ms have passed and gone from then on. Challenge ids, counter/mark keys and log keys are three
// separate namespaces, all opaque strings of any characters. Security state (marks, logs) is never
// dropped to make room: a store that is full refuses the write (MemoryStore throws StoreFullError). A store that cannot answer rejects
// (promptly: a request waits on it); the plugin then fails closed. `fastify-step-up/store-conformance`
// checks all of this against any store.

/** A pending one-time-code challenge, or a passkey's (a WebAuthn challenge for the user to sign). */
export interface ChallengeRecord {
  /** The action the step-up is for, when it is for one: its name and the hash of its key fields. */
  action?: { name: string, hash?: string }
  userId: string
  sessionId: string
  /** The method that created it, such as `'email'`. A challenge verifies only through its method. */
  method: string
  /** Where the code went, as the app gave it (`''` for a passkey challenge). */
  destination: string
  /** HMAC of the code (or of the WebAuthn challenge), bound to the challenge id; never the code itself. */
  codeHash: string
  /** Guesses counted so far, including the one being checked. */
  attempts: number
  /** Epoch ms after which the code is refused. The record lives longer so a late code is told "expired". */
  expiresAt: number
  /** Set once, by the first correct verification. */
  consumed: boolean
}

export interface StepUpStore {
  /** Saves a challenge for `ttlMs`, replacing one with the same id whatever its state (the latest code wins). */
  createChallenge (id: string, challenge: ChallengeRecord, ttlMs: number): Promise<void>
  /** The challenge as stored, or undefined when unknown or gone. */
  getChallenge (id: string): Promise<ChallengeRecord | undefined>
  /** Adds one to `attempts` and returns the record after the change (TTL unchanged); undefined when gone. */
  countAttempt (id: string): Promise<ChallengeRecord | undefined>
  /** Marks the challenge consumed; true only for the one call that changed it. */
  consumeChallenge (id: string): Promise<boolean>
  /** Removes a challenge (a send that failed leaves nothing usable behind). */
  deleteChallenge (id: string): Promise<void>

  /**
   * A sliding-window log: the lockout's guesses, sends, ceremonies and knowledge-factor step-ups.
   * Forgets the entries whose `ttlMs` has passed, then adds `entry` (an id unique to this call) for
   * `ttlMs` if fewer than `max` are left. Answers the count after the call, and `retryMs`: 0 when
   * the entry was added, else (the log was full, nothing was added) the ms until its oldest entry
   * goes. So "at most `max` per `ttlMs`" holds for every interval of that length, not per fixed window.
   */
  logAdd (key: string, entry: string, max: number, ttlMs: number): Promise<LogResult>
  /** Removes one entry from a log (a success gives back the guess it took); nothing if it is not there. */
  logRemove (key: string, entry: string): Promise<void>
  /** Sets a mark for `ttlMs` unless one is set; true only for the call that set it. */
  markOnce (key: string, ttlMs: number): Promise<boolean>
  /** Milliseconds left on a counter or mark; 0 when there is none. */
  ttl (key: string): Promise<number>
  /**
   * Raises a stored number to `value` for `ttlMs`, if none is stored or the stored one is lower; true
   * only for the call that raised it. Authenticator codes use it: a time step is accepted once, and
   * no earlier step after it.
   */
  advance (key: string, value: number, ttlMs: number): Promise<boolean>
  /** Removes a counter or mark. */
  delete (key: string): Promise<void>
}

/** What `logAdd` answers. */
export interface LogResult {
  /** Live entries in the log after the call. */
  count: number
  /** 0 when the entry was added; else the ms until the log has room again (at least 1). */
  retryMs: number
}

/**
 * Thrown by a store that has no room left for new security state. It refuses the write instead of
 * forgetting a lock, a failure or a spent token to make room; the plugin answers 503 and emits a
 * `store.full` event.
 */
export class StoreFullError extends Error {
  readonly code = 'FST_STEP_UP_STORE_FULL'
  constructor (what: string) {
    super(`${what} is full: new step-up state is refused until some expires`)
    this.name = 'StoreFullError'
  }
}

/** Something that tells the time in epoch milliseconds. Tests pass a clock they can move. */
export interface Clock {
  now (): number
}
