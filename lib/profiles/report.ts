// The compliance report: every requirement of each configured profile, met or not, and why. Made
// once at registration (the configuration does not change); a requirement the plugin enforces and
// the configuration does not meet fails registration instead, quoting its number.
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import { assess, type CheckContext, type ProfileSubject } from './checks.js'
import { quote, REQUIREMENTS, type StepUpProfile } from './requirements.js'

export interface ComplianceEntry {
  profile: StepUpProfile
  /** `'plugin'` for the `profile` option, else the level that names the profile. */
  scope: string
  standard: string
  number: string
  text: string
  met: boolean
  why: string
}

/** The subjects a configuration's profiles apply to: the whole configuration, and each level that names one. */
function subjects ({ options }: CheckContext): Array<ProfileSubject & { scope: string }> {
  const enabled = options.methods.map((method) => method.name)
  return [
    ...(options.profile === undefined ? [] : [{ scope: 'plugin', profile: options.profile, methods: enabled }]),
    ...options.levels.flatMap((level) => level.profile === undefined ? [] : [{ scope: `levels.${level.name}`, profile: level.profile, methods: level.methods, level }])
  ]
}

/** The report; throws FST_STEP_UP_OPTION_INVALID for the first enforced requirement that is not met. */
export function complianceReport (context: CheckContext): ComplianceEntry[] {
  return subjects(context).flatMap((subject) => REQUIREMENTS
    .filter((requirement) => requirement.profiles.includes(subject.profile))
    .map((requirement) => {
      const { met, why, option } = assess(requirement.id, subject, context)
      if (!met && requirement.enforcement === 'refuse') {
        throw new FST_STEP_UP_OPTION_INVALID(option, `${why} (${quote(requirement)}, profile ${subject.profile})`)
      }
      const { standard, number, text } = requirement
      return { profile: subject.profile, scope: subject.scope, standard, number, text, met, why }
    }))
}

/** One line for the startup log. */
export function complianceLine (entries: readonly ComplianceEntry[]): string {
  if (entries.length === 0) return 'step-up compliance: no profile is configured'
  const met = entries.filter((entry) => entry.met).length
  const unmet = entries.filter((entry) => !entry.met).map((entry) => `${entry.number} (${entry.scope})`)
  return `step-up compliance: ${met} of ${entries.length} requirements met` + (unmet.length > 0 ? `; not met: ${unmet.join(', ')}` : '')
}
