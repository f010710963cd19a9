// Does a verified token satisfy what a route asks? Decided from the token's own claims (and, for
// action data, the request's key fields), once the token has verified.
import { toMilliseconds } from '../duration.js'
import { FST_STEP_UP_INSUFFICIENT, FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { amrMatches } from '../methods/method.js'
import { checkKeys, keysOf } from '../option-keys.js'
import { checkPhishingResistant } from '../profiles/levels.js'
import { IDLE_LIMIT_MS, reauthenticationQuote, type StepUpProfile } from '../profiles/requirements.js'
import type { StepUpClaims, StepUpMethod, StepUpRequirement } from '../types.js'
import { actionHash } from './action.js'
import { NAME } from './names.js'

export interface ResolvedLevel {
  name: string
  acr: string
  methods: readonly StepUpMethod[]
  maxAgeMs: number | undefined
  /** Reached only by a passkey (`true`) or a device-bound one (`'hardware'`). */
  phishingResistant?: true | 'hardware' | undefined
  /** The standard this level must meet, when it names one. */
  profile?: StepUpProfile | undefined
}

export interface ResolvedRequirement {
  maxAgeMs: number
  /** Accepted methods; undefined accepts any enabled method. */
  methods: readonly StepUpMethod[] | undefined
  /**
   * The acr values that satisfy the required level and phishing resistance, the preferred first, as
   * the RFC 9470 challenge lists them; undefined: neither asked.
   */
  acrValues: readonly string[] | undefined
  /** Only a passkey's token (amr `pop`); `'hardware'`: with an acr of `hardwareAcrs`. */
  phishingResistant: true | 'hardware' | undefined
  /** The acr values a device-bound passkey's token can carry: `phrh`, and those of levels that demand `'hardware'`. */
  hardwareAcrs: readonly string[]
  /** The longest `maxAge` a profile allows here (the plugin's or the level's, the lower); undefined: no limit. */
  maxAgeLimitMs: number | undefined
  level: string | undefined
  action: string | undefined
  actionData: ((request: any) => unknown) | undefined
  singleUse: boolean
}

export interface PolicyDefaults {
  maxAgeMs: number
  enabledMethods: readonly StepUpMethod[]
  /** Weakest first. */
  levels: readonly ResolvedLevel[]
  /** What a requirement that says nothing of phishing resistance gets (the plugin-wide nist-aal3 profile: `'hardware'`). */
  phishingResistant?: 'hardware' | undefined
  /** The longest freshness a profile allows, and the requirement it quotes. */
  maxAgeLimit?: { ms: number, quote: string } | undefined
}

const REQUIREMENT_KEYS = keysOf<StepUpRequirement>({
  maxAge: true, methods: true, level: true, action: true, actionData: true, singleUse: true, phishingResistant: true
})

/** The acr a passkey token carries when it reaches no level (OpenID Connect EAP ACR Values). */
function phishingResistantAcrs (asked: true | 'hardware'): string[] {
  return asked === 'hardware' ? ['phrh'] : ['phr', 'phrh']
}

function union (lists: ReadonlyArray<readonly StepUpMethod[]>): StepUpMethod[] {
  return [...new Set(lists.flat())]
}

/** Checks a requirement once, where the route is defined, so a typo fails at startup. */
export function resolveRequirement (requirement: StepUpRequirement | true | undefined, defaults: PolicyDefaults): ResolvedRequirement {
  const given = requirement === true || requirement === undefined ? {} : requirement
  if (typeof given !== 'object' || given === null) {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp requirement', 'must be an object or true')
  }
  // A misspelled `maxage` or `singleuse` would leave the route with the default: refuse it.
  checkKeys('stepUp', given, REQUIREMENT_KEYS)
  if (given.methods !== undefined) {
    if (!Array.isArray(given.methods) || given.methods.length === 0) {
      throw new FST_STEP_UP_OPTION_INVALID('stepUp.methods', 'must be a non-empty array of method names')
    }
    for (const method of given.methods) {
      if (!defaults.enabledMethods.includes(method)) {
        throw new FST_STEP_UP_OPTION_INVALID('stepUp.methods', `names "${String(method)}", which is not enabled`)
      }
    }
  }
  const phishingResistant = checkPhishingResistant('stepUp.phishingResistant', given.phishingResistant) ?? defaults.phishingResistant
  if (defaults.phishingResistant === 'hardware' && phishingResistant !== 'hardware') {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp.phishingResistant', 'must be "hardware" under the nist-aal3 profile (NIST SP 800-63B-4 AAL3 non-exportable keys)')
  }
  let methods = given.methods
  if (phishingResistant !== undefined) {
    // Only a passkey proves possession of a key bound to the origin.
    if (!defaults.enabledMethods.includes('passkey')) {
      throw new FST_STEP_UP_OPTION_INVALID('stepUp.phishingResistant', 'needs passkeys enabled: only a passkey is phishing-resistant')
    }
    if (methods && !methods.includes('passkey')) {
      throw new FST_STEP_UP_OPTION_INVALID('stepUp.phishingResistant', 'needs "passkey" among stepUp.methods')
    }
    methods = ['passkey']
  }
  const hardwareAcrs = ['phrh', ...defaults.levels.filter((level) => level.phishingResistant === 'hardware').map((level) => level.acr)]
  let acrValues: string[] | undefined = phishingResistant === undefined ? undefined : phishingResistantAcrs(phishingResistant)
  let levelMaxAge: number | undefined
  let levelLimit: { ms: number, quote: string } | undefined
  if (given.level !== undefined) {
    const rank = defaults.levels.findIndex((level) => level.name === given.level)
    if (rank < 0) throw new FST_STEP_UP_OPTION_INVALID('stepUp.level', `names "${String(given.level)}", which is not a configured level`)
    // A passkey token that reaches a level carries the level's acr: the levels it can reach.
    const enough = defaults.levels.slice(rank).filter((level) =>
      phishingResistant === undefined || (phishingResistant === 'hardware' ? hardwareAcrs.includes(level.acr) : level.methods.includes('passkey')))
    if (enough.length === 0) {
      throw new FST_STEP_UP_OPTION_INVALID('stepUp.level', `"${given.level}" cannot be met with stepUp.phishingResistant ${JSON.stringify(phishingResistant)}: ` +
        (phishingResistant === 'hardware' ? 'no level from it up demands phishingResistant "hardware"' : 'no level from it up lists passkey'))
    }
    acrValues = enough.map((level) => level.acr)
    levelMaxAge = defaults.levels[rank]!.maxAgeMs
    levelLimit = levelMaxAgeLimit(defaults.levels[rank]!)
    // Only a passkey reaches a level that demands phishing resistance, whatever else it lists.
    const reaching = union(enough.map((level) => level.phishingResistant === undefined ? level.methods : ['passkey' as const]))
    methods = methods ? methods.filter((method) => reaching.includes(method)) : reaching
    if (methods.length === 0) throw new FST_STEP_UP_OPTION_INVALID('stepUp.methods', `has no method that reaches level "${given.level}"`)
  }
  if (given.action !== undefined && (typeof given.action !== 'string' || !NAME.test(given.action))) {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp.action', 'must be 1 to 64 letters, digits, "_", ".", ":" or "-"')
  }
  if (given.actionData !== undefined && (typeof given.actionData !== 'function' || given.action === undefined)) {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp.actionData', 'must be a function, and needs stepUp.action')
  }
  const maxAgeMs = given.maxAge !== undefined ? toMilliseconds('stepUp.maxAge', given.maxAge) : levelMaxAge ?? defaults.maxAgeMs
  const limits = [defaults.maxAgeLimit, levelLimit].filter((limit) => limit !== undefined)
  for (const limit of limits) {
    if (maxAgeMs > limit.ms) {
      throw new FST_STEP_UP_OPTION_INVALID('stepUp.maxAge', `must be at most ${limit.ms / 60_000} minutes (${limit.quote})`)
    }
  }
  return {
    maxAgeMs,
    methods,
    acrValues,
    phishingResistant,
    hardwareAcrs,
    maxAgeLimitMs: limits.length === 0 ? undefined : Math.min(...limits.map((limit) => limit.ms)),
    level: given.level,
    action: given.action,
    actionData: given.actionData,
    singleUse: given.singleUse === true
  }
}

/**
 * From the token's claims alone: `pop` in its amr (a passkey's), and for `'hardware'` an acr only a
 * device-bound passkey's token carries (`phrh`, or a level that demands `'hardware'`). A synced
 * passkey's token carries `phr` or the acr of a level that does not demand it, so it never passes.
 */
function phishingResistant (claims: StepUpClaims, asked: true | 'hardware', hardwareAcrs: readonly string[]): boolean {
  if (!claims.amr.includes('pop')) return false
  return asked === true || (claims.acr !== undefined && hardwareAcrs.includes(claims.acr))
}

/** The freshness a level's profile allows at most (NIST's idle reauthentication limit). */
function levelMaxAgeLimit (level: ResolvedLevel): { ms: number, quote: string } | undefined {
  const ms = level.profile === undefined ? undefined : IDLE_LIMIT_MS[level.profile]
  return ms === undefined ? undefined : { ms, quote: reauthenticationQuote(level.profile!) }
}

/**
 * Throws FST_STEP_UP_INSUFFICIENT when the claims are too old, from a method or level the route
 * refuses, or made for another action or other data. `data` is the request's key fields.
 */
export function checkRequirement (
  claims: StepUpClaims,
  requirement: ResolvedRequirement,
  methodAmrSets: (method: StepUpMethod) => ReadonlyArray<readonly string[]>,
  nowMs: number,
  data: unknown
): void {
  if (nowMs - claims.auth_time * 1000 > requirement.maxAgeMs) {
    throw new FST_STEP_UP_INSUFFICIENT(`the step-up is older than ${Math.floor(requirement.maxAgeMs / 1000)} seconds`)
  }
  if (requirement.phishingResistant !== undefined && !phishingResistant(claims, requirement.phishingResistant, requirement.hardwareAcrs)) {
    throw new FST_STEP_UP_INSUFFICIENT(requirement.phishingResistant === 'hardware'
      ? 'it needs a phishing-resistant step-up with a device-bound passkey (not a synced one)'
      : 'it needs a phishing-resistant step-up (a passkey)')
  }
  if (requirement.level !== undefined && (claims.acr === undefined || !requirement.acrValues!.includes(claims.acr))) {
    throw new FST_STEP_UP_INSUFFICIENT(`it needs level ${requirement.level}`)
  }
  if (requirement.methods && !requirement.methods.some((method) => methodAmrSets(method).some((set) => amrMatches(set, claims.amr)))) {
    throw new FST_STEP_UP_INSUFFICIENT(`it needs one of these methods: ${requirement.methods.join(', ')}`)
  }
  if (claims.action?.name !== requirement.action) {
    throw new FST_STEP_UP_INSUFFICIENT(requirement.action ? `it needs a step-up for the action "${requirement.action}"` : 'the step-up was made for another action')
  }
  if (requirement.actionData && claims.action?.hash !== actionHash(data)) {
    throw new FST_STEP_UP_INSUFFICIENT('the step-up was made for other data')
  }
}
