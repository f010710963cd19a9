// Does a verified token satisfy what a route asks? Decided from the token's own claims (and, for
// action data, the request's key fields), once the token has verified.
import { toMilliseconds } from '../duration.js'
import { FST_STEP_UP_INSUFFICIENT, FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { amrMatches } from '../methods/method.js'
import { checkKeys, keysOf } from '../option-keys.js'
import type { StepUpClaims, StepUpMethod, StepUpRequirement } from '../types.js'
import { actionHash } from './action.js'
import { NAME } from './names.js'

export interface ResolvedLevel {
  name: string
  acr: string
  methods: readonly StepUpMethod[]
  maxAgeMs: number | undefined
}

export interface ResolvedRequirement {
  maxAgeMs: number
  /** Accepted methods; undefined accepts any enabled method. */
  methods: readonly StepUpMethod[] | undefined
  /** The acr values that satisfy the required level, the required one first; undefined: no level asked. */
  acrValues: readonly string[] | undefined
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
}

const REQUIREMENT_KEYS = keysOf<StepUpRequirement>({ maxAge: true, methods: true, level: true, action: true, actionData: true, singleUse: true })

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
  let methods = given.methods
  let acrValues: string[] | undefined
  let levelMaxAge: number | undefined
  if (given.level !== undefined) {
    const rank = defaults.levels.findIndex((level) => level.name === given.level)
    if (rank < 0) throw new FST_STEP_UP_OPTION_INVALID('stepUp.level', `names "${String(given.level)}", which is not a configured level`)
    const enough = defaults.levels.slice(rank)
    acrValues = enough.map((level) => level.acr)
    levelMaxAge = defaults.levels[rank]!.maxAgeMs
    const reaching = union(enough.map((level) => level.methods))
    methods = methods ? methods.filter((method) => reaching.includes(method)) : reaching
    if (methods.length === 0) throw new FST_STEP_UP_OPTION_INVALID('stepUp.methods', `has no method that reaches level "${given.level}"`)
  }
  if (given.action !== undefined && (typeof given.action !== 'string' || !NAME.test(given.action))) {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp.action', 'must be 1 to 64 letters, digits, "_", ".", ":" or "-"')
  }
  if (given.actionData !== undefined && (typeof given.actionData !== 'function' || given.action === undefined)) {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp.actionData', 'must be a function, and needs stepUp.action')
  }
  return {
    maxAgeMs: given.maxAge !== undefined ? toMilliseconds('stepUp.maxAge', given.maxAge) : levelMaxAge ?? defaults.maxAgeMs,
    methods,
    acrValues,
    level: given.level,
    action: given.action,
    actionData: given.actionData,
    singleUse: given.singleUse === true
  }
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
  if (requirement.acrValues && (claims.acr === undefined || !requirement.acrValues.includes(claims.acr))) {
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
