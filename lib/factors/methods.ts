// With factor management on, the methods of the managed kinds (authenticator apps, passkeys,
// backup codes, PIN) check what the app's factor storage holds, asked afresh on every check: no
// copy is kept, so a factor removed there stops working at once on every instance, and one saved
// there works at once. They are the same method modules as always (same bodies, amr, errors and
// store rules); only where the secrets come from, and whether the user has the factor, differ.
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import type { CeremonyMethod, CheckMethod, MethodContext, StepUpMethodModule } from '../methods/method.js'
import { createPasskeyMethod } from '../methods/passkey/method.js'
import { verifyPin } from '../methods/pin/enroll.js'
import { resolveMethods, type EnabledMethod, type MethodOptions } from '../methods/registry.js'
import { checkTotpCode } from '../methods/totp/method.js'
import type { Clock } from '../stores/store.js'
import type { StepUpMethod, StepUpUser } from '../types.js'
import type { ResolvedFactors } from './options.js'
import { listFactors, ofKind } from './storage.js'
import type { FactorKind } from './types.js'

/** The plugin option each managed kind stands in for. */
const OPTION_OF: Readonly<Record<FactorKind, keyof MethodOptions & string>> = {
  totp: 'totp',
  passkey: 'passkey',
  'backup-codes': 'backupCodes',
  pin: 'pin'
}

type Wrap = (module: StepUpMethodModule) => StepUpMethodModule

/**
 * The enabled methods, in the methods list's order, those of the managed kinds reading the factor
 * storage. A kind set both here and as the method's own option (`totp` and `factors.totp`) is
 * refused: the factors would be checked in one place and changed in another.
 */
export function methodsWithFactors (given: MethodOptions, factors: ResolvedFactors, clock: Clock): EnabledMethod[] {
  for (const kind of factors.kinds) {
    const option = OPTION_OF[kind]
    const value = given[option]
    if (value !== undefined && value !== false) {
      throw new FST_STEP_UP_OPTION_INVALID(option, `cannot be set with factors.${option}: the factors are kept either by your own callbacks or in factors.storage, not both`)
    }
  }
  const { storage } = factors
  const list = (user: StepUpUser) => listFactors(storage, user)
  const now = () => new Date(clock.now())
  const options: MethodOptions = { ...given }
  const wraps = new Map<StepUpMethod, Wrap>()

  if (factors.totp) {
    const { settings } = factors.totp
    // The module's own check asks for one secret; a user may have several apps, so the check is
    // replaced with one that tries each (through the same code check and once-per-step rule), and
    // this getSecret, which only the replaced check would call, is never called.
    options.totp = {
      /* c8 ignore next */
      getSecret: () => null,
      algorithm: settings.algorithm,
      digits: settings.digits
    }
    wraps.set('totp', (module): CheckMethod => ({
      ...module as CheckMethod,
      available: async (user) => ofKind(await list(user), 'totp').length > 0 ? {} : undefined,
      async check (user, body, nowMs) {
        for (const factor of ofKind(await list(user), 'totp')) {
          const result = await checkTotpCode(user.id, factor.secret, body.code as string, nowMs, settings)
          if (!result.ok) continue
          // Recorded when the code matches; a replay the engine then refuses also counts as a use.
          await storage.markUsed(user, factor.id, { at: now() })
          return result
        }
        return { ok: false }
      }
    }))
  }

  if (factors.backupCodes) {
    options.backupCodes = {
      async consume (user, hash) {
        for (const set of ofKind(await list(user), 'backup-codes')) {
          if (await storage.useBackupCode!(user, set.id, hash) !== true) continue
          await storage.markUsed(user, set.id, { at: now() })
          return true
        }
        return false
      }
    }
    wraps.set('backup-code', (module): CheckMethod => ({
      ...module as CheckMethod,
      available: async (user) => ofKind(await list(user), 'backup-codes').some(({ remaining }) => remaining > 0) ? {} : undefined
    }))
  }

  if (factors.pin) {
    options.pin = {
      async verify (user, pin) {
        for (const factor of ofKind(await list(user), 'pin')) {
          if (!await verifyPin(pin, factor.hash)) continue
          await storage.markUsed(user, factor.id, { at: now() })
          return true
        }
        return false
      }
    }
    wraps.set('pin', (module): CheckMethod => ({
      ...module as CheckMethod,
      available: async (user) => ofKind(await list(user), 'pin').length > 0 ? {} : undefined
    }))
  }

  if (factors.passkey) {
    const { relyingParty, resolved } = factors.passkey
    const credentials = async (user: StepUpUser) => ofKind(await list(user), 'passkey').map(({ credential }) => credential)
    // Availability and the request options list the user's passkeys. The check is replaced (below)
    // with one that records the use, so this updateCounter, which only the replaced one would call,
    // is never called.
    options.passkey = {
      ...relyingParty,
      getCredentials: credentials,
      /* c8 ignore next */
      updateCounter: () => false
    }
    wraps.set('passkey', (module): CeremonyMethod => ({
      ...module as CeremonyMethod,
      async check (user, answer, challengeMatches) {
        const passkeys = ofKind(await list(user), 'passkey')
        const factorOf = (credentialId: string) => passkeys.find(({ credential }) => credential.id === credentialId)!
        let counted = false
        // The method's own check, over this one listing: the counter it stores is a conditional
        // update of the factor that signed, and a use is recorded once either way.
        const result = await createPasskeyMethod({
          ...relyingParty,
          ...resolved,
          getCredentials: () => passkeys.map(({ credential }) => credential),
          async updateCounter (owner, credentialId, counter) {
            counted = true
            return storage.markUsed(owner, factorOf(credentialId).id, { at: now(), counter })
          }
        }).check(user, answer, challengeMatches)
        // Refused, or its use recorded with its counter: nothing more to record.
        if (!result.ok || counted) return result
        await storage.markUsed(user, factorOf((answer as { id: string }).id).id, { at: now() })
        return result
      }
    }))
  }

  return resolveMethods(options).map((enabled) => {
    const wrap = wraps.get(enabled.name)
    return wrap ? { name: enabled.name, create: (context: MethodContext) => wrap(enabled.create(context)) } : enabled
  })
}
