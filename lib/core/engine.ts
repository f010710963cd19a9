// The step-up engine: every security rule lives here, with no HTTP types, so each adapter stays
// thin and each rule is tested once.
import {
  FST_STEP_UP_ACTION_MISMATCH,
  FST_STEP_UP_ATTEMPTS_EXHAUSTED,
  FST_STEP_UP_CHALLENGE_NOT_FOUND,
  FST_STEP_UP_CODE_EXPIRED,
  FST_STEP_UP_CODE_INVALID,
  FST_STEP_UP_CODE_USED,
  FST_STEP_UP_DESTINATION_NOT_ALLOWED,
  FST_STEP_UP_LOCKED,
  FST_STEP_UP_METHOD_UNAVAILABLE,
  FST_STEP_UP_OPTION_INVALID,
  FST_STEP_UP_RESEND_TOO_SOON,
  FST_STEP_UP_SEND_FAILED,
  FST_STEP_UP_SEND_LIMIT,
  FST_STEP_UP_TOKEN_INVALID,
  FST_STEP_UP_TOKEN_MISSING,
  FST_STEP_UP_TOKEN_USED,
  FST_STEP_UP_VERIFY_LIMIT,
  isStepUpError,
  withRetryAfter
} from '../errors.js'
import type { FactorService } from '../factors/service.js'
import type { NotificationClient, NotificationFact } from '../notify/kinds.js'
import type { Notifier } from '../notify/notifier.js'
import type { Translator } from '../i18n/translator.js'
import { amrSetsOf, distinctDestinations, type PhishingResistance, type CeremonyMethod, type CheckMethod, type MethodDetails, type OtpChannel, type SmsTextContext, type StepUpMethodModule } from '../methods/method.js'
import type { ResolvedOptions } from '../options.js'
import { withComposites, type CompositeStore } from '../stores/composite.js'
import type { ChallengeRecord, GuessEnd, GuessStart, GuessStarted, SendStarted, StepUpStore } from '../stores/store.js'
import type { StepUpAction, StepUpClaims, StepUpEvent, StepUpMethod, StepUpRequirement, StepUpUser } from '../types.js'
import { actionHash, challengeNamesAction, transactionChallenge } from './action.js'
import { challengeKey, failClosed, stateKey } from './fail-closed.js'
import { IDLE_LIMIT_MS, reauthenticationQuote } from '../profiles/requirements.js'
import { checkRequirement, resolveRequirement, type ResolvedLevel, type ResolvedRequirement } from './policy.js'
import { codeMatches, deriveKey, deriveKeys, ENGINE_KEY_PURPOSES, destinationId, generateCode, hashCode, randomChallenge, randomId, type DerivedKeys } from './secrets.js'
import { summarize } from './summary.js'
import { TokenService, type IssuedToken } from './tokens.js'

export interface AvailableMethod extends MethodDetails {
  method: StepUpMethod
  /** For code methods: where a code can go, as an opaque id and a masked form. */
  destinations?: Array<{ id: string, masked: string }>
}

export interface StartedChallenge {
  challengeId: string
  /** Seconds the code stays valid. */
  expiresIn: number
  /** Seconds before another code may be sent to this destination. */
  resendIn: number
  /** The destination, masked. */
  destination: string
  /** For a step-up for an action: what the user approves, as the message words it (plain text). */
  summary?: string
}

/** A ceremony's challenge (a passkey's): its id, and what the client needs to answer it. */
export interface StartedCeremony {
  challengeId: string
  /** Seconds the challenge stays valid. */
  expiresIn: number
  /** For passkeys: the WebAuthn request options for `navigator.credentials.get()`. */
  options: object
  /** For a step-up for an action: what the user approves (plain text), to show beside the browser's prompt. */
  summary?: string
}

/** The client names a destination by its address or by the opaque id from the methods list. */
export interface ChallengeTarget {
  destination?: string
  destinationId?: string
}

/** The action a client steps up for: a name and, optionally, its key fields. */
export interface ActionInput {
  name: string
  data?: unknown
}

/** Where an adapter hears the events of one request (to log them through the request's logger). */
export type Audit = (event: StepUpEvent) => void

/** Per-call extras an adapter passes along. */
export interface CallOptions {
  audit?: Audit | undefined
  /** The action this step-up is for. */
  action?: ActionInput | undefined
  /** A challenge id chosen by the caller (compatibility routes); default: a random one. */
  challengeId?: string | undefined
  /** The text of this SMS code, in place of the `sms.text` option (the LoginRadius trigger words its own). */
  smsText?: ((ctx: SmsTextContext) => string) | undefined
  /** The client's Accept-Language, for the language of what is sent when the user's profile names none. */
  acceptLanguage?: string | undefined
  /** Where the request came from, for security notifications (a new device, failed attempts). */
  client?: NotificationClient | undefined
}

/** Whose token a check is for: a token check reads only the user's id and session. */
export type TokenSubject = Pick<StepUpUser, 'id' | 'sessionId'>

/** A token check's extras: where to report, and the request's key fields for an action-bound requirement. */
export interface TokenCall {
  audit?: Audit | undefined
  data?: unknown
  /**
   * Accept the user's token whatever session it was made in: only for server-to-server callers
   * that know the user but not the session (the LoginRadius-compatible manage calls).
   */
  anySession?: boolean
}

/** What would satisfy a route, for the 401 body and the RFC 9470 header. */
export interface RequirementHint {
  methods: StepUpMethod[]
  maxAge: number
  level?: string
  acrValues?: string[]
  /** A passkey is needed (`true`), or a device-bound one (`'hardware'`). */
  phishingResistant?: true | 'hardware'
  action?: string
}

/** A guess counted in the user's failure log before it is compared: its log entry and the count with it. */
interface Guess {
  entry: string
  count: number
  /** The store's answer to counting it: the challenge as read and after, for a challenge's guess. */
  begun: GuessStarted
  /** The method guessed at, and the call's extras: what a notification of its outcome says. */
  method: StepUpMethod
  call: CallOptions
}

/** Whether a step-up of this phishing resistance reaches a level that demands `demanded`. */
function meets (demanded: true | 'hardware' | undefined, reached: PhishingResistance | undefined): boolean {
  if (demanded === undefined) return true
  return demanded === true ? reached !== undefined : reached === 'phrh'
}

function boundAction (action: ActionInput | undefined): StepUpAction | undefined {
  if (!action) return undefined
  return action.data === undefined ? { name: action.name } : { name: action.name, hash: actionHash(action.data) }
}

/** True when a challenge was started for exactly this action and data (both bound as a token binds them). */
function sameAction (given: StepUpAction, started: StepUpAction | undefined): boolean {
  return given.name === started?.name && given.hash === started.hash
}

/** For a store call whose failure must not change the answer (a guess given back after the proof). */
function ignore (): void {}

export class StepUpEngine {
  readonly #options: ResolvedOptions
  readonly #store: CompositeStore
  readonly #keys: DerivedKeys
  readonly #methods: Map<StepUpMethod, StepUpMethodModule>
  readonly #levels: ResolvedLevel[]
  readonly #tokens: TokenService
  /** Factor management (the `factors` option), when it is on; set once by setup. */
  factors: FactorService | undefined
  /** Security notifications (the `notifications` option), when on; set once by setup. */
  notifier: Notifier | undefined

  constructor (options: ResolvedOptions, methods: readonly StepUpMethodModule[]) {
    this.#options = options
    // Every call fails closed; a composite operation the store lacks is composed from its primitives.
    this.#store = withComposites(failClosed(options.store, (operation) => this.#emit(undefined, { type: 'store.full', operation })))
    this.#keys = deriveKeys(options.secret)
    this.#methods = new Map(methods.map((module) => [module.method, module]))
    for (const level of options.levels) {
      const unknown = level.methods.find((method) => !this.#methods.has(method))
      if (unknown) throw new FST_STEP_UP_OPTION_INVALID(`levels.${level.name}.methods`, `names "${unknown}", which is not enabled`)
    }
    this.#levels = options.levels
    this.#tokens = new TokenService({
      secretKey: this.#keys.token,
      keys: options.keys,
      issuer: options.issuer,
      audience: options.audience,
      ttlMs: options.tokenTtlMs,
      clock: options.clock,
      cacheMax: options.tokenCacheMax
    })
  }

  /** The methods switched on in the options, in the order the methods list shows them. */
  get methods (): StepUpMethodModule[] {
    return [...this.#methods.values()]
  }

  get enabledMethods (): StepUpMethod[] {
    return [...this.#methods.keys()]
  }

  /**
   * A key of its own, from the plugin secret, for a purpose outside the engine (the LoginRadius
   * challenge ids). The engine's own purposes are refused: no one else gets its keys.
   */
  deriveKey (purpose: string): Buffer {
    if (ENGINE_KEY_PURPOSES.includes(purpose)) throw new Error(`The "${purpose}" key is the engine's own`)
    return deriveKey(this.#options.secret, purpose)
  }

  /**
   * The store, failing closed like every store call of the engine's (a 503, never "no record"): for
   * the factor service's own state (pending enrollments, its change lock).
   */
  get store (): StepUpStore {
    return this.#store
  }

  /** Reports an event as the engine's own are reported: to `onEvent` and the request's log. */
  emit (audit: Audit | undefined, event: StepUpEvent): void {
    this.#emit(audit, event)
  }

  /**
   * A guess that is not a step-up (the first code of an enrollment, a passkey registration) under
   * the same lockout as a step-up's: refused while the user is locked, counted before it is checked,
   * and kept when wrong (which may lock); a right one gives back its own guess and nothing else.
   * `check` resolves with the error for a wrong answer, or undefined for a right one. `call` is the
   * request's: its log, and where it came from and its language for a notification a wrong one sends.
   */
  async countGuess (method: StepUpMethod, user: StepUpUser, call: CallOptions, check: () => Promise<Error | undefined>): Promise<void> {
    const guess = await this.#countGuess(user, method, call)
    const wrong = await check()
    if (wrong) throw await this.#wrongGuess(user, guess, wrong)
    await this.#giveBack(user, guess)
  }

  /** The texts for people, in their languages (the built-in catalogs under the `locales` option). */
  get texts (): Translator {
    return this.#options.texts
  }

  /** The configured level names, weakest first. */
  get levels (): string[] {
    return this.#levels.map((level) => level.name)
  }

  /** The methods this user can use right now: masked destinations for codes, questions for answers. */
  async availableMethods (user: StepUpUser, audit?: Audit): Promise<AvailableMethod[]> {
    const available: AvailableMethod[] = []
    for (const module of this.#methods.values()) {
      if (module.kind !== 'otp') {
        const details = await module.available(user)
        if (details) available.push({ method: module.method, ...details })
        continue
      }
      const destinations = this.#destinations(module, user, audit)
      if (destinations.length > 0) {
        available.push({
          method: module.method,
          destinations: destinations.map((destination) => ({
            id: destinationId(this.#keys.destination, user.id, module.normalize(destination)),
            masked: module.mask(destination)
          }))
        })
      }
    }
    return available
  }

  /** Sends a one-time code and records the challenge. Nothing usable is left behind if sending fails. */
  async startChallenge (method: StepUpMethod, user: StepUpUser, target: ChallengeTarget, call: CallOptions = {}): Promise<StartedChallenge> {
    const channel = this.#channel(method, user, call.audit)
    const destination = this.#pickDestination(channel, user, target)
    const o = this.#options
    // The code's language is the summary's: the mail or text message says it all in one language.
    const locale = o.texts.pick(user.locale, call.acceptLanguage)
    // Before anything is counted: data the action's wording refuses is the client's mistake (400).
    const summary = call.action ? summarize(o.actions, call.action, { texts: o.texts, locale }) : undefined

    const store = this.#store
    const cooldownKey = stateKey('cooldown', user.id, method, channel.normalize(destination))
    const challengeId = call.challengeId ?? randomId()
    const storeId = challengeKey(user.id, challengeId)
    const action = boundAction(call.action)
    const code = generateCode(o.codeLength)
    // One round trip: not locked, the cooldown set, the send counted, the challenge made.
    const started = await store.startSend({
      lock: stateKey('lock', user.id),
      cooldown: { key: cooldownKey, ttlMs: o.resendCooldownMs },
      // A random entry, not the challenge id: the compatible routes reuse one id for every resend.
      log: { key: stateKey('sends', user.id), entry: randomId(), max: o.sendLimitMax, ttlMs: o.sendLimitWindowMs },
      challenge: {
        id: storeId,
        record: {
          userId: user.id,
          sessionId: user.sessionId,
          method,
          destination,
          codeHash: hashCode(this.#keys.code, challengeId, code),
          attempts: 0,
          expiresAt: o.clock.now() + o.codeTtlMs,
          consumed: false,
          ...(action ? { action } : {})
        },
        ttlMs: o.codeTtlMs * 2 // kept twice as long as the code lives, so a late code hears "expired"
      }
    }).catch(async (err: unknown) => {
      // A failed send must not stop the user from trying again at once. Which step failed is not
      // known here (a remote script may have run whole), so the cooldown goes whatever set it: at
      // worst another send's ends early, on a store failing anyway; the send log still caps sends.
      await store.delete(cooldownKey).catch(ignore)
      throw err
    })
    this.#refuseSend(started, user, method, call.audit)
    try {
      await channel.deliver({ user, destination, code, ttlMs: o.codeTtlMs, action: call.action, summary, smsText: call.smsText, locale })
    } catch (cause) {
      // Nothing usable is left behind, and the user may ask again at once.
      try {
        await store.deleteChallenge(storeId)
      } finally {
        await store.delete(cooldownKey).catch(ignore)
      }
      throw new FST_STEP_UP_SEND_FAILED({ cause })
    }
    const masked = channel.mask(destination)
    this.#emit(call.audit, {
      type: 'challenge.sent',
      userId: user.id,
      sessionId: user.sessionId,
      method,
      challengeId,
      destination: masked,
      ...(action ? { action: action.name } : {})
    })
    return {
      challengeId,
      expiresIn: Math.ceil(o.codeTtlMs / 1000),
      resendIn: Math.ceil(o.resendCooldownMs / 1000),
      destination: masked,
      ...(summary === undefined ? {} : { summary })
    }
  }

  /**
   * Checks a code. The attempt is counted before the code is compared, so concurrent guesses can
   * never get more comparisons than the cap; only one caller can consume a challenge.
   */
  async verifyChallenge (method: StepUpMethod, user: StepUpUser, challengeId: string, code: string, call: CallOptions = {}): Promise<IssuedToken> {
    return this.#failures(method, user, call.audit, async () => {
      const o = this.#options
      const storeId = challengeKey(user.id, challengeId)
      // One round trip: not locked, the challenge pending, the guess counted on the user and on it.
      const guess = await this.#countGuess(user, method, call, {
        challenge: { id: storeId, userId: user.id, sessionId: user.sessionId, method, now: o.clock.now(), maxAttempts: o.maxAttempts, then: 'count' }
      })
      const found = guess.begun.challenge!
      await this.#refuseOtherAction(user, guess, storeId, call.action, found.action)
      const counted = guess.begun.after
      // Every refusal of a counted guess goes through #wrongGuess, so whichever one fills the
      // failure log sets the lock (and tells the user), not only a wrong code.
      if (!counted) throw await this.#wrongGuess(user, guess, new FST_STEP_UP_CODE_EXPIRED())
      if (counted.attempts > o.maxAttempts) throw await this.#wrongGuess(user, guess, new FST_STEP_UP_ATTEMPTS_EXHAUSTED())

      if (!codeMatches(this.#keys.code, challengeId, code, counted.codeHash)) {
        throw await this.#wrongGuess(user, guess,
          counted.attempts >= o.maxAttempts ? new FST_STEP_UP_ATTEMPTS_EXHAUSTED() : new FST_STEP_UP_CODE_INVALID())
      }
      // The second round trip: the challenge consumed and the guess given back.
      if (!await this.#giveBack(user, guess, { challenge: storeId })) throw await this.#wrongGuess(user, guess, new FST_STEP_UP_CODE_USED())
      return this.#succeed(user, guess, method, (this.#methods.get(method) as OtpChannel).amr, counted.action, call.audit)
    })
  }

  /**
   * Checks a credential given in one request (TOTP, backup code, password, PIN, answers). Like a
   * code, it counts against the user before it is checked, and a wrong one toward the lockout.
   */
  async verifyCredential (method: StepUpMethod, user: StepUpUser, body: Record<string, unknown>, call: CallOptions = {}): Promise<IssuedToken> {
    return this.#failures(method, user, call.audit, async () => {
      const module = this.#methods.get(method) as CheckMethod
      if (!await module.available(user)) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
      const o = this.#options
      // A knowledge factor's answer also takes a slot in `knowledgeLimit` before it is checked, so a
      // known password cannot mint tokens without end. Over the limit the guess is given back unchecked.
      const knowledgeKey = stateKey('knowledge', user.id)
      const guess = await this.#countGuess(user, method, call, module.knowledge
        ? { knowledge: { key: knowledgeKey, max: o.knowledgeLimitMax, ttlMs: o.knowledgeLimitWindowMs } }
        : {})
      const result = await module.check(user, body, o.clock.now())
      if (!result.ok) {
        // A wrong answer is a failure, not a step-up: it gives its knowledge slot back.
        throw await this.#wrongGuess(user, guess, module.wrong(), module.knowledge ? { giveBack: [{ key: knowledgeKey, entry: guess.entry }] } : {})
      }
      if (!await this.#giveBack(user, guess, result.once && { advance: result.once })) throw await this.#wrongGuess(user, guess, new FST_STEP_UP_CODE_USED())
      return this.#succeed(user, guess, method, module.amr, boundAction(call.action), call.audit)
    })
  }

  /**
   * Starts a ceremony (a passkey's): a random challenge, stored like a code's (bound to this user,
   * session and method, single use, living `codes.ttl`) as an HMAC, and the options the client needs
   * to answer it. Like code sends (but counted apart from them), at most `sendLimit.max` per user in
   * `sendLimit.window`, so a client cannot flood the store with challenges.
   */
  async beginCeremony (method: StepUpMethod, user: StepUpUser, call: CallOptions = {}): Promise<StartedCeremony> {
    const module = this.#methods.get(method) as CeremonyMethod
    if (!await module.available(user)) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
    const o = this.#options
    // In the language a code mail would be in: the client shows it before the user signs.
    const summary = call.action ? summarize(o.actions, call.action, { texts: o.texts, locale: o.texts.pick(user.locale, call.acceptLanguage) }) : undefined
    const challengeId = randomId()
    const action = boundAction(call.action)
    // For an action, the challenge names it (see transactionChallenge): the signature covers it.
    const challenge = action ? transactionChallenge(Buffer.from(randomId(), 'base64url'), action) : randomChallenge()
    // Made before the store is asked (they need no store), so the store is asked once.
    const options = await module.options(user, challenge, o.codeTtlMs)
    const started = await this.#store.startSend({
      lock: stateKey('lock', user.id),
      log: { key: stateKey('ceremonies', user.id), entry: randomId(), max: o.sendLimitMax, ttlMs: o.sendLimitWindowMs },
      challenge: {
        id: challengeKey(user.id, challengeId),
        record: {
          userId: user.id,
          sessionId: user.sessionId,
          method,
          destination: '',
          codeHash: hashCode(this.#keys.code, challengeId, challenge),
          attempts: 0,
          expiresAt: o.clock.now() + o.codeTtlMs,
          consumed: false,
          ...(action ? { action } : {})
        },
        ttlMs: o.codeTtlMs * 2 // as for codes: a late answer hears "expired"
      }
    })
    this.#refuseSend(started, user, method, call.audit)
    this.#emit(call.audit, {
      type: 'ceremony.started',
      userId: user.id,
      sessionId: user.sessionId,
      method,
      challengeId,
      ...(action ? { action: action.name } : {})
    })
    return { challengeId, expiresIn: Math.ceil(o.codeTtlMs / 1000), options, ...(summary === undefined ? {} : { summary }) }
  }

  /**
   * Checks the answer to a ceremony's challenge. The guess is counted against the user, and the
   * challenge consumed, before the answer is checked: each challenge takes one answer, right or
   * wrong, so a replayed or concurrent answer is refused.
   */
  async verifyCeremony (method: StepUpMethod, user: StepUpUser, challengeId: string, answer: unknown, call: CallOptions = {}): Promise<IssuedToken> {
    return this.#failures(method, user, call.audit, async () => {
      const storeId = challengeKey(user.id, challengeId)
      // One round trip: not locked, the challenge pending, the guess counted, the challenge consumed.
      const guess = await this.#countGuess(user, method, call, {
        challenge: { id: storeId, userId: user.id, sessionId: user.sessionId, method, now: this.#options.clock.now(), then: 'consume' }
      })
      const found = guess.begun.challenge!
      if (!guess.begun.after) throw await this.#wrongGuess(user, guess, new FST_STEP_UP_CODE_USED())
      await this.#refuseOtherAction(user, guess, undefined, call.action, found.action)
      const module = this.#methods.get(method) as CeremonyMethod
      // The challenge signed must be the one issued, and its digest part must name the action the
      // challenge was started for: an assertion over another transaction's challenge proves nothing here.
      const result = await module.check(user, answer, (challenge) =>
        codeMatches(this.#keys.code, challengeId, challenge, found.codeHash) && challengeNamesAction(challenge, found.action))
      if (!result.ok) throw await this.#wrongGuess(user, guess, result.error)
      await this.#giveBack(user, guess)
      return this.#succeed(user, guess, method, result.amr, found.action, call.audit, result.phishingResistance)
    })
  }

  /**
   * The one token check, whoever asks: the guard, `POST /token/verify`, `verifyToken` and the
   * compatible routes. Checks a token for this user and session against a requirement; `call.data`
   * is the request's key fields when the requirement binds them. Returns the claims at once when
   * nothing must be waited for (a token in the cache or an HS256 token, for a requirement that does
   * not spend it: the guard's common case), else a promise of them (a key-pair token jose must
   * verify, or a single-use token the store must spend). A refusal is thrown, or the promise rejects:
   * a 401 step-up error, or a 503 when a single-use token cannot be spent. The token cache is looked
   * up once per check.
   */
  checkToken (token: string | undefined, user: TokenSubject, requirement: ResolvedRequirement, call: TokenCall = {}): StepUpClaims | Promise<StepUpClaims> {
    let claims: StepUpClaims | undefined
    try {
      if (token === undefined || token === '') throw new FST_STEP_UP_TOKEN_MISSING()
      const now = this.#options.clock.now()
      const read = this.#tokens.read(token, now)
      if (read instanceof Promise || requirement.singleUse) return this.#checkLater(read, user, requirement, call, now)
      claims = read
      this.#checkClaims(claims, user, requirement, call, now)
      return claims
    } catch (err) {
      throw this.#tokenRejected(err, user, claims, call)
    }
  }

  /** The rest of a check that waits: for jose to verify the token, or for the store to spend it. */
  async #checkLater (read: StepUpClaims | Promise<StepUpClaims>, user: TokenSubject, requirement: ResolvedRequirement, call: TokenCall, now: number): Promise<StepUpClaims> {
    let claims: StepUpClaims | undefined
    try {
      claims = await read
      this.#checkClaims(claims, user, requirement, call, now)
      // Spent last, so a token refused for another reason is not spent.
      if (requirement.singleUse && !await this.#store.markOnce(stateKey('jti', claims.jti), Math.max(1, claims.exp * 1000 - now))) {
        throw new FST_STEP_UP_TOKEN_USED()
      }
      return claims
    } catch (err) {
      throw this.#tokenRejected(err, user, claims, call)
    }
  }

  /** The verified-token cache: hits, misses (full checks) and entries held. */
  tokenCacheStats (): { hits: number, misses: number, size: number } {
    return this.#tokens.cacheStats()
  }

  #checkClaims (claims: StepUpClaims, user: TokenSubject, requirement: ResolvedRequirement, call: TokenCall, nowMs: number): void {
    if (claims.sub !== user.id || (claims.sid !== user.sessionId && call.anySession !== true)) throw new FST_STEP_UP_TOKEN_INVALID()
    checkRequirement(claims, requirement, this.#amrSets, nowMs, call.data)
  }

  readonly #amrSets = (method: StepUpMethod): ReadonlyArray<readonly string[]> => amrSetsOf(this.#methods.get(method)!)

  /** Records a refused token (a missing one is not news) and hands the error back to throw. */
  #tokenRejected (err: unknown, user: TokenSubject, claims: StepUpClaims | undefined, call: TokenCall): unknown {
    if (isStepUpError(err) && err.code !== 'FST_STEP_UP_TOKEN_MISSING') {
      this.#emit(call.audit, {
        type: 'token.rejected',
        userId: user.id,
        sessionId: user.sessionId,
        code: err.code,
        ...(claims ? { jti: claims.jti } : {})
      })
    }
    return err
  }

  resolveRequirement (requirement: StepUpRequirement | true | undefined): ResolvedRequirement {
    const { profile } = this.#options
    const idleLimit = profile === undefined ? undefined : IDLE_LIMIT_MS[profile]
    return resolveRequirement(requirement, {
      maxAgeMs: this.#options.maxAgeMs,
      enabledMethods: this.enabledMethods,
      levels: this.#levels,
      phishingResistant: profile === 'nist-aal3' ? 'hardware' : undefined,
      maxAgeLimit: idleLimit === undefined ? undefined : { ms: idleLimit, quote: reauthenticationQuote(profile!) }
    })
  }

  /** What would satisfy a requirement for this user: the methods they have that it accepts, and more. */
  async describe (user: StepUpUser, requirement: ResolvedRequirement): Promise<RequirementHint> {
    const methods = (await this.availableMethods(user))
      .map(({ method }) => method)
      .filter((method) => !requirement.methods || requirement.methods.includes(method))
    return {
      methods,
      maxAge: Math.floor(requirement.maxAgeMs / 1000),
      ...(requirement.level === undefined ? {} : { level: requirement.level }),
      ...(requirement.acrValues === undefined ? {} : { acrValues: [...requirement.acrValues] }),
      ...(requirement.phishingResistant === undefined ? {} : { phishingResistant: requirement.phishingResistant }),
      ...(requirement.action === undefined ? {} : { action: requirement.action })
    }
  }

  #channel (method: StepUpMethod, user: StepUpUser, audit: Audit | undefined): OtpChannel {
    const channel = this.#methods.get(method) as OtpChannel
    if (this.#destinations(channel, user, audit).length === 0) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
    return channel
  }

  /**
   * The user's destinations for a channel: each exactly one address, each once however the profile
   * spells it. What is left out is reported to `audit` (and onEvent), unless `audit` is false.
   */
  #destinations (channel: OtpChannel, user: StepUpUser, audit: Audit | undefined | false): string[] {
    // Said without the entry itself: it may be header text meant for someone's log.
    return distinctDestinations(channel, channel.destinations(user), audit === false
      ? undefined
      : () => {
          this.#emit(audit, { type: 'destination.skipped', userId: user.id, sessionId: user.sessionId, method: channel.method, reason: 'not-one-address' })
        })
  }

  #pickDestination (channel: OtpChannel, user: StepUpUser, target: ChallengeTarget): string {
    const destinations = this.#destinations(channel, user, false) // #channel has reported what it skipped
    const wanted = target.destination === undefined ? undefined : channel.normalize(target.destination)
    const match = destinations.find((destination) => {
      const normal = channel.normalize(destination)
      return wanted !== undefined
        ? normal === wanted
        : destinationId(this.#keys.destination, user.id, normal) === target.destinationId
    })
    if (match === undefined) throw new FST_STEP_UP_DESTINATION_NOT_ALLOWED()
    return match
  }

  /**
   * Why a challenge cannot take a guess, as the engine tells it: another user's or session's
   * challenge (or another method's) looks exactly like one that does not exist; then used, expired,
   * out of attempts (the store stops a guess for exactly these).
   */
  #notPending (found: ChallengeRecord | undefined, method: StepUpMethod, user: StepUpUser, now: number): Error {
    if (!found || found.userId !== user.id || found.sessionId !== user.sessionId || found.method !== method) {
      return new FST_STEP_UP_CHALLENGE_NOT_FOUND()
    }
    if (found.consumed) return new FST_STEP_UP_CODE_USED()
    if (now >= found.expiresAt) return new FST_STEP_UP_CODE_EXPIRED()
    return new FST_STEP_UP_ATTEMPTS_EXHAUSTED()
  }

  /**
   * A verification that names an action (`given`) other than the one its challenge was started for
   * is a wrong guess: the challenge is spent (a code seen for one transaction never approves
   * another; `consume` names it when the guess did not consume it already) and the guess stays
   * counted toward the lockout.
   */
  async #refuseOtherAction (user: StepUpUser, guess: Guess, consume: string | undefined, given: ActionInput | undefined, started: StepUpAction | undefined): Promise<void> {
    if (given === undefined || sameAction(boundAction(given)!, started)) return
    throw await this.#wrongGuess(user, guess, new FST_STEP_UP_ACTION_MISMATCH(), consume === undefined ? {} : { spend: { challenge: consume } })
  }

  /** The refusal of a locked user, reported as an event. */
  #locked (user: StepUpUser, method: StepUpMethod, audit: Audit | undefined, left: number): Error {
    this.#emit(audit, { type: 'user.locked', userId: user.id, sessionId: user.sessionId, method, retryAfter: Math.ceil(left / 1000) })
    return withRetryAfter(new FST_STEP_UP_LOCKED(), left)
  }

  /** The error for a send (or a ceremony's start) the store refused, if it did. */
  #refuseSend (started: SendStarted, user: StepUpUser, method: StepUpMethod, audit: Audit | undefined): void {
    switch (started.refused) {
      case 'lock': throw this.#locked(user, method, audit, started.retryMs)
      case 'cooldown': throw withRetryAfter(new FST_STEP_UP_RESEND_TOO_SOON(), started.retryMs)
      case 'log': throw withRetryAfter(new FST_STEP_UP_SEND_LIMIT(), started.retryMs)
    }
  }

  /** Runs a verification and reports its refusal (never a code or what was typed) as an event. */
  async #failures (method: StepUpMethod, user: StepUpUser, audit: Audit | undefined, verify: () => Promise<IssuedToken>): Promise<IssuedToken> {
    try {
      return await verify()
    } catch (err) {
      if (isStepUpError(err) && err.statusCode < 500) {
        this.#emit(audit, { type: 'verification.failed', userId: user.id, sessionId: user.sessionId, method, code: err.code })
      }
      throw err
    }
  }

  /**
   * Counts a guess in the user's failure log before it is checked, so even concurrent guesses never
   * get more checks than the lockout allows, in one round trip with what goes with it: the lock
   * check before, and the knowledge slot or the challenge's count (or consumption) after. The log
   * is a sliding window: at most `lockout.maxFailures` guesses in any `lockout.window`, however they
   * are timed. A full log refuses the guess unchecked (one in flight with the guess that locked is
   * refused too).
   */
  async #countGuess (user: StepUpUser, method: StepUpMethod, call: CallOptions, with_: Pick<GuessStart, 'knowledge' | 'challenge'> = {}): Promise<Guess> {
    const o = this.#options
    const entry = randomId()
    const begun = await this.#store.beginGuess({
      lock: stateKey('lock', user.id),
      failures: { key: stateKey('failures', user.id), entry, max: o.lockoutMaxFailures, ttlMs: o.lockoutWindowMs },
      ...with_
    })
    switch (begun.refused) {
      case 'lock': throw this.#locked(user, method, call.audit, begun.retryMs)
      case 'challenge': throw this.#notPending(begun.challenge, method, user, with_.challenge!.now)
      case 'failures': throw withRetryAfter(new FST_STEP_UP_LOCKED(), begun.retryMs)
      case 'knowledge': throw withRetryAfter(new FST_STEP_UP_VERIFY_LIMIT(), begun.retryMs)
    }
    return { entry, count: begun.count, begun, method, call }
  }

  /**
   * A right guess gives back its own guess, after `spend` (a challenge consumed, an authenticator
   * step raised), in one round trip; false when `spend` was refused (the guess then stays counted).
   * Without `spend`, a store that fails here does not change the answer: the proof is made, and at
   * worst the guess runs out with its window.
   */
  async #giveBack (user: StepUpUser, guess: Guess, spend?: GuessEnd['spend']): Promise<boolean> {
    const end = this.#store.endGuess({ ...(spend ? { spend } : {}), giveBack: [{ key: stateKey('failures', user.id), entry: guess.entry }] })
    if (spend) return (await end).spent
    await end.catch(ignore)
    return true
  }

  /**
   * The error for a refused guess (wrong, replayed, or at a challenge spent or used up): the lock
   * when it filled the log, else `wrong`. The guess stays
   * counted. What `end` asks (a knowledge slot given back, a challenge spent) is done in the same
   * round trip as the lock. The user is told (notifications): of repeated failures, or of the lock.
   */
  async #wrongGuess (user: StepUpUser, guess: Guess, wrong: Error, end: GuessEnd = {}): Promise<Error> {
    const o = this.#options
    const lock = guess.count >= o.lockoutMaxFailures
    if (lock || end.spend) {
      const { lockedMs } = await this.#store.endGuess({ ...end, ...(lock ? { lock: { key: stateKey('lock', user.id), ttlMs: o.lockoutDurationMs } } : {}) })
      if (lock) {
        this.#notify(user, guess.call, { kind: 'locked', method: guess.method, minutes: Math.ceil(o.lockoutDurationMs / 60_000) })
        return withRetryAfter(new FST_STEP_UP_LOCKED(), lockedMs)
      }
    } else if (end.giveBack) {
      // A knowledge slot given back: its failure changes no answer.
      await this.#store.endGuess(end).catch(ignore)
    }
    this.#notify(user, guess.call, { kind: 'failures', method: guess.method, count: guess.count })
    return wrong
  }

  /** Starts a notification beside the request (never awaited, never thrown: see lib/notify/notifier.ts). */
  #notify (user: StepUpUser, call: CallOptions, fact: NotificationFact): void {
    this.notifier?.notify(user, fact, { audit: call.audit, client: call.client, acceptLanguage: call.acceptLanguage })
  }

  /**
   * A success gives back its own guess and nothing else: failures of any method (this one or
   * another) are forgotten only when their window passes, so knowing one factor never buys
   * guesses at another.
   */
  async #succeed (
    user: StepUpUser,
    guess: Guess,
    method: StepUpMethod,
    amr: readonly string[],
    action: StepUpAction | undefined,
    audit: Audit | undefined,
    phishingResistance?: PhishingResistance
  ): Promise<IssuedToken> {
    // The guess was given back by the caller (#giveBack).
    // The strongest level that lists the method and whose phishing resistance the step-up meets
    // (levels are given weakest first). A passkey that reaches none says how phishing-resistant it
    // was instead (OpenID Connect EAP: `phr`, or `phrh` for a device-bound key), so a route can ask.
    const acr = this.#levels.findLast((level) => level.methods.includes(method) && meets(level.phishingResistant, phishingResistance))?.acr ??
      phishingResistance
    const issued = await this.#tokens.issue(user, { amr, acr, action })
    this.#notify(user, guess.call, { kind: 'new-device', method })
    const base = { userId: user.id, sessionId: user.sessionId, method }
    this.#emit(audit, { type: 'verification.succeeded', ...base })
    this.#emit(audit, {
      type: 'token.issued',
      ...base,
      jti: issued.claims.jti,
      ...(acr === undefined ? {} : { acr }),
      ...(action ? { action: action.name } : {})
    })
    return issued
  }

  /** To the app's onEvent (whose errors must not change the outcome) and the adapter's log. */
  #emit (audit: Audit | undefined, event: StepUpEvent): void {
    try {
      this.#options.onEvent?.(event)
    } catch {}
    audit?.(event)
  }
}
