// Does a verified token satisfy what a route asks? Decided from the token's own claims only.
import { toMilliseconds } from '../duration.js'
import { FST_STEP_UP_INSUFFICIENT, FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { amrMatches } from '../methods/method.js'
import type { StepUpClaims, StepUpMethod, StepUpRequirement } from '../types.js'

export interface ResolvedRequirement {
  maxAgeMs: number
  /** Accepted methods; undefined accepts any enabled method. */
  methods: readonly StepUpMethod[] | undefined
}

/** Checks a requirement once, where the route is defined, so a typo fails at startup. */
export function resolveRequirement (
  requirement: StepUpRequirement | true | undefined,
  defaults: { maxAgeMs: number, enabledMethods: readonly StepUpMethod[] }
): ResolvedRequirement {
  const given = requirement === true || requirement === undefined ? {} : requirement
  if (typeof given !== 'object' || given === null) {
    throw new FST_STEP_UP_OPTION_INVALID('stepUp requirement', 'must be an object or true')
  }
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
  return {
    maxAgeMs: given.maxAge === undefined ? defaults.maxAgeMs : toMilliseconds('stepUp.maxAge', given.maxAge),
    methods: given.methods
  }
}

/** Throws FST_STEP_UP_INSUFFICIENT when the claims are too old or from a method the route refuses. */
export function checkRequirement (
  claims: StepUpClaims,
  requirement: ResolvedRequirement,
  methodAmr: (method: StepUpMethod) => readonly string[],
  nowMs: number
): void {
  if (nowMs - claims.auth_time * 1000 > requirement.maxAgeMs) {
    throw new FST_STEP_UP_INSUFFICIENT(`the step-up is older than ${Math.floor(requirement.maxAgeMs / 1000)} seconds`)
  }
  if (requirement.methods && !requirement.methods.some((method) => amrMatches(methodAmr(method), claims.amr))) {
    throw new FST_STEP_UP_INSUFFICIENT(`it needs one of these methods: ${requirement.methods.join(', ')}`)
  }
}
