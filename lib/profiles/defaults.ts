// What a profile fills in where the app gave nothing, before the options are checked: freshness
// within NIST's idle reauthentication limit, and `phishingResistant: 'hardware'` on AAL3 levels.
// Only `undefined` takes a default; a value the app gave is checked, and refused when it exceeds.
import { toMilliseconds } from '../duration.js'
import type { LevelOptions, StepUpOptions } from '../types.js'
import { checkProfileName } from './levels.js'
import { IDLE_LIMIT_MS } from './requirements.js'

export function withProfileDefaults<Options extends StepUpOptions<any>> (given: Options): Options {
  const profile = checkProfileName('profile', given.profile)
  const pluginLimit = profile === undefined ? undefined : IDLE_LIMIT_MS[profile]
  let options = given
  // The default freshness is the token's lifetime (5 minutes unless set): capped, never raised.
  const tokenTtlMs = toMilliseconds('tokenTtl', given.tokenTtl ?? '5m')
  if (pluginLimit !== undefined && given.maxAge === undefined && tokenTtlMs > pluginLimit) options = { ...options, maxAge: pluginLimit }
  const levels = given.levels
  // A levels value that is not an object is refused later, with the message for it.
  if (typeof levels !== 'object' || levels === null) return options
  const pluginMaxAgeMs = options.maxAge === undefined ? tokenTtlMs : toMilliseconds('maxAge', options.maxAge)
  const defaulted = Object.fromEntries(Object.entries(levels).map(([name, level]) => [name, levelDefaults(name, level, pluginMaxAgeMs)]))
  return { ...options, levels: defaulted }
}

function levelDefaults (name: string, level: LevelOptions, pluginMaxAgeMs: number): LevelOptions {
  if (typeof level !== 'object' || level === null) return level
  const profile = checkProfileName(`levels.${name}.profile`, level.profile)
  const limit = profile === undefined ? undefined : IDLE_LIMIT_MS[profile]
  return {
    ...level,
    ...(limit !== undefined && level.maxAge === undefined && pluginMaxAgeMs > limit ? { maxAge: limit } : {}),
    // NIST SP 800-63B-4: synced passkeys SHALL NOT be used at AAL3.
    ...(profile === 'nist-aal3' && level.phishingResistant === undefined ? { phishingResistant: 'hardware' as const } : {})
  }
}
