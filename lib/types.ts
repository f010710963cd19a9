import type { Transporter } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import type { Duration } from './duration.js'
import type { Clock, StepUpStore } from './stores/store.js'

/** The step-up factors a user has enrolled, as the app records them. */
export interface StepUpFactors {
  /** The email authenticator is enrolled: needed for email codes when `email.mode` is `'mfa'`. */
  email?: boolean
}

/** What the plugin needs to know about the logged-in user. The app owns users; this is a view. */
export interface StepUpUserBase {
  /** The user id; becomes the token's `sub`. */
  id: string
  /** The current login session; becomes the token's `sid`, so a token dies with its session. */
  sessionId: string
  /** Verified email addresses on the profile. Only these can receive codes. */
  emails?: readonly string[]
  /** Enrolled step-up factors. */
  factors?: StepUpFactors
}

/**
 * Augment this to give `getUser` (and every callback that receives the user) your own user type:
 * `declare module 'fastify-step-up' { interface StepUpTypes { user: MyUser } }`
 */
export interface StepUpTypes {}

export type StepUpUser = StepUpTypes extends { user: infer U } ? U & StepUpUserBase : StepUpUserBase

/** Step-up methods this version offers. */
export type StepUpMethod = 'email'

/** What a route asks of a step-up. */
export interface StepUpRequirement {
  /** How long ago the step-up may have happened, from its `auth_time`. Default: the plugin's `maxAge`. */
  maxAge?: Duration
  /** Methods whose tokens are accepted. Default: any enabled method. */
  methods?: readonly StepUpMethod[]
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
}

export interface EmailTemplateContext {
  code: string
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
  /** Email one-time codes. Omit or pass false to turn email off. */
  email?: EmailOptions | false
  /** Where step-up state lives. Default: a new `MemoryStore`. */
  store?: StepUpStore
  /** Time source, for tests. Default `Date`. */
  clock?: Clock
}
