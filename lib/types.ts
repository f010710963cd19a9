import type { KeyOptions } from './core/keys.js'
import type { FactorChange, FactorOption } from './factors/types.js'
import type { Duration } from './duration.js'
import type { StepUpErrorCode } from './errors.js'
import type { LocaleOptions } from './i18n/translator.js'
import type { NotificationEvent } from './notify/kinds.js'
import type { NotificationOptions } from './notify/options.js'
import type { StepUpMethod } from './methods/catalog.js'
import type { StepUpProfile } from './profiles/requirements.js'
import type { MethodOptions } from './methods/registry.js'
import type { Clock, StepUpStore } from './stores/store.js'
import type { StepUpActionsOption } from './core/summary.js'

export type { StepUpMethod, StepUpProfile }

/** The step-up factors a user has enrolled, as the app records them. */
export interface StepUpFactors {
  /** The email authenticator is enrolled: needed for email codes when `email.mode` is `'mfa'`. */
  email?: boolean
  /** The SMS authenticator is enrolled: needed for SMS codes when `sms.mode` is `'mfa'`. */
  sms?: boolean
  /** An authenticator app is enrolled (the app keeps its secret; see `totp.getSecret`). */
  totp?: boolean
  /** The user has unused backup codes. */
  backupCodes?: boolean
  /** The user has a password. Assumed unless false (say, for a user who only signs in through a provider). */
  password?: boolean
  /** The user has set a PIN. */
  pin?: boolean
}

/** What the plugin needs to know about the logged-in user. The app owns users; this is a view. */
export interface StepUpUserBase {
  /** The user id; becomes the token's `sub`. */
  id: string
  /** The current login session; becomes the token's `sid`, so a token dies with its session. */
  sessionId: string
  /** Verified email addresses on the profile. Only these can receive codes. */
  emails?: readonly string[]
  /** Verified phone numbers on the profile. Only these can receive SMS codes. */
  phones?: readonly string[]
  /** Enrolled step-up factors. */
  factors?: StepUpFactors
  /**
   * The user's language (a BCP 47 tag: `fr`, `de-AT`): the mails and texts they get are written in
   * it when a catalog has it or its language; else in their browser's (Accept-Language), else in the default.
   */
  locale?: string
}

/**
 * Augment this to give `getUser` (and every callback that receives the user) your own user type:
 * `declare module 'fastify-step-up' { interface StepUpTypes { user: MyUser } }`
 */
export interface StepUpTypes {}

export type StepUpUser = StepUpTypes extends { user: infer U } ? U & StepUpUserBase : StepUpUserBase

/** What a route asks of a step-up. */
export interface StepUpRequirement<Request = any> {
  /** How long ago the step-up may have happened, from its `auth_time`. Default: the level's, else the plugin's `maxAge`. */
  maxAge?: Duration
  /** Methods whose tokens are accepted. Default: any enabled method. */
  methods?: readonly StepUpMethod[]
  /** A level named in the `levels` option: tokens of that level or a higher one are accepted. */
  level?: string
  /** Only a step-up made for this action is accepted (and a token bound to an action only where that action is asked). */
  action?: string
  /**
   * The request's key fields (a payment's amount and payee): the token must have been made for the
   * same data. Needs the body, so the guard runs as a preHandler hook (Fastify) or after the body parser.
   */
  actionData?: (request: Request) => unknown
  /** Accept each token once, across every instance sharing the store. */
  singleUse?: boolean
  /**
   * Only a passkey's token (amr `pop`) is accepted; `'hardware'`: only a device-bound passkey's (acr
   * `phrh`, or a level that demands `'hardware'`), never a synced one. Needs passkeys enabled.
   */
  phishingResistant?: true | 'hardware'
}

/** The action a step-up was made for: its name, and the hash of its key fields when given. */
export interface StepUpAction {
  name: string
  /** base64url SHA-256 of the canonical JSON of the key fields. */
  hash?: string
}

/** A level of assurance: the methods that reach it, and the `acr` value tokens of that level carry. */
export interface LevelOptions {
  /** Default: the level's name. */
  acr?: string
  methods: readonly StepUpMethod[]
  /** Default freshness for routes that ask for this level. */
  maxAge?: Duration
  /**
   * Reached only by a phishing-resistant step-up (a passkey, `true`) or a device-bound one
   * (`'hardware'`); a synced passkey then reaches the next lower level it qualifies for.
   */
  phishingResistant?: true | 'hardware'
  /** A standard this level must meet (see docs/profiles.md): its checks and defaults apply to this level. */
  profile?: StepUpProfile
}

/** The verified claims of a second-factor token; `request.stepUp` after the guard passes. */
export interface StepUpClaims {
  iss: string
  aud: string | string[]
  /** User id. */
  sub: string
  /** Session id the step-up happened in. */
  sid: string
  jti: string
  iat: number
  exp: number
  /** When the step-up happened (seconds since the epoch). Never extended. */
  auth_time: number
  /** RFC 8176 method references, e.g. `['otp', 'email']`. */
  amr: string[]
  /** The level reached (OpenID Connect), when levels are configured. */
  acr?: string
  /** The action the step-up was made for, when it was made for one. */
  action?: StepUpAction
}

/** What happened, for an audit trail. Never carries a code, a secret or a whole token. */
export type StepUpEvent =
  | { type: 'challenge.sent', userId: string, sessionId: string, method: StepUpMethod, challengeId: string, destination: string, action?: string }
  | { type: 'ceremony.started', userId: string, sessionId: string, method: StepUpMethod, challengeId: string, action?: string }
  | { type: 'verification.succeeded', userId: string, sessionId: string, method: StepUpMethod }
  | { type: 'verification.failed', userId: string, sessionId: string, method: StepUpMethod, code: StepUpErrorCode }
  | { type: 'user.locked', userId: string, sessionId: string, method: StepUpMethod, retryAfter: number }
  | { type: 'token.issued', userId: string, sessionId: string, method: StepUpMethod, jti: string, acr?: string, action?: string }
  | { type: 'token.rejected', userId: string, sessionId: string, code: StepUpErrorCode, jti?: string }
  /** A profile entry that is not exactly one address (or one number) was left out; the entry itself is never in the event. */
  | { type: 'destination.skipped', userId: string, sessionId: string, method: StepUpMethod, reason: 'not-one-address' }
  /** The store refused new state because it is full (a MemoryStore at `maxEntries`): the request got a 503. */
  | { type: 'store.full', operation: string }
  /** A change to the user's factors (factor management): `factor.added`, `factor.removed`, `backup-codes.renewed`, `pin.changed`. */
  | FactorChange
  /** A security notification went out, or failed (never its text). */
  | NotificationEvent

export interface CodeOptions {
  /** Digits per code, 6 to 10. Default 6. */
  length?: number
  /** How long a code is valid. Default `'5m'`, at most `'10m'`. */
  ttl?: Duration
  /** Guesses per challenge before it is dead. Default 5. */
  maxAttempts?: number
  /** Wait between two sends to the same destination. Default `'30s'`. */
  resendCooldown?: Duration
}

export interface SendLimitOptions {
  /** Codes sent per user per window. Default 10. */
  max?: number
  /** Default `'1h'`. */
  window?: Duration
}

export interface LockoutOptions {
  /** Failed verifications per user (all challenges together) that lock step-up. Default 10. */
  maxFailures?: number
  /** The window the failures are counted in. Default `'15m'`. */
  window?: Duration
  /** How long step-up stays locked. Default `'15m'`. */
  duration?: Duration
}

export interface KnowledgeLimitOptions {
  /** Successful step-ups with a knowledge factor (password, PIN, security questions) per user per window. Default 10. */
  max?: number
  /** A sliding window: the limit holds in every interval this long. Default `'15m'`. */
  window?: Duration
}

/**
 * Options shared by every adapter; `Request` is the framework's request type. Each method's option
 * (`email`, `totp`, `backupCodes`, ...) comes from its folder, through the registry (MethodOptions).
 */
export interface StepUpOptions<Request> extends MethodOptions, FactorOption {
  /** Signs tokens and keys the code HMACs. At least 32 bytes; keep it out of source control. */
  secret: string | Buffer
  /** Who is logged in: return null or undefined when nobody is. May be async. */
  getUser: (request: Request) => StepUpUser | null | undefined | Promise<StepUpUser | null | undefined>
  /** Where the routes live. Default `'/step-up'`. */
  prefix?: string
  /** The header the guard reads the token from. Default `'x-step-up-token'`. */
  tokenHeader?: string
  /** Token `iss`. Default `'fastify-step-up'`. */
  issuer?: string
  /** Token `aud`. Default `'fastify-step-up'`. */
  audience?: string
  /** Token lifetime. Default `'5m'`. */
  tokenTtl?: Duration
  /** Default freshness a route asks for when its requirement names none. Default: `tokenTtl`. */
  maxAge?: Duration
  codes?: CodeOptions
  sendLimit?: SendLimitOptions
  lockout?: LockoutOptions
  /** Caps tokens made with a knowledge factor, so a known password is not an unlimited token mint. */
  knowledgeLimit?: KnowledgeLimitOptions
  /**
   * Remember up to `max` verified tokens (default 10,000), so a token's signature is checked once,
   * not on every request; false turns it off. Expiry, user, session, requirement and single use are
   * checked on every request either way.
   */
  tokenCache?: { max?: number } | false
  /** Levels of assurance, weakest first; a token reaches the strongest level that lists its method. */
  levels?: Record<string, LevelOptions>
  /** Sign tokens with a key pair (EdDSA or ES256) instead of HS256, and publish the public keys. */
  keys?: KeyOptions
  /**
   * The languages of the texts a person gets (code mails and texts): English, French, German and
   * Spanish built in; reword any text, or add a language, per key. See docs/languages.md.
   */
  locales?: LocaleOptions
  /**
   * Security notifications to the user (failed step-ups, a lockout, factor changes, optionally a new
   * device), by email where email codes are on; `false` turns them all off. See docs/notifications.md.
   */
  notifications?: NotificationOptions | false
  /** Receives every audit event. It must not throw (what it throws is ignored). */
  onEvent?: (event: StepUpEvent) => void
  /** Where step-up state lives. Default: a new `MemoryStore`. */
  store?: StepUpStore
  /** Time source, for tests. Default `Date`. */
  clock?: Clock
  /**
   * How each named action is shown to the user who approves it (transaction signing): its summary,
   * worded from its key fields. An action not named here gets a summary that lists its fields, in
   * the words of the catalogs' `action.summary` in the user's language (see docs/languages.md).
   */
  actions?: StepUpActionsOption
  /**
   * A standard the whole configuration must meet: its defaults fill what you left out, and what it
   * forbids is refused at registration (see docs/profiles.md).
   */
  profile?: StepUpProfile
  /** Log the compliance report (`stepUp.compliance()`) once at startup. Default false. */
  complianceReport?: boolean
}
