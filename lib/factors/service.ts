// Factor management: listing, enrolling and removing a user's factors, for the routes (routes.ts)
// and the LoginRadius trigger. Every change follows one path (#change): under the user's change
// lock, with the factors as the storage has them now, the change's own checks, then the change
// token (change.ts) is spent, then the storage saves; the audit event and the app's hooks follow.
import { factorChangeFact } from '../notify/kinds.js'
import type { Audit, CallOptions, StepUpEngine } from '../core/engine.js'
import { stateKey } from '../core/fail-closed.js'
import { randomId } from '../core/secrets.js'
import {
  FST_STEP_UP_ATTEMPTS_EXHAUSTED,
  FST_STEP_UP_CODE_INVALID,
  FST_STEP_UP_FACTOR_BUSY,
  FST_STEP_UP_FACTOR_LIMIT,
  FST_STEP_UP_FACTOR_NOT_FOUND,
  FST_STEP_UP_INVALID_REQUEST,
  FST_STEP_UP_PASSKEY_INVALID,
  withRetryAfter
} from '../errors.js'
import { generateBackupCodes } from '../methods/backup-code/enroll.js'
import { passkeyRegistrationOptions, verifyPasskeyRegistration, type PasskeyRegistrationJSON, type RegisteredPasskey } from '../methods/passkey/enroll.js'
import { hashPin } from '../methods/pin/enroll.js'
import { totpStepOnce } from '../methods/totp/method.js'
import { totpQrCode, totpUri } from '../methods/totp/enroll.js'
import { matchTotp } from '../methods/totp/otp.js'
import type { ResolvedOptions } from '../options.js'
import type { StepUpUser } from '../types.js'
import { ChangeRule, type ChangeHint } from './change.js'
import { Enrollments } from './enrollment.js'
import { guessablePin, labelOf } from './input.js'
import type { ResolvedFactors } from './options.js'
import { listFactors, ofKind } from './storage.js'
import type { FactorChange, FactorKind, NewFactor, StoredFactor } from './types.js'

/** A factor as replies show it: never its secret or hash. Times in ISO 8601. */
export interface FactorSummary {
  id: string
  kind: FactorKind
  label: string
  createdAt: string
  lastUsedAt: string | null
  remaining?: number
  deviceType?: string
  backedUp?: boolean
  transports?: string[]
}

export interface FactorListing {
  factors: FactorSummary[]
  destinations: Array<{ method: string, id: string, masked: string }>
  kinds: Array<{ kind: FactorKind, max: number }>
  change: ChangeHint
}

/** A pending authenticator app, as shown once. */
export interface TotpEnrollment {
  secret: string
  manualEntryKey: string
  uri: string
  qrCode: string
  algorithm: string
  digits: number
  period: number
  expiresIn: number
}

/**
 * A change lock outlives any sane request; if an instance dies holding it, the user waits this long.
 * It makes each user's changes one at a time across instances, so a limit (at most N of a kind) or
 * the strongest factor is read and acted on with nothing in between.
 */
const CHANGE_LOCK_MS = 30_000

const DEFAULT_LABELS: Readonly<Record<FactorKind, string>> = {
  totp: 'Authenticator app',
  passkey: 'Passkey',
  'backup-codes': 'Backup codes',
  pin: 'PIN'
}

const iso = (time: Date | number): string => new Date(time).toISOString()

function summary (factor: StoredFactor | NewFactor): FactorSummary {
  const base: FactorSummary = {
    id: factor.id,
    kind: factor.kind,
    label: factor.label,
    createdAt: iso(factor.createdAt),
    lastUsedAt: 'lastUsedAt' in factor && factor.lastUsedAt !== undefined && factor.lastUsedAt !== null ? iso(factor.lastUsedAt) : null
  }
  if (factor.kind === 'backup-codes') return { ...base, remaining: 'hashes' in factor ? factor.hashes.length : factor.remaining }
  if (factor.kind !== 'passkey') return base
  const { deviceType, backedUp, transports } = factor.credential
  return {
    ...base,
    ...(deviceType === undefined ? {} : { deviceType }),
    ...(backedUp === undefined ? {} : { backedUp }),
    ...(transports === undefined ? {} : { transports: [...transports] })
  }
}

/** The challenge a registration's client data says it answers; undefined when it cannot be read. */
function answeredChallenge (response: PasskeyRegistrationJSON): string | undefined {
  try {
    const challenge: unknown = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')).challenge
    return typeof challenge === 'string' ? challenge : undefined
  } catch {
    return undefined
  }
}

/** What a change passes on of its request: its log, and, for the owner's notification, where it came from and its language. */
export type FactorCall = Pick<CallOptions, 'client' | 'acceptLanguage'> & { audit: Audit }

/** What a change does once its token is spent: the reply, and what happened for the event. */
interface Applied<T> {
  reply: T
  change: { type: FactorChange['type'], kind: FactorKind, factorId: string, count?: number }
}

export class FactorService {
  readonly #engine: StepUpEngine
  readonly #options: ResolvedOptions
  readonly #factors: ResolvedFactors
  readonly #rule: ChangeRule
  readonly #enrollments: Enrollments

  constructor (engine: StepUpEngine, options: ResolvedOptions, factors: ResolvedFactors) {
    this.#engine = engine
    this.#options = options
    this.#factors = factors
    this.#rule = new ChangeRule(engine, factors)
    this.#enrollments = new Enrollments({
      store: engine.store,
      key: engine.deriveKey('factors'),
      clock: options.clock,
      ttlMs: factors.enrollmentTtlMs,
      maxAttempts: options.maxAttempts,
      startMax: options.sendLimitMax,
      startWindowMs: options.sendLimitWindowMs
    })
  }

  /** The header a change's step-up token comes in: the guard's (`tokenHeader`). */
  get tokenHeader (): string {
    return this.#options.tokenHeader
  }

  /** The kinds turned on. */
  get kinds (): FactorKind[] {
    return this.#factors.kinds
  }

  #now (): Date {
    return new Date(this.#options.clock.now())
  }

  #max (kind: FactorKind): number {
    return kind === 'totp' ? this.#factors.totp!.max : kind === 'passkey' ? this.#factors.passkey!.max : 1
  }

  /** Refuses a new factor of a kind the user has as many of as allowed. */
  #room (factors: readonly StoredFactor[], kind: 'totp' | 'passkey'): void {
    if (ofKind(factors, kind).length >= this.#max(kind)) throw new FST_STEP_UP_FACTOR_LIMIT()
  }

  async list (user: StepUpUser, audit: Audit): Promise<FactorListing> {
    const factors = await listFactors(this.#factors.storage, user)
    const available = await this.#engine.availableMethods(user, audit)
    return {
      factors: factors.map(summary),
      destinations: available.flatMap(({ method, destinations = [] }) => destinations.map(({ id, masked }) => ({ method, id, masked }))),
      kinds: this.kinds.map((kind) => ({ kind, max: this.#max(kind) })),
      change: this.#rule.hintFrom(available.map(({ method }) => method), factors)
    }
  }

  /**
   * A new pending authenticator app for this session (no change token: it is not a factor until
   * confirmed). With `reuse`, the session's pending one while it lasts (the LoginRadius trigger).
   */
  async startTotp (user: StepUpUser, reuse = false): Promise<TotpEnrollment> {
    const totp = this.#factors.totp!
    this.#room(await listFactors(this.#factors.storage, user), 'totp')
    const { secret, expiresAt } = await this.#enrollments.startTotp(user, reuse)
    // The label is "issuer:account": an account name with a colon would be read as another issuer.
    const accountName = totp.accountName(user).replaceAll(':', ' ').trim() || 'account'
    const uri = totpUri({ secret, accountName, issuer: totp.issuer, ...totp.settings })
    return {
      secret,
      manualEntryKey: secret.match(/.{1,4}/g)!.join(' '),
      uri,
      qrCode: await totpQrCode(uri),
      ...totp.settings,
      expiresIn: Math.ceil((expiresAt - this.#options.clock.now()) / 1000)
    }
  }

  /**
   * The first code of this session's pending authenticator app, then the change. The code is a
   * guess like any step-up's (lockout, attempts per enrollment); the token is checked first without
   * being spent, so a missing one costs no guess and a wrong code costs no token.
   */
  async confirmTotp (user: StepUpUser, token: string | undefined, call: FactorCall, body: { code: string, label?: string }): Promise<{ factor: FactorSummary }> {
    const { settings } = this.#factors.totp!
    const label = labelOf(body.label, DEFAULT_LABELS.totp)
    const pending = await this.#enrollments.pendingTotp(user)
    await this.#precheck(user, token, call.audit, (factors) => this.#room(factors, 'totp'))
    let step: number | null = null
    await this.#engine.countGuess('totp', user, call, async () => {
      const { last } = await this.#enrollments.countTotpAttempt(pending.id)
      step = await matchTotp(pending.secret, body.code, this.#options.clock.now(), settings)
      if (step !== null) return undefined
      return last ? new FST_STEP_UP_ATTEMPTS_EXHAUSTED() : new FST_STEP_UP_CODE_INVALID()
    })
    return this.#change(user, token, call, (factors) => this.#room(factors, 'totp'), async () => {
      await this.#enrollments.consume(pending.id)
      // The first code is spent: a step-up with it moments later is refused (RFC 6238 5.2).
      const once = totpStepOnce(user.id, step!, settings)
      await this.#engine.store.advance(once.key, once.value, once.ttlMs)
      const factor: NewFactor = { kind: 'totp', id: randomId(), label, createdAt: this.#now(), secret: pending.secret }
      await this.#save(user, factor, [])
      return { reply: { factor: summary(factor) }, change: { type: 'factor.added', kind: 'totp', factorId: factor.id } }
    })
  }

  /** The WebAuthn options to register a passkey, with a single-use challenge (no change token yet). */
  async passkeyOptions (user: StepUpUser, body: { authenticatorAttachment?: 'platform' | 'cross-platform' }): Promise<{ challengeId: string, expiresIn: number, options: object }> {
    const passkey = this.#factors.passkey!
    const factors = await listFactors(this.#factors.storage, user)
    this.#room(factors, 'passkey')
    const options = await passkeyRegistrationOptions({ ...passkey.relyingParty, userVerification: 'required' }, {
      userName: passkey.userName(user) || user.id,
      userID: this.#enrollments.userHandle(user),
      excludeCredentials: ofKind(factors, 'passkey').map(({ credential }) => credential),
      ...(body.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: body.authenticatorAttachment })
    })
    const { id, expiresAt } = await this.#enrollments.startPasskey(user, options.challenge)
    const expiresIn = Math.ceil((expiresAt - this.#options.clock.now()) / 1000)
    return { challengeId: id, expiresIn, options: { ...options, timeout: expiresIn * 1000 } }
  }

  /**
   * The browser's registration for a challenge, then the change. Each challenge takes one answer,
   * right or wrong, counted toward the lockout; user verification is required; a credential this
   * user or anyone has registered already is refused (the storage's unique key decides for others).
   */
  async registerPasskey (user: StepUpUser, token: string | undefined, call: FactorCall, body: { challengeId: string, response: PasskeyRegistrationJSON, label?: string }): Promise<{ factor: FactorSummary }> {
    const { relyingParty } = this.#factors.passkey!
    const label = labelOf(body.label, DEFAULT_LABELS.passkey)
    const found = await this.#enrollments.pendingPasskey(user, body.challengeId)
    await this.#precheck(user, token, call.audit, (factors) => this.#room(factors, 'passkey'))
    let registered: RegisteredPasskey | undefined
    await this.#engine.countGuess('passkey', user, call, async () => {
      await this.#enrollments.consume(body.challengeId)
      const challenge = answeredChallenge(body.response)
      if (challenge === undefined) return new FST_STEP_UP_PASSKEY_INVALID('the response is malformed')
      if (!this.#enrollments.passkeyChallengeMatches(body.challengeId, found, challenge)) return new FST_STEP_UP_PASSKEY_INVALID('it answers another challenge')
      try {
        registered = await verifyPasskeyRegistration({ ...relyingParty, userVerification: 'required' }, {
          // The schema lets a client leave it out; WebAuthn's JSON always has it.
          response: { ...body.response, clientExtensionResults: body.response.clientExtensionResults ?? {} },
          expectedChallenge: challenge
        })
        return undefined
      } catch (err) {
        // Always FST_STEP_UP_PASSKEY_INVALID: a missing @simplewebauthn/server fails at startup.
        return err as Error
      }
    })
    const credential = registered!
    // A right answer (not a guess to count), but a key that can leave the device: the profile refuses it.
    if (this.#options.profile === 'nist-aal3' && (credential.deviceType === 'multiDevice' || credential.backedUp)) {
      throw new FST_STEP_UP_PASSKEY_INVALID('it is a synced passkey, which NIST SP 800-63B-4 AAL3 non-exportable keys forbids: use a device-bound passkey or security key')
    }
    const taken = new FST_STEP_UP_PASSKEY_INVALID('it is registered already')
    return this.#change(user, token, call, (factors) => {
      this.#room(factors, 'passkey')
      if (ofKind(factors, 'passkey').some((factor) => factor.credential.id === credential.id)) throw taken
    }, async () => {
      const factor: NewFactor = { kind: 'passkey', id: randomId(), label, createdAt: this.#now(), credential }
      if (!await this.#save(user, factor, [])) throw taken
      return { reply: { factor: summary(factor) }, change: { type: 'factor.added', kind: 'passkey', factorId: factor.id } }
    })
  }

  /** A new set of backup codes replacing the old set in the same save; the codes are in this reply only. */
  async renewBackupCodes (user: StepUpUser, token: string | undefined, call: FactorCall): Promise<{ factor: FactorSummary, codes: string[] }> {
    const { count } = this.#factors.backupCodes!
    return this.#change(user, token, call, () => {}, async (factors) => {
      const old = ofKind(factors, 'backup-codes').map(({ id }) => id)
      const { codes, hashes } = generateBackupCodes({ count })
      const factor: NewFactor = { kind: 'backup-codes', id: randomId(), label: DEFAULT_LABELS['backup-codes'], createdAt: this.#now(), hashes }
      await this.#save(user, factor, old)
      return {
        reply: { factor: summary(factor), codes },
        change: old.length > 0
          ? { type: 'backup-codes.renewed', kind: 'backup-codes', factorId: factor.id, count }
          : { type: 'factor.added', kind: 'backup-codes', factorId: factor.id }
      }
    })
  }

  /** Sets the PIN, replacing the old one in the same save. */
  async setPin (user: StepUpUser, token: string | undefined, call: FactorCall, body: { pin: string }): Promise<{ factor: FactorSummary }> {
    if (guessablePin(body.pin)) throw new FST_STEP_UP_INVALID_REQUEST('body/pin is too easy to guess (one digit repeated, or a run such as 1234)')
    // scrypt takes a while: before the change lock, not under it.
    const hash = await hashPin(body.pin)
    return this.#change(user, token, call, () => {}, async (factors) => {
      const old = ofKind(factors, 'pin').map(({ id }) => id)
      const factor: NewFactor = { kind: 'pin', id: randomId(), label: DEFAULT_LABELS.pin, createdAt: this.#now(), hash }
      await this.#save(user, factor, old)
      return {
        reply: { factor: summary(factor) },
        change: { type: old.length > 0 ? 'pin.changed' : 'factor.added', kind: 'pin', factorId: factor.id }
      }
    })
  }

  /** Removes a factor of the user's. The change rule counts it among their factors: removing the last strong one needs it. */
  async remove (user: StepUpUser, token: string | undefined, call: FactorCall, id: string): Promise<{ factor: FactorSummary }> {
    let target: StoredFactor | undefined
    return this.#change(user, token, call, (factors) => {
      target = factors.find((factor) => factor.id === id)
      if (!target) throw new FST_STEP_UP_FACTOR_NOT_FOUND()
    }, async () => {
      // Gone meanwhile (removed behind the plugin's back): nothing was removed by this request.
      if (await this.#factors.storage.remove(user, id) !== true) throw new FST_STEP_UP_FACTOR_NOT_FOUND()
      return { reply: { factor: summary(target!) }, change: { type: 'factor.removed', kind: target!.kind, factorId: id } }
    })
  }

  /** Saves through the storage; false only for a passkey whose credential is registered already. */
  async #save (user: StepUpUser, factor: NewFactor, replaces: readonly string[]): Promise<boolean> {
    const saved = await this.#factors.storage.save(user, factor, replaces) === true
    if (!saved && factor.kind !== 'passkey') throw new TypeError(`factors.storage.save refused a ${factor.kind} factor: only a passkey can be refused`)
    return saved
  }

  /** The checks a change will make, before anything is spent: its own, then the token's (not spent). */
  async #precheck (user: StepUpUser, token: string | undefined, audit: Audit, prepare: (factors: readonly StoredFactor[]) => void): Promise<void> {
    const factors = await listFactors(this.#factors.storage, user)
    prepare(factors)
    await this.#rule.check(user, token, factors, audit, false)
  }

  /**
   * One change: under the user's change lock, the factors as they are now, the change's own checks
   * (`prepare`), the token spent, then `apply`. After the lock: the event, then the app's hooks.
   */
  async #change<T> (
    user: StepUpUser,
    token: string | undefined,
    call: FactorCall,
    prepare: (factors: readonly StoredFactor[]) => void,
    apply: (factors: readonly StoredFactor[]) => Promise<Applied<T>>
  ): Promise<T> {
    const { reply, change } = await this.#locked(user, async () => {
      const factors = await listFactors(this.#factors.storage, user)
      prepare(factors)
      const { claims, method } = await this.#rule.check(user, token, factors, call.audit, true)
      const applied = await apply(factors)
      return { reply: applied.reply, change: { ...applied.change, userId: user.id, sessionId: user.sessionId, method, jti: claims.jti } as FactorChange }
    })
    this.#engine.emit(call.audit, change)
    // The owner is told (OWASP ASVS 5.0 6.3.6), beside the request: a failure to tell never undoes the
    // change. Its outcome goes to the request's log; the text says where the change came from.
    this.#engine.notifier?.notify(user, factorChangeFact(change), call)
    await this.#factors.endOtherSessions?.(user)
    await this.#factors.onChange?.(change, user)
    return reply
  }

  async #locked<T> (user: StepUpUser, work: () => Promise<T>): Promise<T> {
    const store = this.#engine.store
    const key = stateKey('factor-change', user.id)
    if (!await store.markOnce(key, CHANGE_LOCK_MS)) throw withRetryAfter(new FST_STEP_UP_FACTOR_BUSY(), await store.ttl(key))
    try {
      return await work()
    } finally {
      // A store that fails now leaves the lock to expire on its own.
      await store.delete(key).catch(() => {})
    }
  }
}
