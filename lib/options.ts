// Options are checked once at registration and defaulted into a fresh object, where only
// `undefined` takes the default: `email: false` turns email off, and a value out of range (a
// duration of 0, a 4-digit code) is refused rather than quietly replaced. So is a key no options
// object knows: a misspelled setting (`maxage`) would otherwise leave its default in force.
import { toMilliseconds } from './duration.js'
import {
  FST_STEP_UP_OPTION_GET_USER,
  FST_STEP_UP_OPTION_INVALID,
  FST_STEP_UP_OPTION_SECRET
} from './errors.js'
import { methodsWithFactors } from './factors/methods.js'
import { resolveFactorOptions, type ResolvedFactors } from './factors/options.js'
import { createTranslator, type Translator } from './i18n/translator.js'
import { resolveNotifications, type ResolvedNotifications } from './notify/options.js'
import { loadKeys, type KeyOptions, type KeyRing, type SigningKeyOptions, type VerificationKeyOptions } from './core/keys.js'
import type { ResolvedLevel } from './core/policy.js'
import { checkLevelAssurance, checkProfileName } from './profiles/levels.js'
import type { StepUpProfile } from './profiles/requirements.js'
import { NAME } from './core/names.js'
import { resolveActions, type StepUpActionOptions } from './core/summary.js'
import { METHOD_OPTION_KEYS, resolveMethods, type EnabledMethod, type MethodOptions } from './methods/registry.js'
import { checkKeys, keysOf } from './option-keys.js'
import { MemoryStore } from './stores/memory.js'
import type { Clock, StepUpStore } from './stores/store.js'
import type {
  CodeOptions,
  KnowledgeLimitOptions,
  LevelOptions,
  LockoutOptions,
  SendLimitOptions,
  StepUpOptions
} from './types.js'

const TEN_MINUTES = 10 * 60 * 1000

// The keys each options object may have, by type, so a key added to a type must be added here.
// Each method's own keys are checked in its folder (lib/methods/<name>/options.ts).
/** The plugin's own top-level options; the methods' keys come from the registry. */
const PLUGIN_KEYS = keysOf<Omit<StepUpOptions<unknown>, keyof MethodOptions>>({
  secret: true,
  getUser: true,
  prefix: true,
  tokenHeader: true,
  issuer: true,
  audience: true,
  tokenTtl: true,
  maxAge: true,
  codes: true,
  sendLimit: true,
  lockout: true,
  knowledgeLimit: true,
  tokenCache: true,
  levels: true,
  profile: true,
  complianceReport: true,
  keys: true,
  factors: true,
  actions: true,
  locales: true,
  notifications: true,
  onEvent: true,
  store: true,
  clock: true
})
const AFTER_METHODS = PLUGIN_KEYS.indexOf('tokenCache')
/** The top-level options every adapter takes, the methods' keys after the limits (the order messages list them in). */
export const OPTION_KEYS = [...PLUGIN_KEYS.slice(0, AFTER_METHODS), ...METHOD_OPTION_KEYS, ...PLUGIN_KEYS.slice(AFTER_METHODS)]
const CODE_KEYS = keysOf<CodeOptions>({ length: true, ttl: true, maxAttempts: true, resendCooldown: true })
const SEND_LIMIT_KEYS = keysOf<SendLimitOptions>({ max: true, window: true })
const LOCKOUT_KEYS = keysOf<LockoutOptions>({ maxFailures: true, window: true, duration: true })
const KNOWLEDGE_LIMIT_KEYS = keysOf<KnowledgeLimitOptions>({ max: true, window: true })
const TOKEN_CACHE_KEYS = keysOf<Exclude<StepUpOptions<unknown>['tokenCache'], false | undefined>>({ max: true })
const LEVEL_KEYS = keysOf<LevelOptions>({ acr: true, methods: true, maxAge: true, phishingResistant: true, profile: true })
const KEYS_KEYS = keysOf<KeyOptions>({ signing: true, verification: true })
const SIGNING_KEY_KEYS = keysOf<SigningKeyOptions>({ kid: true, alg: true, privateKey: true })
const VERIFICATION_KEY_KEYS = keysOf<VerificationKeyOptions>({ kid: true, alg: true, publicKey: true })

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
  /** The methods the options turn on, checked, in the order of the methods list. */
  methods: EnabledMethod[]
  tokenCacheMax: number
  knowledgeLimitMax: number
  knowledgeLimitWindowMs: number
  levels: ResolvedLevel[]
  keys: KeyRing | undefined
  /** Factor management (the `factors` option); undefined when off. */
  factors: ResolvedFactors | undefined
  /** The standard the whole configuration meets (the `profile` option). */
  profile: StepUpProfile | undefined
  /** The texts for people, in their languages (the `locales` option over the built-in catalogs). */
  texts: Translator
  /** Security notifications; undefined when `notifications: false`. */
  notifications: ResolvedNotifications | undefined
  onEvent: StepUpOptions<never>['onEvent']
  /** How each named action is shown to the user (the `actions` option). */
  actions: ReadonlyMap<string, StepUpActionOptions>
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

/** A group of settings (`codes`, `lockout`): absent is all defaults; anything but an object is a mistake. */
function group<T extends object> (name: string, value: T | undefined, keys: readonly string[]): Partial<T> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FST_STEP_UP_OPTION_INVALID(name, 'must be an object')
  checkKeys(name, value, keys)
  return value
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
    if (!NAME.test(name)) throw new FST_STEP_UP_OPTION_INVALID('levels', `has a bad level name "${name.slice(0, 64)}"`)
    checkKeys(`levels.${name}`, level, LEVEL_KEYS)
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
      maxAgeMs: level.maxAge === undefined ? undefined : toMilliseconds(`levels.${name}.maxAge`, level.maxAge),
      ...checkLevelAssurance(name, level, acr)
    }
  })
}

/** The key options' own keys; loadKeys checks their values. */
function checkKeyOptions (keys: KeyOptions | undefined): KeyOptions | undefined {
  checkKeys('keys', keys, KEYS_KEYS)
  checkKeys('keys.signing', keys?.signing, SIGNING_KEY_KEYS)
  const verification: unknown = keys?.verification
  if (Array.isArray(verification)) verification.forEach((entry, i) => checkKeys(`keys.verification[${i}]`, entry, VERIFICATION_KEY_KEYS))
  return keys
}

/**
 * The plugin's own options, out of what an adapter was given: every key must be the plugin's or
 * one of `adapterKeys` (the adapter's own, such as Express's `logger`, or Fastify's register
 * options), which are left out of the result.
 */
export function pluginOptions<O extends object> (given: O, adapterKeys: readonly string[]): O {
  refuseMoved(given)
  checkKeys('', given, [...OPTION_KEYS, ...adapterKeys])
  return Object.fromEntries(Object.entries(given).filter(([key]) => !adapterKeys.includes(key))) as O
}

/** Options that moved out of the plugin's options: told where they went, not that they are unknown. */
function refuseMoved (given: unknown): void {
  if (Object.hasOwn(Object(given), 'compat')) {
    throw new FST_STEP_UP_OPTION_INVALID('compat', 'has moved: register fastify-step-up/loginradius after the plugin, ' +
      'with the loginradius options (see "Migrating from LoginRadius")')
  }
}

export function resolveOptions<Request> (options: StepUpOptions<Request>): ResolvedOptions {
  refuseMoved(options)
  // First, so a misspelled `secret` or `getUser` is named as the typo it is.
  checkKeys('', options, OPTION_KEYS)
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret) : options.secret
  if (!Buffer.isBuffer(secret) || secret.length < 32) throw new FST_STEP_UP_OPTION_SECRET()
  if (typeof options.getUser !== 'function') throw new FST_STEP_UP_OPTION_GET_USER()

  const codes = group('codes', options.codes, CODE_KEYS)
  const sendLimit = group('sendLimit', options.sendLimit, SEND_LIMIT_KEYS)
  const lockout = group('lockout', options.lockout, LOCKOUT_KEYS)
  const knowledgeLimit = group('knowledgeLimit', options.knowledgeLimit, KNOWLEDGE_LIMIT_KEYS)
  const tokenCache = options.tokenCache === false ? { max: 0 } : group('tokenCache', options.tokenCache, TOKEN_CACHE_KEYS)
  const tokenTtlMs = toMilliseconds('tokenTtl', options.tokenTtl ?? '5m')
  const codeTtlMs = toMilliseconds('codes.ttl', codes.ttl ?? '5m')
  // NIST SP 800-63B and OWASP: an out-of-band code lives at most 10 minutes.
  if (codeTtlMs > TEN_MINUTES) throw new FST_STEP_UP_OPTION_INVALID('codes.ttl', 'must be at most 10 minutes')

  const clock = options.clock ?? Date
  const issuer = text('issuer', options.issuer, 'fastify-step-up')
  const factors = resolveFactorOptions(options.factors, issuer)
  return {
    secret,
    prefix: text('prefix', options.prefix, '/step-up', /^(\/[\w.~-]+)*$/),
    tokenHeader: text('tokenHeader', options.tokenHeader, 'x-step-up-token', /^[A-Za-z0-9-]{1,64}$/).toLowerCase(),
    issuer,
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
    // With factor management, the methods of the kinds it manages read the factor storage.
    methods: factors ? methodsWithFactors(options, factors, clock) : resolveMethods(options),
    // 0 turns the verified-token cache off.
    tokenCacheMax: integer('tokenCache.max', tokenCache.max, 10_000, 0, 1_000_000),
    // Knowledge factors (password, PIN, questions): successful step-ups per user per sliding window.
    knowledgeLimitMax: integer('knowledgeLimit.max', knowledgeLimit.max, 10, 1, 1000),
    knowledgeLimitWindowMs: toMilliseconds('knowledgeLimit.window', knowledgeLimit.window ?? '15m'),
    levels: checkLevels(options.levels),
    keys: loadKeys(checkKeyOptions(options.keys)),
    factors,
    profile: checkProfileName('profile', options.profile),
    texts: createTranslator(options.locales),
    notifications: resolveNotifications(options.notifications),
    onEvent: checkOnEvent(options.onEvent),
    actions: resolveActions(options.actions),
    store: options.store ?? new MemoryStore({ clock }),
    clock
  }
}
