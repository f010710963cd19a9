// The `factors` option, checked once at registration and defaulted into a fresh object, like every
// other option: unknown keys are errors, only `undefined` takes a default, and a value out of range
// is refused rather than replaced.
import { toMilliseconds } from '../duration.js'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { NAME } from '../core/names.js'
import { resolveRelyingParty, type PasskeyRelyingParty, type ResolvedRelyingParty } from '../methods/passkey/options.js'
import { TOTP_ALGORITHMS, TOTP_DIGITS, withTotpDefaults, type TotpSettings } from '../methods/totp/otp.js'
import { oneOf, optionalFunction } from '../methods/option-checks.js'
import { checkKeys, keysOf } from '../option-keys.js'
import type { StepUpMethod, StepUpUser } from '../types.js'
import { DEFAULT_STRENGTH } from './strength.js'
import type {
  FactorChangeOptions,
  FactorKind,
  FactorOptions,
  FactorStorage,
  ManagedBackupCodeOptions,
  ManagedPasskeyOptions,
  ManagedTotpOptions
} from './types.js'

const HOUR = 60 * 60 * 1000

const FACTOR_KEYS = keysOf<FactorOptions>({
  storage: true,
  totp: true,
  passkey: true,
  backupCodes: true,
  pin: true,
  change: true,
  enrollmentTtl: true,
  onChange: true,
  endOtherSessions: true
})
const TOTP_KEYS = keysOf<ManagedTotpOptions>({ issuer: true, accountName: true, algorithm: true, digits: true, max: true })
const PASSKEY_KEYS = keysOf<ManagedPasskeyOptions>({
  rpID: true, rpName: true, origin: true, userVerification: true, max: true, userName: true
})
const BACKUP_CODE_KEYS = keysOf<ManagedBackupCodeOptions>({ count: true })
const CHANGE_KEYS = keysOf<FactorChangeOptions>({ maxAge: true, firstFactor: true, strength: true, action: true })
const STORAGE_CALLS = ['list', 'save', 'remove', 'markUsed'] as const

export interface ResolvedFactors {
  storage: FactorStorage
  totp: { issuer: string, accountName: (user: StepUpUser) => string, settings: TotpSettings, max: number } | undefined
  passkey: {
    /** As given, for the passkey method's own option. */
    relyingParty: PasskeyRelyingParty
    /** Checked, defaults filled in. */
    resolved: ResolvedRelyingParty
    max: number
    userName: (user: StepUpUser) => string
  } | undefined
  backupCodes: { count: number } | undefined
  pin: boolean
  /** The kinds turned on. */
  kinds: FactorKind[]
  maxAgeMs: number
  /** Checked against the enabled methods once they are known (setup). */
  firstFactor: StepUpMethod[]
  strength: Record<StepUpMethod, number>
  action: string | undefined
  enrollmentTtlMs: number
  onChange: FactorOptions['onChange']
  endOtherSessions: FactorOptions['endOtherSessions']
}

function integer (name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FST_STEP_UP_OPTION_INVALID(name, `must be a whole number from ${min} to ${max}`)
  }
  return value
}

/** An object of known keys, `true` (all defaults), or off (undefined, false). */
function kind<T extends object> (name: string, value: T | boolean | undefined, keys: readonly string[]): Partial<T> | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object, true or false')
  checkKeys(name, value, keys)
  return value
}

/** The user's first email, else their id: what an authenticator shows as the account. */
export function defaultAccountName (user: StepUpUser): string {
  return user.emails?.[0] ?? user.id
}

function resolveTotp (value: FactorOptions['totp'], pluginIssuer: string): ResolvedFactors['totp'] {
  const totp = kind('factors.totp', value, TOTP_KEYS)
  if (!totp) return undefined
  oneOf('factors.totp.algorithm', totp.algorithm, TOTP_ALGORITHMS)
  oneOf('factors.totp.digits', totp.digits, TOTP_DIGITS)
  optionalFunction('factors.totp.accountName', totp.accountName)
  const issuer = totp.issuer ?? pluginIssuer
  // The URI's label is "issuer:account": a colon would make it ambiguous to the authenticator app.
  if (typeof issuer !== 'string' || !/^[^:]{1,100}$/.test(issuer) || issuer.trim() === '') {
    throw new FST_STEP_UP_OPTION_INVALID('factors.totp.issuer', 'must be 1 to 100 characters, not all spaces, without a colon')
  }
  return {
    issuer,
    accountName: totp.accountName ?? defaultAccountName,
    settings: withTotpDefaults({ algorithm: totp.algorithm, digits: totp.digits }),
    max: integer('factors.totp.max', totp.max, 2, 1, 20)
  }
}

function resolvePasskey (value: FactorOptions['passkey']): ResolvedFactors['passkey'] {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) throw new FST_STEP_UP_OPTION_INVALID('factors.passkey', 'must be an object or false')
  checkKeys('factors.passkey', value, PASSKEY_KEYS)
  optionalFunction('factors.passkey.userName', value.userName)
  const { max, userName, ...relyingParty } = value
  return {
    relyingParty,
    resolved: resolveRelyingParty('factors.passkey', relyingParty),
    max: integer('factors.passkey.max', max, 10, 1, 50),
    userName: userName ?? defaultAccountName
  }
}

function resolveStrength (given: FactorChangeOptions['strength']): Record<StepUpMethod, number> {
  const strength = { ...DEFAULT_STRENGTH }
  if (given === undefined) return strength
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new FST_STEP_UP_OPTION_INVALID('factors.change.strength', 'must be an object of method names and numbers')
  }
  checkKeys('factors.change.strength', given, Object.keys(DEFAULT_STRENGTH))
  for (const [method, rank] of Object.entries(given) as Array<[StepUpMethod, number]>) {
    strength[method] = integer(`factors.change.strength.${method}`, rank, strength[method], 0, 100)
  }
  return strength
}

function resolveChange (value: FactorChangeOptions | undefined): Pick<ResolvedFactors, 'maxAgeMs' | 'firstFactor' | 'strength' | 'action'> {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new FST_STEP_UP_OPTION_INVALID('factors.change', 'must be an object')
  }
  checkKeys('factors.change', value, CHANGE_KEYS)
  const change = value ?? {}
  const firstFactor = change.firstFactor ?? ['password']
  if (!Array.isArray(firstFactor) || firstFactor.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('factors.change.firstFactor', 'must be a non-empty array of method names')
  }
  if (change.action !== undefined && (typeof change.action !== 'string' || !NAME.test(change.action))) {
    throw new FST_STEP_UP_OPTION_INVALID('factors.change.action', 'must be 1 to 64 letters, digits, "_", ".", ":" or "-"')
  }
  return {
    maxAgeMs: toMilliseconds('factors.change.maxAge', change.maxAge ?? '5m'),
    firstFactor: [...firstFactor],
    strength: resolveStrength(change.strength),
    action: change.action
  }
}

/** Checks the `factors` option; undefined when factor management is off. */
export function resolveFactorOptions (value: FactorOptions | false | undefined, pluginIssuer: string): ResolvedFactors | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) throw new FST_STEP_UP_OPTION_INVALID('factors', 'must be an object or false')
  checkKeys('factors', value, FACTOR_KEYS)
  const { storage } = value
  if (typeof storage !== 'object' || storage === null) throw new FST_STEP_UP_OPTION_INVALID('factors.storage', 'must be an object with list, save, remove and markUsed')
  for (const call of STORAGE_CALLS) {
    if (typeof storage[call] !== 'function') throw new FST_STEP_UP_OPTION_INVALID(`factors.storage.${call}`, 'must be a function')
  }
  optionalFunction('factors.onChange', value.onChange)
  optionalFunction('factors.endOtherSessions', value.endOtherSessions)
  if (value.pin !== undefined && typeof value.pin !== 'boolean') throw new FST_STEP_UP_OPTION_INVALID('factors.pin', 'must be true or false')

  const backupCodes = kind('factors.backupCodes', value.backupCodes, BACKUP_CODE_KEYS)
  if (backupCodes && typeof storage.useBackupCode !== 'function') {
    throw new FST_STEP_UP_OPTION_INVALID('factors.storage.useBackupCode', 'must be a function when factors.backupCodes is on')
  }
  const enrollmentTtlMs = toMilliseconds('factors.enrollmentTtl', value.enrollmentTtl ?? '10m')
  if (enrollmentTtlMs > HOUR) throw new FST_STEP_UP_OPTION_INVALID('factors.enrollmentTtl', 'must be at most 1 hour')

  const resolved: ResolvedFactors = {
    storage,
    totp: resolveTotp(value.totp, pluginIssuer),
    passkey: resolvePasskey(value.passkey),
    backupCodes: backupCodes && { count: integer('factors.backupCodes.count', backupCodes.count, 10, 1, 50) },
    pin: value.pin === true,
    kinds: [],
    ...resolveChange(value.change),
    enrollmentTtlMs,
    onChange: value.onChange,
    endOtherSessions: value.endOtherSessions
  }
  resolved.kinds = ([
    ['totp', resolved.totp],
    ['passkey', resolved.passkey],
    ['backup-codes', resolved.backupCodes],
    ['pin', resolved.pin || undefined]
  ] as const).filter(([, on]) => on !== undefined).map(([name]) => name)
  if (resolved.kinds.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('factors', 'must turn on at least one of totp, passkey, backupCodes or pin')
  }
  return resolved
}
