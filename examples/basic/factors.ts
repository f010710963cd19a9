// The demo user's step-up factors, as an app would keep them: a phone, an authenticator-app secret,
// backup-code hashes, a PIN hash, security questions with answer hashes, and the passkeys the user
// registers (in memory: they are gone when the server stops). Dev only: a real app
// stores these per user (the TOTP secret encrypted), and never prints them.
import {
  generateBackupCodes,
  hashAnswer,
  hashPin,
  totpUri,
  verifyPin,
  type PasskeyRelyingParty,
  type RegisteredPasskey,
  type SecurityQuestion,
  type SmsMessage,
  type StepUpOptions,
  type StepUpUser
} from 'fastify-step-up'
import { checkPassword, findUserById, type User } from './users.js'

/** A fixed demo secret, so you can add it to an authenticator app once and keep using it. */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
export const DEMO_PIN = '2468'
export const DEMO_PHONE = '+1 555 010 0123'
/** The answers to the demo's security questions, by question id. */
export const DEMO_ANSWERS = { pet: 'Dinah', city: 'Oxford' } as const

export interface DemoFactors {
  phones: string[]
  totpSecret: string
  /** Backup-code hashes not used yet; a used one is deleted, which is what makes it single use. */
  backupCodeHashes: Set<string>
  pinHash: string
  questions: SecurityQuestion[]
  /** Registered on the page (examples/web); none at start. */
  passkeys: RegisteredPasskey[]
}

/** What a developer needs to try each method: lines printed at start-up, and her backup codes. */
export interface DemoSheet {
  notes: string[]
  backupCodes: string[]
}

/** Alice's factors, and the sheet that tells a developer how to use them. */
export async function demoFactors (): Promise<{ factors: DemoFactors, sheet: DemoSheet }> {
  const { codes, hashes } = generateBackupCodes({ count: 5 })
  const factors: DemoFactors = {
    phones: [DEMO_PHONE],
    totpSecret: DEMO_TOTP_SECRET,
    backupCodeHashes: new Set(hashes),
    pinHash: await hashPin(DEMO_PIN),
    questions: [
      { id: 'pet', question: "Your first pet's name?", answerHash: await hashAnswer(DEMO_ANSWERS.pet) },
      { id: 'city', question: 'Where were you born?', answerHash: await hashAnswer(DEMO_ANSWERS.city) }
    ],
    passkeys: []
  }
  const notes = [
    'DEV-ONLY demo factors of alice@example.com (a real app never prints these):',
    `  password: wonderland   PIN: ${DEMO_PIN}   answers: pet=${DEMO_ANSWERS.pet}, city=${DEMO_ANSWERS.city}`,
    `  authenticator app: ${totpUri({ secret: DEMO_TOTP_SECRET, accountName: 'alice@example.com', issuer: 'fastify-step-up demo' })}`,
    `  backup codes (each works once): ${codes.join(' ')}`,
    `  SMS codes to ${DEMO_PHONE} are printed in this console.`
  ]
  return { factors, sheet: { notes, backupCodes: codes } }
}

/** What the plugin sees of a logged-in user: their addresses, phone and enrolled factors. */
export function stepUpView (user: User, sessionId: string, factors: DemoFactors): StepUpUser {
  return {
    id: user.id,
    sessionId,
    emails: user.emails,
    phones: factors.phones,
    factors: { email: true, sms: true, totp: true, backupCodes: factors.backupCodeHashes.size > 0, pin: true }
  }
}

/**
 * Every method besides email, wired to the demo factors (the same for the Fastify and Express demos),
 * and passkeys when the app has a relying party (the web demo: its pages run on one origin).
 */
export function demoMethods (factors: DemoFactors, relyingParty?: PasskeyRelyingParty): Pick<StepUpOptions<unknown>, 'sms' | 'totp' | 'backupCodes' | 'password' | 'pin' | 'securityQuestions' | 'passkey'> {
  const isAlice = (id: string) => id === 'u_alice'
  return {
    ...(relyingParty
      ? {
          passkey: {
            ...relyingParty,
            getCredentials: (user) => isAlice(user.id) ? factors.passkeys : [],
            // A conditional update, as a database would do it: the counter only ever goes up.
            updateCounter: (user, credentialId, counter) => {
              const found = isAlice(user.id) ? factors.passkeys.find(({ id }) => id === credentialId) : undefined
              if (!found || found.counter >= counter) return false
              found.counter = counter
              return true
            }
          }
        }
      : {}),
    sms: { send: printSms },
    totp: { getSecret: (user) => isAlice(user.id) ? factors.totpSecret : null },
    backupCodes: { consume: (user, hash) => isAlice(user.id) && factors.backupCodeHashes.delete(hash) },
    password: {
      verify: async (user, password) => {
        const found = findUserById(user.id)
        return found ? checkPassword(found, password) : false
      }
    },
    pin: { verify: (user, pin) => isAlice(user.id) && verifyPin(pin, factors.pinHash) },
    securityQuestions: { getQuestions: (user) => isAlice(user.id) ? factors.questions : [] }
  }
}

/** The SMS "gateway" of the demo: it prints the message. Dev only, like the console mail. */
export async function printSms ({ to, text }: SmsMessage): Promise<void> {
  console.log(`\n========== DEV-ONLY SMS to ${to} ==========\n${text}\n==========\n`)
}
