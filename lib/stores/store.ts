// The one door to step-up state. Each operation is atomic on its own, and a remote store must be
// able to do each in one round trip (a Lua script in Redis, a conditional write elsewhere).
// TTLs are relative milliseconds, measured on the store's clock: an entry given N ms is there until
// N ms have passed and gone from then on. Challenge ids, counter/mark keys and log keys are three
// separate namespaces, all opaque strings of any characters. Security state (marks, logs) is never
// dropped to make room: a store that is full refuses the write (MemoryStore throws StoreFullError). A store that cannot answer rejects
// (promptly: a request waits on it); the plugin then fails closed. `fastify-step-up/store-conformance`
// checks all of this against any store.
//
// Composite operations (startSend, beginGuess, endGuess) are the sequences of primitives that always
// go together, so a remote store can run each in one round trip. They are optional: the plugin
// composes a missing one from the primitives, in the same order (lib/stores/composite.ts). Policy
// stays in the engine: it passes every cap, TTL and expected value; a composite operation only does
// conditional writes and answers what it saw.
//
// Key groups: the keys (and challenge ids) one composite operation uses together share a group, the
// part between their first `{` and the next `}` (as a Redis Cluster hash tag). The engine puts the
// user in it: `lock:{alice}`, `failures:{alice}`, challenge `{alice}:<id>`. A store that partitions
// may use the group to keep them together; a key without a group is its own.

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

  /**
   * Optional, one round trip: the store half of a code send or a ceremony's start. In order, stopping
   * at the first refusal: `lock` has time left (`ttl`); `cooldown` is already marked (`markOnce`; its
   * `ttl` is the retry); the log is full (`logAdd`; the cooldown just set is deleted again); else
   * the challenge is created. Answers what refused it, or nothing when the challenge was created.
   */
  startSend? (start: SendStart): Promise<SendStarted>
  /**
   * Optional, one round trip: a guess counted before it is checked. In order, stopping at the first
   * refusal: `lock` has time left; the named challenge is not pending (absent, another user's,
   * session's or method's, consumed, `expiresAt <= now`, or `attempts >= maxAttempts`); the failures
   * log is full; the knowledge log is full (the guess is then taken out of the failures log again).
   * Then the challenge is counted (`countAttempt`) or consumed (`consumeChallenge`), as `then` says.
   */
  beginGuess? (start: GuessStart): Promise<GuessStarted>
  /**
   * Optional, one round trip: a checked guess settled. In order: `spend` (a challenge consumed or a
   * number advanced; when refused, `giveBack` is skipped and the guess stays counted); each
   * `giveBack` entry removed from its log; `lock` marked unless marked, and its time left read.
   */
  endGuess? (end: GuessEnd): Promise<GuessEnded>
}

/** An entry to add to a sliding-window log (see `logAdd`). */
export interface LogAdd {
  key: string
  entry: string
  max: number
  ttlMs: number
}

/** What `startSend` is given. Every key and the challenge id share one group. */
export interface SendStart {
  /** The user's lock mark. */
  lock: string
  /** The destination's resend cooldown, set for `ttlMs` (none for a ceremony). */
  cooldown?: { key: string, ttlMs: number }
  /** The user's send (or ceremony) log. */
  log: LogAdd
  challenge: { id: string, record: ChallengeRecord, ttlMs: number }
}

/** What `startSend` answers. */
export interface SendStarted {
  /** What stopped it; absent when the challenge was created. */
  refused?: 'lock' | 'cooldown' | 'log'
  /** The ms left on the lock or the cooldown, or until the log has room; 0 when created. */
  retryMs: number
}

/** What `beginGuess` is given. Every key and the challenge id share one group. */
export interface GuessStart {
  lock: string
  /** The user's failure log and this guess's entry in it. */
  failures: LogAdd
  /** A knowledge factor's log: the same entry goes in it after the failures log. */
  knowledge?: { key: string, max: number, ttlMs: number }
  /** The challenge the guess answers, and what it must be to take the guess. */
  challenge?: {
    id: string
    userId: string
    sessionId: string
    method: string
    /** Pending only while `expiresAt > now` (the engine's clock). */
    now: number
    /** Pending only while `attempts < maxAttempts`; no cap when absent. */
    maxAttempts?: number
    /** What is done to it once the guess is counted. */
    then: 'count' | 'consume'
  }
}

/** What `beginGuess` answers. */
export interface GuessStarted {
  /** What stopped it; absent when the guess was counted (and the challenge counted or consumed). */
  refused?: 'lock' | 'challenge' | 'failures' | 'knowledge'
  /** The ms left on the lock, or until the refusing log has room; 0 otherwise. */
  retryMs: number
  /** The failures log's count from its `logAdd`; 0 when it was not reached. */
  count: number
  /** The challenge as read, before any write; absent when unknown or gone (or none was named). */
  challenge?: ChallengeRecord
  /**
   * After `then`: the record as counted, or as consumed; absent when that step found it gone or
   * (for `consume`) already consumed, which happens only when the operation is not atomic.
   */
  after?: ChallengeRecord
}

/** What `endGuess` is given. Every key and the challenge id share one group. */
export interface GuessEnd {
  /** The proof spent first: a challenge consumed, or a number advanced (an authenticator's step). */
  spend?: { challenge: string } | { advance: { key: string, value: number, ttlMs: number } }
  /** Log entries taken out (skipped when `spend` was refused). */
  giveBack?: Array<{ key: string, entry: string }>
  /** A lock mark set unless set. */
  lock?: { key: string, ttlMs: number }
}

/** What `endGuess` answers. */
export interface GuessEnded {
  /** False only when `spend` was refused. */
  spent: boolean
  /** The ms left on `lock` after it; 0 when none was given. */
  lockedMs: number
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
