// How strong each method is, written in its descriptor: a change to a user's factors needs a step-up with a
// method at least as strong as the strongest factor the user has, so a stolen session that knows a
// weaker factor (a password, a backup code) cannot add its own authenticator or remove the owner's.
import { DESCRIPTORS } from '../methods/registry.js'
import type { StepUpMethod } from '../types.js'
import type { FactorKind } from './types.js'

/**
 * Each method's default strength, from its descriptor (`strength` in lib/methods/<name>/index.ts):
 * passkeys resist phishing (the browser binds them to the site); an authenticator app's code can be
 * phished but proves possession of a device; everything else is a knowledge factor, a recovery code
 * or a code sent over a channel the user does not hold alone (NIST SP 800-63B ranks email lowest).
 */
export const DEFAULT_STRENGTH: Readonly<Record<StepUpMethod, number>> = Object.freeze(
  Object.fromEntries(DESCRIPTORS.map((descriptor) => [descriptor.name, descriptor.strength])) as Record<StepUpMethod, number>
)

/** The step-up method each kind of factor is used with. */
export const FACTOR_METHOD: Readonly<Record<FactorKind, StepUpMethod>> = Object.freeze({
  totp: 'totp',
  passkey: 'passkey',
  'backup-codes': 'backup-code',
  pin: 'pin'
})

/** The strength of the user's strongest factor; undefined when they have none. */
export function strongest (kinds: Iterable<FactorKind>, strength: Readonly<Record<StepUpMethod, number>>): number | undefined {
  let best: number | undefined
  for (const kind of kinds) {
    const rank = strength[FACTOR_METHOD[kind]]
    if (best === undefined || rank > best) best = rank
  }
  return best
}
