// A level's assurance settings (`phishingResistant`, `profile`), checked where the level is.
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import type { LevelOptions } from '../types.js'
import { PROFILES, type StepUpProfile } from './requirements.js'

export interface LevelAssurance {
  phishingResistant: true | 'hardware' | undefined
  profile: StepUpProfile | undefined
}

/** True when `value` is one of the profiles; anything else given is refused. */
export function checkProfileName (name: string, value: unknown): StepUpProfile | undefined {
  if (value === undefined) return undefined
  if (!PROFILES.includes(value as StepUpProfile)) throw new FST_STEP_UP_OPTION_INVALID(name, `must be one of ${PROFILES.join(', ')}`)
  return value as StepUpProfile
}

export function checkPhishingResistant (name: string, value: unknown): true | 'hardware' | undefined {
  if (value === undefined || value === true || value === 'hardware') return value
  throw new FST_STEP_UP_OPTION_INVALID(name, 'must be true or "hardware"')
}

/**
 * The acr values `phr` and `phrh` mean what OpenID Connect EAP says, and routes that ask for
 * phishing resistance read them: a level may carry one only when it demands exactly that.
 */
export function checkLevelAssurance (name: string, level: LevelOptions, acr: string): LevelAssurance {
  const phishingResistant = checkPhishingResistant(`levels.${name}.phishingResistant`, level.phishingResistant)
  const profile = checkProfileName(`levels.${name}.profile`, level.profile)
  if (phishingResistant !== undefined && !level.methods.includes('passkey')) {
    throw new FST_STEP_UP_OPTION_INVALID(`levels.${name}.phishingResistant`, 'needs "passkey" in the level\'s methods: only a passkey is phishing-resistant')
  }
  // Exactly: a synced passkey that reaches no level carries `phr`, so `phr` on a level that demands
  // 'hardware' would let it pass for one.
  if ((acr === 'phrh' && phishingResistant !== 'hardware') || (acr === 'phr' && phishingResistant !== true)) {
    throw new FST_STEP_UP_OPTION_INVALID(`levels.${name}.acr`, `"${acr}" means a phishing-resistant step-up${acr === 'phrh' ? ' with a device-bound key' : ''}: set phishingResistant: ${acr === 'phrh' ? '"hardware"' : 'true'} on the level, or choose another acr`)
  }
  return { phishingResistant, profile }
}
