// The requirements of each profile the plugin can check, with the number (or, for NIST, whose
// SHALL statements carry no numbers, the AAL and topic) that refusals and the report quote. Types
// and data only: the checks are in checks.ts, the defaults in defaults.ts, the report in report.ts.

/** The standards a configuration (or a level) can be asked to meet. */
export type StepUpProfile = 'nist-aal2' | 'nist-aal3' | 'asvs-l1' | 'asvs-l2' | 'asvs-l3'

export const PROFILES: readonly StepUpProfile[] = ['nist-aal2', 'nist-aal3', 'asvs-l1', 'asvs-l2', 'asvs-l3']

export const NIST = 'NIST SP 800-63B-4'
export const ASVS = 'OWASP ASVS 5.0'

export type RequirementId =
  | 'nist-reauth-aal2'
  | 'nist-reauth-aal3'
  | 'nist-aal3-multi-factor'
  | 'nist-aal3-no-synced'
  | 'nist-aal2-phishing-resistant'
  | 'nist-email'
  | 'nist-oob-lifetime'
  | 'nist-failures'
  | 'asvs-6.4.2'
  | 'asvs-6.3.5'
  | 'asvs-6.6.1'
  | 'asvs-6.5.5'
  | 'asvs-6.6.2'
  | 'asvs-6.5.1'
  | 'asvs-6.6.3'
  | 'asvs-7.5.1'
  | 'asvs-7.5.3'

export interface ProfileRequirement {
  id: RequirementId
  standard: typeof NIST | typeof ASVS
  /** The ASVS number, or for NIST the AAL and topic. */
  number: string
  /** What the standard asks, in short. */
  text: string
  /** The profiles it belongs to. */
  profiles: readonly StepUpProfile[]
  /**
   * `refuse`: a configuration that does not meet it fails at registration. `report`: the plugin
   * cannot enforce it alone (it depends on the app's routes), so the report says whether it is met.
   */
  enforcement: 'refuse' | 'report'
}

const ALL_ASVS: readonly StepUpProfile[] = ['asvs-l1', 'asvs-l2', 'asvs-l3']
const ALL_NIST: readonly StepUpProfile[] = ['nist-aal2', 'nist-aal3']

export const REQUIREMENTS: readonly ProfileRequirement[] = [
  { id: 'nist-reauth-aal2', standard: NIST, number: 'AAL2 reauthentication', text: 'Reauthenticate at most 24 hours after the last authentication and after 1 hour idle.', profiles: ['nist-aal2'], enforcement: 'refuse' },
  { id: 'nist-reauth-aal3', standard: NIST, number: 'AAL3 reauthentication', text: 'Reauthenticate at most 12 hours after the last authentication and after 15 minutes idle, with both factors.', profiles: ['nist-aal3'], enforcement: 'refuse' },
  { id: 'nist-aal3-multi-factor', standard: NIST, number: 'AAL3 authenticators', text: 'AAL3 is reached only with a multi-factor cryptographic authenticator: a passkey that verifies the user.', profiles: ['nist-aal3'], enforcement: 'refuse' },
  { id: 'nist-aal3-no-synced', standard: NIST, number: 'AAL3 non-exportable keys', text: 'Synced passkeys SHALL NOT be used at AAL3.', profiles: ['nist-aal3'], enforcement: 'refuse' },
  { id: 'nist-aal2-phishing-resistant', standard: NIST, number: 'AAL2 phishing resistance', text: 'At least one phishing-resistant option SHALL be offered.', profiles: ['nist-aal2'], enforcement: 'refuse' },
  { id: 'nist-email', standard: NIST, number: 'Out-of-band authenticators', text: 'Email is not an out-of-band authenticator at AAL2 or AAL3.', profiles: ALL_NIST, enforcement: 'refuse' },
  { id: 'nist-oob-lifetime', standard: NIST, number: 'Out-of-band secrets', text: 'An out-of-band code is valid at most 10 minutes.', profiles: ALL_NIST, enforcement: 'refuse' },
  { id: 'nist-failures', standard: NIST, number: 'Rate limiting', text: 'At most 100 consecutive failed attempts per account.', profiles: ALL_NIST, enforcement: 'refuse' },
  { id: 'asvs-6.4.2', standard: ASVS, number: '6.4.2', text: 'No security questions.', profiles: ALL_ASVS, enforcement: 'refuse' },
  { id: 'asvs-6.3.5', standard: ASVS, number: '6.3.5', text: 'Email is not an authentication factor.', profiles: ['asvs-l3'], enforcement: 'refuse' },
  { id: 'asvs-6.6.1', standard: ASVS, number: '6.6.1', text: 'SMS codes only beside a stronger method, and never at level 3.', profiles: ['asvs-l2', 'asvs-l3'], enforcement: 'refuse' },
  { id: 'asvs-6.5.5', standard: ASVS, number: '6.5.5', text: 'Out-of-band codes live at most 10 minutes; TOTP steps are at most 30 seconds.', profiles: ALL_ASVS, enforcement: 'refuse' },
  { id: 'asvs-6.6.2', standard: ASVS, number: '6.6.2', text: 'A code is bound to the request it was issued for.', profiles: ALL_ASVS, enforcement: 'refuse' },
  { id: 'asvs-6.5.1', standard: ASVS, number: '6.5.1', text: 'One-time codes are used once.', profiles: ALL_ASVS, enforcement: 'refuse' },
  { id: 'asvs-6.6.3', standard: ASVS, number: '6.6.3', text: 'Code guessing is rate limited.', profiles: ALL_ASVS, enforcement: 'refuse' },
  { id: 'asvs-7.5.1', standard: ASVS, number: '7.5.1', text: 'Reauthenticate before changing MFA settings.', profiles: ['asvs-l2', 'asvs-l3'], enforcement: 'report' },
  { id: 'asvs-7.5.3', standard: ASVS, number: '7.5.3', text: 'Reauthenticate before highly sensitive transactions.', profiles: ['asvs-l3'], enforcement: 'report' }
]

/** NIST SP 800-63B-4's idle reauthentication limit for each AAL profile, in milliseconds. */
export const IDLE_LIMIT_MS: Partial<Record<StepUpProfile, number>> = {
  'nist-aal2': 60 * 60 * 1000,
  'nist-aal3': 15 * 60 * 1000
}

/** How a refusal quotes a requirement: `NIST SP 800-63B-4 AAL3 reauthentication`, `ASVS 5.0 6.4.2`. */
export function quote (requirement: ProfileRequirement): string {
  return requirement.standard === ASVS ? `ASVS 5.0 ${requirement.number}` : `${NIST} ${requirement.number}`
}

export function requirement (id: RequirementId): ProfileRequirement {
  return REQUIREMENTS.find((one) => one.id === id)!
}

/** The reauthentication requirement of a NIST profile, quoted. */
export function reauthenticationQuote (profile: StepUpProfile): string {
  return quote(requirement(profile === 'nist-aal3' ? 'nist-reauth-aal3' : 'nist-reauth-aal2'))
}
