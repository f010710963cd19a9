import type { Transporter } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import type { KeyOptions } from './core/keys.js'
import type { Duration } from './duration.js'
import type { StepUpErrorCode } from './errors.js'
import type { Clock, StepUpStore } from './stores/store.js'

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
}

/**
 * Augment this to give `getUser` (and every callback that receives the user) your own user type:
 * `declare module 'fastify-step-up' { interface StepUpTypes { user: MyUser } }`
 */
export interface StepUpTypes {}

export type StepUpUser = StepUpTypes extends { user: infer U } ? U & StepUpUserBase : StepUpUserBase

/** Step-up methods: the name of each is also its route segment (`/step-up/<method>/...`). */
export type StepUpMethod = 'email' | 'sms' | 'totp' | 'backup-code' | 'password' | 'pin' | 'security-questions' | 'passkey'

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

export interface EmailTemplateContext {
  code: string
  /** The action the code confirms, with its key fields, so the mail can say what is being approved. */
  action?: { name: string, data?: unknown }
  /** Whole minutes the code stays valid. */
  expiresInMinutes: number
  /** The user the code is for. */
  user: StepUpUser
}

export interface EmailOptions {
  /**
   * `'profile'` (default): any verified address on the profile can receive a code (the reference's
   * "email OTP without MFA"). `'mfa'`: only users with `factors.email` enrolled may use email.
   */
  mode?: 'profile' | 'mfa'
  /** The sender address. */
  from: string
  /** A nodemailer transporter, or options/URL for nodemailer's SMTP transport. */
  transport: Transporter | SMTPTransport.Options | string
  subject?: string | ((ctx: EmailTemplateContext) => string)
  text?: (ctx: EmailTemplateContext) => string
  html?: (ctx: EmailTemplateContext) => string
}

export interface SmsMessage {
  /** The phone number, as the profile gives it. */
  to: string
  /** The code, for gateways that template the text themselves. */
  code: string
  /** The text to send. */
  text: string
  user: StepUpUser
}

export interface SmsOptions {
  /** `'profile'` (default): any verified phone. `'mfa'`: only users with `factors.sms` enrolled. */
  mode?: 'profile' | 'mfa'
  /** Sends one text message through the app's gateway. Reject when the gateway refuses. */
  send: (message: SmsMessage) => Promise<void>
  text?: (ctx: { code: string, expiresInMinutes: number, user: StepUpUser }) => string
}

export interface TotpOptions {
  /** The user's base32 secret, from the app's store (decrypt it here); null when there is none. */
  getSecret: (user: StepUpUser) => string | null | undefined | Promise<string | null | undefined>
  /** Default `'SHA1'`, which is what most authenticator apps support. */
  algorithm?: 'SHA1' | 'SHA256' | 'SHA512'
  /** Default 6. */
  digits?: 6 | 8
}

export interface BackupCodeOptions {
  /**
   * Deletes the backup code with this hash (see `hashBackupCode`) from the user's unused codes, in
   * one atomic step; resolves true if it was there. That deletion is what makes each code single use.
   */
  consume: (user: StepUpUser, hash: string) => boolean | Promise<boolean>
}

export interface PasswordOptions {
  /** True when `password` is the user's password (check it against your hash, in constant time). */
  verify: (user: StepUpUser, password: string) => boolean | Promise<boolean>
}

export interface PinOptions {
  /** True when `pin` is the user's PIN (`verifyPin` checks it against a `hashPin` hash). */
  verify: (user: StepUpUser, pin: string) => boolean | Promise<boolean>
}

export interface SecurityQuestion {
  id: string
  question: string
  /** `hashAnswer(answer)`; needed unless `verifyAnswer` is given. */
  answerHash?: string
}

export interface SecurityQuestionsOptions {
  /** The user's questions (all must be answered). */
  getQuestions: (user: StepUpUser) => readonly SecurityQuestion[] | Promise<readonly SecurityQuestion[]>
  /** Checks one answer. Default: `verifyAnswer(answer, question.answerHash)`, which normalizes case and spaces. */
  verifyAnswer?: (user: StepUpUser, question: SecurityQuestion, answer: string) => boolean | Promise<boolean>
}

/** A passkey the app keeps for a user: what `verifyPasskeyRegistration` returned, with the counter kept up to date. */
export interface PasskeyCredential {
  /** The credential id, base64url. */
  id: string
  /** The credential's public key in COSE form, base64url (or its bytes). */
  publicKey: string | Uint8Array
  /** The signature counter as last stored (0 for authenticators that do not count). */
  counter: number
  /**
   * How the browser said it reaches the authenticator (`'usb'`, `'nfc'`, `'ble'`, `'smart-card'`,
   * `'internal'`, `'hybrid'`). Passed on to the browser, and decides `hwk` or `swk` in `amr`.
   */
  transports?: readonly string[]
}

/** The relying party: the site passkeys are made for. The enrollment helpers take the same object. */
export interface PasskeyRelyingParty {
  /** The RP ID: the site's domain (or a parent domain of it), such as `'example.com'`. No scheme or port. */
  rpID: string
  /** The name browsers show when a passkey is made. Default: `rpID`. */
  rpName?: string
  /** The origin(s) pages run on, such as `'https://example.com'`: each on `rpID` or one of its subdomains. */
  origin: string | readonly string[]
  /** `'required'` (default): the authenticator must verify the user (PIN, biometrics). `'preferred'`: presence is enough. */
  userVerification?: 'required' | 'preferred'
}

export interface PasskeyOptions extends PasskeyRelyingParty {
  /** The user's registered passkeys, from the app's store; empty when there are none. */
  getCredentials: (user: StepUpUser) => readonly PasskeyCredential[] | Promise<readonly PasskeyCredential[]>
  /**
   * Stores a credential's new signature counter after a successful assertion (called only when the
   * authenticator counts, that is, the counter is above 0). Return false when the stored counter is
   * already at or above it (a conditional update): the step-up is then refused, as a cloned key would be.
   */
  updateCounter: (user: StepUpUser, credentialId: string, counter: number) => boolean | void | Promise<boolean | void>
}

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

/** What `compat.loginradius.smsTemplate` gets for the SMS code of the LoginRadius trigger call. */
export interface LoginRadiusSmsTemplateContext {
  code: string
  expiresInMinutes: number
  user: StepUpUser
  /** The `smstemplate2fa` query parameter the client sent, if any. */
  template: string | undefined
}

export interface KnowledgeLimitOptions {
  /** Successful step-ups with a knowledge factor (password, PIN, security questions) per user per window. Default 10. */
  max?: number
  /** A sliding window: the limit holds in every interval this long. Default `'15m'`. */
  window?: Duration
}

/** Routes that answer LoginRadius re-authentication clients (see "Migrating from LoginRadius"). */
export interface LoginRadiusCompatOptions {
  /** The API key clients send (`apikey` query parameter, or the `X-LoginRadius-ApiKey` header). */
  apiKey: string
  /** The API secret back ends send in `X-LoginRadius-ApiSecret` to validate tokens. At least 16 characters. */
  apiSecret: string
  /** The text of the SMS code the trigger call sends. Default: the `sms.text` option (or the built-in text). */
  smsTemplate?: (ctx: LoginRadiusSmsTemplateContext) => string
}

export interface CompatOptions {
  /** LoginRadius's re-authentication endpoints under `/identity/v2/...`. Default: off. */
  loginradius?: LoginRadiusCompatOptions | false
}

/** Options shared by every adapter; `Request` is the framework's request type. */
export interface StepUpOptions<Request> {
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
  /** Email one-time codes. Omit or pass false to turn email off. */
  email?: EmailOptions | false
  /** SMS one-time codes through the app's gateway. */
  sms?: SmsOptions | false
  /** Authenticator apps (TOTP). */
  totp?: TotpOptions | false
  /** Backup codes. */
  backupCodes?: BackupCodeOptions | false
  /** Password re-entry. */
  password?: PasswordOptions | false
  /** A PIN. */
  pin?: PinOptions | false
  /** Security questions. */
  securityQuestions?: SecurityQuestionsOptions | false
  /** Passkeys and security keys (WebAuthn). */
  passkey?: PasskeyOptions | false
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
  /** Receives every audit event. It must not throw (what it throws is ignored). */
  onEvent?: (event: StepUpEvent) => void
  /** Routes compatible with other systems' clients (off by default). */
  compat?: CompatOptions
  /** Where step-up state lives. Default: a new `MemoryStore`. */
  store?: StepUpStore
  /** Time source, for tests. Default `Date`. */
  clock?: Clock
}
