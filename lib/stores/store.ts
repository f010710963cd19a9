// The one door to step-up state. Each operation is atomic on its own, and a remote store must be
// able to do each in one round trip (a Lua script in Redis, a conditional write elsewhere).
// TTLs are relative milliseconds, measured on the store's clock: an entry given N ms is there until
// N ms have passed and gone from then on. Challenge ids and counter/mark keys are two separate
// namespaces, and both are opaque strings of any characters. A store that cannot answer rejects
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

  /** Adds one to a counter and returns the new count. The window starts with the first increment. */
  increment (key: string, windowMs: number): Promise<number>
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

/** Something that tells the time in epoch milliseconds. Tests pass a clock they can move. */
export interface Clock {
  now (): number
}
