// Enrollments in progress, kept in the plugin's store as challenges are: bound to one user and
// session, short-lived, never a factor until confirmed (the factor storage sees nothing before).
//
// What the store holds is useless on its own. A pending authenticator app's secret is not stored at
// all: it is HMAC(key, id ‖ nonce) under a key derived from the plugin secret, and the record holds
// only the random nonce; a passkey registration's challenge is stored as an HMAC. Someone who reads
// the store (a Redis dump, a replica) learns who is enrolling, not a secret to enroll with.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { stateKey } from '../core/fail-closed.js'
import { randomId } from '../core/secrets.js'
import {
  FST_STEP_UP_ATTEMPTS_EXHAUSTED,
  FST_STEP_UP_CHALLENGE_NOT_FOUND,
  FST_STEP_UP_CODE_EXPIRED,
  FST_STEP_UP_CODE_USED,
  FST_STEP_UP_SEND_LIMIT,
  withRetryAfter
} from '../errors.js'
import { base32 } from '../methods/totp/otp.js'
import type { ChallengeRecord, Clock, StepUpStore } from '../stores/store.js'
import type { StepUpUser } from '../types.js'

/** A record's `method`: never a step-up method's, so no step-up route can answer an enrollment's challenge. */
export type EnrollmentMethod = 'enroll:totp' | 'enroll:passkey'

/** 160 bits, RFC 4226's advice, as generateTotpSecret makes by default. */
const TOTP_SECRET_BYTES = 20

export interface EnrollmentSettings {
  store: StepUpStore
  /** From the plugin secret, for enrollments only. */
  key: Buffer
  clock: Clock
  ttlMs: number
  /** Codes per pending authenticator app (the `codes.maxAttempts` option). */
  maxAttempts: number
  /** Enrollments a user may start per window (the `sendLimit` option, counted apart from sends). */
  startMax: number
  startWindowMs: number
}

/** A pending authenticator app: its secret, shown once, and when it expires. */
export interface PendingTotp {
  secret: string
  expiresAt: number
}

export class Enrollments {
  readonly #settings: EnrollmentSettings

  constructor (settings: EnrollmentSettings) {
    this.#settings = settings
  }

  #mac (...parts: string[]): Buffer {
    return createHmac('sha256', this.#settings.key).update(parts.join('\0')).digest()
  }

  /**
   * The id of a session's pending authenticator app: one per session (a new start replaces it), an
   * HMAC so the store's keys name no user, and found by the session alone, so no request can name
   * another user's or session's enrollment.
   */
  #totpId (user: StepUpUser): string {
    return this.#mac('totp-id', user.id, user.sessionId).toString('base64url', 0, 16)
  }

  #totpSecret (id: string, nonce: string): string {
    return base32.encode(this.#mac('totp-secret', id, nonce).subarray(0, TOTP_SECRET_BYTES), { padding: false })
  }

  /** A stable, opaque WebAuthn user handle for the user: no id or address of theirs goes into an authenticator. */
  userHandle (user: StepUpUser): Uint8Array {
    return new Uint8Array(this.#mac('passkey-user', user.id).subarray(0, 32))
  }

  /** Counts a start: at most `startMax` per window per user, so a client cannot fill the store. */
  async #countStart (user: StepUpUser): Promise<void> {
    const { store, startMax, startWindowMs } = this.#settings
    const started = await store.logAdd(stateKey('enrollments', user.id), randomId(), startMax, startWindowMs)
    if (started.retryMs > 0) throw withRetryAfter(new FST_STEP_UP_SEND_LIMIT(), started.retryMs)
  }

  async #create (id: string, user: StepUpUser, method: EnrollmentMethod, codeHash: string): Promise<number> {
    const { store, clock, ttlMs } = this.#settings
    const expiresAt = clock.now() + ttlMs
    await store.createChallenge(id, {
      userId: user.id, sessionId: user.sessionId, method, destination: '', codeHash, attempts: 0, expiresAt, consumed: false
    }, ttlMs * 2) // as for codes: a late answer hears "expired"
    return expiresAt
  }

  /**
   * A new pending authenticator app for this session, replacing the one before. With `reuse`, the
   * session's pending one while it can still be confirmed (the LoginRadius trigger shows the same
   * QR code each time it is called).
   */
  async startTotp (user: StepUpUser, reuse = false): Promise<PendingTotp> {
    const id = this.#totpId(user)
    if (reuse) {
      const found = await this.#settings.store.getChallenge(id)
      if (found && this.#open(found, user, 'enroll:totp')) return { secret: this.#totpSecret(id, found.codeHash), expiresAt: found.expiresAt }
    }
    await this.#countStart(user)
    // Not a secret: the secret comes from it and the enrollment key, which the store never sees.
    const nonce = randomId()
    const expiresAt = await this.#create(id, user, 'enroll:totp', nonce)
    return { secret: this.#totpSecret(id, nonce), expiresAt }
  }

  /** True for a pending record of this user, session and kind that can still be answered. */
  #open (found: ChallengeRecord, user: StepUpUser, method: EnrollmentMethod): boolean {
    return found.userId === user.id && found.sessionId === user.sessionId && found.method === method &&
      !found.consumed && this.#settings.clock.now() < found.expiresAt
  }

  /** The session's pending authenticator app: its id and secret; 404 when there is none, as for a challenge. */
  async pendingTotp (user: StepUpUser): Promise<{ id: string, secret: string }> {
    const id = this.#totpId(user)
    const found = await this.#pending(id, user, 'enroll:totp')
    if (found.attempts >= this.#settings.maxAttempts) throw new FST_STEP_UP_ATTEMPTS_EXHAUSTED()
    return { id, secret: this.#totpSecret(id, found.codeHash) }
  }

  /**
   * Counts a code for a pending authenticator app before it is compared, as a challenge's guesses
   * are, so concurrent guesses get no more comparisons than `maxAttempts`. Throws when it has none left.
   */
  async countTotpAttempt (id: string): Promise<{ last: boolean }> {
    const counted = await this.#settings.store.countAttempt(id)
    if (!counted) throw new FST_STEP_UP_CODE_EXPIRED()
    if (counted.attempts > this.#settings.maxAttempts) throw new FST_STEP_UP_ATTEMPTS_EXHAUSTED()
    return { last: counted.attempts >= this.#settings.maxAttempts }
  }

  /** A new passkey registration challenge (random, from the WebAuthn options), stored as an HMAC. */
  async startPasskey (user: StepUpUser, challenge: string): Promise<{ id: string, expiresAt: number }> {
    await this.#countStart(user)
    const id = randomId()
    const expiresAt = await this.#create(id, user, 'enroll:passkey', this.#mac('passkey-challenge', id, challenge).toString('base64url'))
    return { id, expiresAt }
  }

  /** A pending passkey registration of this user and session; 404 otherwise, whoever's it is. */
  async pendingPasskey (user: StepUpUser, id: string): Promise<ChallengeRecord> {
    return this.#pending(id, user, 'enroll:passkey')
  }

  /** Constant-time check of the challenge a registration signed against the one issued. */
  passkeyChallengeMatches (id: string, found: ChallengeRecord, challenge: string): boolean {
    const expected = Buffer.from(found.codeHash, 'base64url')
    const actual = this.#mac('passkey-challenge', id, challenge)
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }

  /** Spends a pending enrollment; only one caller can. */
  async consume (id: string): Promise<void> {
    if (!await this.#settings.store.consumeChallenge(id)) throw new FST_STEP_UP_CODE_USED()
  }

  async #pending (id: string, user: StepUpUser, method: EnrollmentMethod): Promise<ChallengeRecord> {
    const found = await this.#settings.store.getChallenge(id)
    // Another user's or session's enrollment looks exactly like one that does not exist.
    if (!found || found.userId !== user.id || found.sessionId !== user.sessionId || found.method !== method) {
      throw new FST_STEP_UP_CHALLENGE_NOT_FOUND()
    }
    if (found.consumed) throw new FST_STEP_UP_CODE_USED()
    if (this.#settings.clock.now() >= found.expiresAt) throw new FST_STEP_UP_CODE_EXPIRED()
    return found
  }
}
