// What a change to a user's factors needs (OWASP ASVS 5, 7.5.1: re-authenticate before changing MFA
// settings): a step-up token of this user and session, made within `factors.change.maxAge`, with a
// method at least as strong as the strongest factor the user has (strength.ts), spent once. A user
// with no factor yet enrolls the first with a `firstFactor` method (a password, by default). A
// refusal is the usual 401 with an RFC 9470 challenge and the JSON hint of what would do.
import type { Audit, StepUpEngine } from '../core/engine.js'
import type { ResolvedRequirement } from '../core/policy.js'
import { FST_STEP_UP_OPTION_INVALID, isStepUpError } from '../errors.js'
import { challengeHeader } from '../http/challenge.js'
import { amrMatches, amrSetsOf } from '../methods/method.js'
import type { StepUpClaims, StepUpMethod, StepUpUser } from '../types.js'
import type { ResolvedFactors } from './options.js'
import { strongest } from './strength.js'
import type { StoredFactor } from './types.js'

/** What the change routes' 401 body carries under `stepUp`, and GET /factors under `change`. */
export interface ChangeHint {
  methods: StepUpMethod[]
  maxAge: number
  action?: string
}

export class ChangeRule {
  readonly #engine: StepUpEngine
  readonly #factors: ResolvedFactors
  /** Resolved once per set of methods: there are few (one per strength, and the first factor's). */
  readonly #requirements = new Map<string, { check: ResolvedRequirement, spend: ResolvedRequirement }>()

  constructor (engine: StepUpEngine, factors: ResolvedFactors) {
    this.#engine = engine
    this.#factors = factors
    const unknown = factors.firstFactor.find((method) => !engine.enabledMethods.includes(method))
    if (unknown !== undefined) {
      throw new FST_STEP_UP_OPTION_INVALID('factors.change.firstFactor', `names "${String(unknown).slice(0, 64)}", which is not enabled: ` +
        'enable it, or name there the methods whose step-up may enroll a user\'s first factor (the default is ["password"])')
    }
  }

  /** The methods whose step-up may change the factors of a user who has these. */
  methods (factors: readonly StoredFactor[]): StepUpMethod[] {
    const best = strongest(factors.map(({ kind }) => kind), this.#factors.strength)
    if (best === undefined) return this.#factors.firstFactor
    return this.#engine.enabledMethods.filter((method) => this.#factors.strength[method] >= best)
  }

  #requirement (factors: readonly StoredFactor[], spend: boolean): ResolvedRequirement {
    const methods = this.methods(factors)
    const key = methods.join(' ')
    let found = this.#requirements.get(key)
    if (!found) {
      const { maxAgeMs, action } = this.#factors
      const given = { maxAge: maxAgeMs, ...(action === undefined ? {} : { action }) }
      // No enabled method is strong enough (the storage lists a passkey, but passkeys are off): no
      // token can match an empty list, so the change is refused (401, no method to offer), not an error.
      const check = methods.length > 0
        ? this.#engine.resolveRequirement({ ...given, methods })
        : { ...this.#engine.resolveRequirement(given), methods: [] }
      found = { check, spend: { ...check, singleUse: true } }
      this.#requirements.set(key, found)
    }
    return spend ? found.spend : found.check
  }

  /** What would satisfy a change for this user: the methods they have that are strong enough, and more. */
  async hint (user: StepUpUser, factors: readonly StoredFactor[]): Promise<ChangeHint> {
    return this.hintFrom((await this.#engine.availableMethods(user)).map(({ method }) => method), factors)
  }

  /** The hint, from the methods the user can use now (when they are known already). */
  hintFrom (available: readonly StepUpMethod[], factors: readonly StoredFactor[]): ChangeHint {
    const { methods, maxAgeMs, action } = this.#requirement(factors, false)
    return {
      methods: available.filter((method) => methods!.includes(method)),
      maxAge: Math.floor(maxAgeMs / 1000),
      ...(action === undefined ? {} : { action })
    }
  }

  /**
   * Checks the change token; with `spend`, also spends it (once, on every instance sharing the
   * store). Resolves with the claims and the method the token was made with. A refused token is a
   * 401 step-up error carrying the RFC 9470 challenge header and, as `stepUp`, the hint.
   */
  async check (user: StepUpUser, token: string | undefined, factors: readonly StoredFactor[], audit: Audit, spend: boolean): Promise<{ claims: StepUpClaims, method: StepUpMethod }> {
    const requirement = this.#requirement(factors, spend)
    let claims: StepUpClaims
    try {
      claims = await this.#engine.checkToken(token, user, requirement, { audit })
    } catch (err) {
      if (!isStepUpError(err) || err.statusCode !== 401) throw err
      const hint = await this.hint(user, factors)
      err.headers = { ...err.headers, 'www-authenticate': challengeHeader(err.message, hint.maxAge) }
      throw Object.assign(err, { stepUp: hint })
    }
    // The requirement accepted it, so it matches one of these methods' amr sets.
    const method = requirement.methods!.find((name) =>
      amrSetsOf(this.#engine.methods.find((module) => module.method === name)!).some((set) => amrMatches(set, claims.amr)))!
    return { claims, method }
  }
}
