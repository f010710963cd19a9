// Options are checked once at registration and defaulted into a fresh object, where only
// `undefined` takes the default: `email: false` turns email off, and a value out of range (a
// duration of 0, a 4-digit code) is refused rather than quietly replaced.
import { toMilliseconds } from './duration.js'
import {
  FST_STEP_UP_OPTION_GET_USER,
  FST_STEP_UP_OPTION_INVALID,
  FST_STEP_UP_OPTION_SECRET
} from './errors.js'
import { loadKeys, type KeyRing } from './core/keys.js'
import type { ResolvedLevel } from './core/policy.js'
import { resolveCompat, type ResolvedCompat } from './compat/loginradius/options.js'
import { resolveRelyingParty, type ResolvedRelyingParty } from './factors/passkey.js'
import { MemoryStore } from './stores/memory.js'
import type { Clock, StepUpStore } from './stores/store.js'
import type {
  BackupCodeOptions,
  EmailOptions,
  PasskeyOptions,
  PasswordOptions,
  PinOptions,
  SecurityQuestionsOptions,
  SmsOptions,
  StepUpOptions,
  TotpOptions
} from './types.js'

const TEN_MINUTES = 10 * 60 * 1000

export interface ResolvedOptions {
  secret: Buffer
  prefix: string
  tokenHeader: string
  issuer: string
  audience: string
  tokenTtlMs: number
  maxAgeMs: number
  codeLength: number
  codeTtlMs: number
  maxAttempts: number
  resendCooldownMs: number
  sendLimitMax: number
  sendLimitWindowMs: number
  lockoutMaxFailures: number
  lockoutWindowMs: number
  lockoutDurationMs: number
  email: EmailOptions | undefined
  sms: SmsOptions | undefined
  totp: TotpOptions | undefined
  backupCodes: BackupCodeOptions | undefined
  password: PasswordOptions | undefined
  pin: PinOptions | undefined
  securityQuestions: SecurityQuestionsOptions | undefined
  passkey: (PasskeyOptions & ResolvedRelyingParty) | undefined
  tokenCacheMax: number
  levels: ResolvedLevel[]
  keys: KeyRing | undefined
  onEvent: StepUpOptions<never>['onEvent']
  compat: ResolvedCompat
  store: StepUpStore
  clock: Clock
}

function integer (name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FST_STEP_UP_OPTION_INVALID(name, `must be a whole number from ${min} to ${max}`)
  }
  return value
}

function text (name: string, value: string | undefined, fallback: string, pattern = /^.{1,200}$/): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new FST_STEP_UP_OPTION_INVALID(name, `must be a string matching ${pattern}`)
  }
  return value
}

function checkEmail (email: StepUpOptions<never>['email']): EmailOptions | undefined {
  if (email === undefined || email === false) return undefined
  if (typeof email !== 'object' || email === null) {
    throw new FST_STEP_UP_OPTION_INVALID('email', 'must be an object or false')
  }
  if (typeof email.from !== 'string' || email.from.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('email.from', 'must be the sender address')
  }
  if (email.transport === undefined || email.transport === null) {
    throw new FST_STEP_UP_OPTION_INVALID('email.transport', 'must be a nodemailer transporter, SMTP options or an SMTP URL')
  }
  oneOf('email.mode', email.mode, ['profile', 'mfa'])
  return { ...email, mode: email.mode ?? 'profile' }
}

/** A method's options: off (undefined or false), or an object whose callbacks are functions. */
function checkMethod<T extends object> (name: string, value: T | false | undefined, callbacks: ReadonlyArray<keyof T>): T | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object or false')
  for (const callback of callbacks) {
    if (typeof value[callback] !== 'function') throw new FST_STEP_UP_OPTION_INVALID(`${name}.${String(callback)}`, 'must be a function')
  }
  return value
}

function oneOf<T> (name: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new FST_STEP_UP_OPTION_INVALID(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`)
  }
}

function checkSms (value: StepUpOptions<never>['sms']): SmsOptions | undefined {
  const sms = checkMethod('sms', value, ['send'])
  if (sms?.text !== undefined && typeof sms.text !== 'function') throw new FST_STEP_UP_OPTION_INVALID('sms.text', 'must be a function')
  oneOf('sms.mode', sms?.mode, ['profile', 'mfa'])
  return sms && { ...sms, mode: sms.mode ?? 'profile' }
}

function checkTotp (value: StepUpOptions<never>['totp']): TotpOptions | undefined {
  const totp = checkMethod('totp', value, ['getSecret'])
  oneOf('totp.algorithm', totp?.algorithm, ['SHA1', 'SHA256', 'SHA512'])
  oneOf('totp.digits', totp?.digits, [6, 8])
  return totp
}

function checkSecurityQuestions (value: StepUpOptions<never>['securityQuestions']): SecurityQuestionsOptions | undefined {
  const questions = checkMethod('securityQuestions', value, ['getQuestions'])
  if (questions?.verifyAnswer !== undefined && typeof questions.verifyAnswer !== 'function') {
    throw new FST_STEP_UP_OPTION_INVALID('securityQuestions.verifyAnswer', 'must be a function')
  }
  return questions
}

function checkPasskey (value: StepUpOptions<never>['passkey']): (PasskeyOptions & ResolvedRelyingParty) | undefined {
  const passkey = checkMethod('passkey', value, ['getCredentials', 'updateCounter'])
  return passkey && { ...passkey, ...resolveRelyingParty('passkey', passkey) }
}

function checkOnEvent (onEvent: StepUpOptions<never>['onEvent']): StepUpOptions<never>['onEvent'] {
  if (onEvent !== undefined && typeof onEvent !== 'function') throw new FST_STEP_UP_OPTION_INVALID('onEvent', 'must be a function')
  return onEvent
}

/** Levels, weakest first; each names its methods (checked against the enabled ones later). */
function checkLevels (levels: StepUpOptions<never>['levels']): ResolvedLevel[] {
  if (levels === undefined) return []
  if (typeof levels !== 'object' || levels === null) throw new FST_STEP_UP_OPTION_INVALID('levels', 'must be an object of levels')
  const acrs = new Set<string>()
  return Object.entries(levels).map(([name, level]) => {
    if (!/^[\w.:-]{1,64}$/.test(name)) throw new FST_STEP_UP_OPTION_INVALID('levels', `has a bad level name "${name.slice(0, 64)}"`)
    if (typeof level !== 'object' || level === null || !Array.isArray(level.methods) || level.methods.length === 0) {
      throw new FST_STEP_UP_OPTION_INVALID(`levels.${name}.methods`, 'must be a non-empty array of method names')
    }
    const acr = text(`levels.${name}.acr`, level.acr, name)
    if (acrs.has(acr)) throw new FST_STEP_UP_OPTION_INVALID(`levels.${name}.acr`, 'is used by another level')
    acrs.add(acr)
    return {
      name,
      acr,
      methods: [...level.methods],
      maxAgeMs: level.maxAge === undefined ? undefined : toMilliseconds(`levels.${name}.maxAge`, level.maxAge)
    }
  })
}

export function resolveOptions<Request> (options: StepUpOptions<Request>): ResolvedOptions {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret) : options.secret
  if (!Buffer.isBuffer(secret) || secret.length < 32) throw new FST_STEP_UP_OPTION_SECRET()
  if (typeof options.getUser !== 'function') throw new FST_STEP_UP_OPTION_GET_USER()

  const codes = options.codes ?? {}
  const sendLimit = options.sendLimit ?? {}
  const lockout = options.lockout ?? {}
  const tokenTtlMs = toMilliseconds('tokenTtl', options.tokenTtl ?? '5m')
  const codeTtlMs = toMilliseconds('codes.ttl', codes.ttl ?? '5m')
  // NIST SP 800-63B and OWASP: an out-of-band code lives at most 10 minutes.
  if (codeTtlMs > TEN_MINUTES) throw new FST_STEP_UP_OPTION_INVALID('codes.ttl', 'must be at most 10 minutes')

  const clock = options.clock ?? Date
  return {
    secret,
    prefix: text('prefix', options.prefix, '/step-up', /^(\/[\w.~-]+)*$/),
    tokenHeader: text('tokenHeader', options.tokenHeader, 'x-step-up-token', /^[A-Za-z0-9-]{1,64}$/).toLowerCase(),
    issuer: text('issuer', options.issuer, 'fastify-step-up'),
    audience: text('audience', options.audience, 'fastify-step-up'),
    tokenTtlMs,
    maxAgeMs: options.maxAge === undefined ? tokenTtlMs : toMilliseconds('maxAge', options.maxAge),
    // At least 6 digits: about 20 bits, the floor NIST and OWASP set for one-time codes.
    codeLength: integer('codes.length', codes.length, 6, 6, 10),
    codeTtlMs,
    maxAttempts: integer('codes.maxAttempts', codes.maxAttempts, 5, 1, 10),
    resendCooldownMs: toMilliseconds('codes.resendCooldown', codes.resendCooldown ?? '30s'),
    sendLimitMax: integer('sendLimit.max', sendLimit.max, 10, 1, 1000),
    sendLimitWindowMs: toMilliseconds('sendLimit.window', sendLimit.window ?? '1h'),
    // NIST SP 800-63B: at most 100 consecutive failures per account.
    lockoutMaxFailures: integer('lockout.maxFailures', lockout.maxFailures, 10, 1, 100),
    lockoutWindowMs: toMilliseconds('lockout.window', lockout.window ?? '15m'),
    lockoutDurationMs: toMilliseconds('lockout.duration', lockout.duration ?? '15m'),
    email: checkEmail(options.email),
    sms: checkSms(options.sms),
    totp: checkTotp(options.totp),
    backupCodes: checkMethod('backupCodes', options.backupCodes, ['consume']),
    password: checkMethod('password', options.password, ['verify']),
    pin: checkMethod('pin', options.pin, ['verify']),
    securityQuestions: checkSecurityQuestions(options.securityQuestions),
    passkey: checkPasskey(options.passkey),
    // 0 turns the verified-token cache off.
    tokenCacheMax: integer('tokenCache.max', options.tokenCache === false ? 0 : options.tokenCache?.max, 10_000, 0, 1_000_000),
    levels: checkLevels(options.levels),
    keys: loadKeys(options.keys),
    onEvent: checkOnEvent(options.onEvent),
    compat: resolveCompat(options.compat),
    store: options.store ?? new MemoryStore({ clock }),
    clock
  }
}
