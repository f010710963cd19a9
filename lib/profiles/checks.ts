// Whether the configuration (or one level) meets each requirement of its profile, and why. A
// requirement that is not met fails registration when the plugin can enforce it; the report
// (report.ts) shows every answer.
import type { ResolvedLevel } from '../core/policy.js'
import type { StepUpMethod } from '../methods/catalog.js'
import type { ResolvedOptions } from '../options.js'
import { IDLE_LIMIT_MS, type RequirementId, type StepUpProfile } from './requirements.js'

/** What a profile is checked on: the whole configuration, or one level that names a profile. */
export interface ProfileSubject {
  profile: StepUpProfile
  /** The enabled methods, or the level's. */
  methods: readonly StepUpMethod[]
  level?: ResolvedLevel | undefined
}

export interface Assessment {
  met: boolean
  why: string
  /** The option to change when it is not met. */
  option: string
}

/** What the checks read besides the resolved options. */
export interface CheckContext {
  options: ResolvedOptions
  /** The passkey method's user verification, when passkeys are on. */
  passkeyUserVerification: 'required' | 'preferred' | undefined
}

const minutes = (ms: number): string => `${Math.round(ms / 6000) / 10} minutes`

type Check = (subject: ProfileSubject, context: CheckContext) => Assessment

function methodsOption (subject: ProfileSubject, method: string): string {
  return subject.level ? `levels.${subject.level.name}.methods` : method
}

/** How a message says the subject uses a method: the option turns it on, or the level lists it. */
function uses (subject: ProfileSubject, method: string): string {
  return `${subject.level ? 'lists' : 'turns on'} ${method}`
}

/** A method the subject must not use. */
function without (method: StepUpMethod, option: string, because: string): Check {
  return (subject) => subject.methods.includes(method)
    ? { met: false, option: methodsOption(subject, option), why: `${uses(subject, method)}: ${because}` }
    : { met: true, option: methodsOption(subject, option), why: `${method} is not in use` }
}

function reauthentication (subject: ProfileSubject, { options }: CheckContext): Assessment {
  const limit = IDLE_LIMIT_MS[subject.profile]!
  const freshness = subject.level
    ? [{ option: `levels.${subject.level.name}.maxAge`, ms: subject.level.maxAgeMs ?? options.maxAgeMs }]
    : [
        { option: 'maxAge', ms: options.maxAgeMs },
        ...options.levels.map((level) => ({ option: `levels.${level.name}.maxAge`, ms: level.maxAgeMs ?? options.maxAgeMs })),
        // A factor change asks for a step-up this fresh.
        ...(options.factors ? [{ option: 'factors.change.maxAge', ms: options.factors.maxAgeMs }] : [])
      ]
  const over = freshness.find(({ ms }) => ms > limit)
  if (over) return { met: false, option: over.option, why: `is ${minutes(over.ms)}, more than the ${minutes(limit)} allowed` }
  return {
    met: true,
    option: freshness[0]!.option,
    why: `a step-up is accepted for at most ${minutes(Math.max(...freshness.map(({ ms }) => ms)))}; routes that name a longer maxAge are refused at startup. The overall limit is the app's session's.`
  }
}

const CHECKS: Record<RequirementId, Check> = {
  'nist-reauth-aal2': reauthentication,
  'nist-reauth-aal3': reauthentication,
  'nist-aal3-multi-factor': (subject, { passkeyUserVerification }) => {
    const other = subject.methods.find((method) => method !== 'passkey')
    if (other !== undefined) return { met: false, option: methodsOption(subject, other), why: `${uses(subject, other)}, a single factor: only passkeys reach AAL3` }
    if (passkeyUserVerification !== 'required') return { met: false, option: 'passkey.userVerification', why: 'must be "required": a passkey without user verification is a single factor' }
    return { met: true, option: methodsOption(subject, 'passkey'), why: 'only passkeys, with user verification required' }
  },
  'nist-aal3-no-synced': (subject) => {
    if (!subject.level) return { met: true, option: 'profile', why: 'every route asks for phishingResistant "hardware", and factor management refuses to register a synced passkey' }
    return subject.level.phishingResistant === 'hardware'
      ? { met: true, option: `levels.${subject.level.name}.phishingResistant`, why: 'only a device-bound passkey reaches the level' }
      : { met: false, option: `levels.${subject.level.name}.phishingResistant`, why: 'must be "hardware", so that a synced passkey does not reach the level' }
  },
  'nist-aal2-phishing-resistant': (subject) => subject.methods.includes('passkey')
    ? { met: true, option: methodsOption(subject, 'passkey'), why: 'passkeys are offered' }
    : { met: false, option: methodsOption(subject, 'passkey'), why: `must ${subject.level ? 'list passkey' : 'be set'}: passkeys are the only phishing-resistant method, and one SHALL be offered` },
  'nist-email': without('email', 'email', 'email codes do not reach AAL2'),
  'nist-oob-lifetime': (_subject, { options }) => ({ met: true, option: 'codes.ttl', why: `codes live ${minutes(options.codeTtlMs)}; more than 10 minutes is always refused` }),
  'nist-failures': (_subject, { options }) => ({ met: true, option: 'lockout.maxFailures', why: `step-up locks after ${options.lockoutMaxFailures} failures; more than 100 is always refused` }),
  'asvs-6.4.2': without('security-questions', 'securityQuestions', 'security questions are not allowed'),
  'asvs-6.3.5': without('email', 'email', 'email is not an authentication factor at level 3'),
  'asvs-6.6.1': (subject) => {
    const option = methodsOption(subject, 'sms')
    if (!subject.methods.includes('sms')) return { met: true, option, why: 'sms is not in use' }
    if (subject.profile === 'asvs-l3') return { met: false, option, why: `${uses(subject, 'sms')}, which level 3 does not allow` }
    return subject.methods.includes('totp') || subject.methods.includes('passkey')
      ? { met: true, option, why: 'sms is offered beside a stronger method (totp or passkey)' }
      : { met: false, option, why: `${uses(subject, 'sms')} without a stronger method: add totp or passkey` }
  },
  'asvs-6.5.5': (_subject, { options }) => ({ met: true, option: 'codes.ttl', why: `codes live ${minutes(options.codeTtlMs)} (more than 10 is always refused); TOTP steps are 30 seconds` }),
  'asvs-6.6.2': () => ({ met: true, option: 'codes', why: 'a challenge answers only for its user, session and method, and for the action it was started for' }),
  'asvs-6.5.1': () => ({ met: true, option: 'codes', why: 'codes and passkey challenges are spent by their first answer, TOTP steps and backup codes once each' }),
  'asvs-6.6.3': (_subject, { options }) => ({ met: true, option: 'lockout', why: `${options.maxAttempts} guesses per code, and step-up locks after ${options.lockoutMaxFailures} failures` }),
  'asvs-7.5.1': (_subject, { options }) => options.factors
    ? { met: true, option: 'factors', why: 'factor management asks for a fresh step-up before every change' }
    : { met: false, option: 'factors', why: 'factor management is off: guard the app\'s own MFA settings routes with requireStepUp' },
  'asvs-7.5.3': () => ({ met: true, option: 'requireStepUp', why: 'routes guarded with requireStepUp (and an action) ask for a fresh step-up; which routes are sensitive is the app\'s call' })
}

export function assess (id: RequirementId, subject: ProfileSubject, context: CheckContext): Assessment {
  return CHECKS[id](subject, context)
}
