// The demo user's step-up factors, as an app would keep them: a phone and security questions on the
// profile, and the managed factors (an authenticator app, backup codes, a PIN, and the passkeys the
// user registers) in a MemoryFactorStorage, where the plugin's factor routes change them and its
// step-ups read them: a factor enrolled on the page works for a step-up at once, one removed stops
// at once. In memory: gone when the server stops. Dev only: a real app keeps factors in its
// database (the TOTP secret encrypted), and never prints them.
import { randomBytes } from 'node:crypto'
import {
  generateBackupCodes,
  hashAnswer,
  hashPin,
  MemoryFactorStorage,
  totpUri,
  type FactorOptions,
  type PasskeyRelyingParty,
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
/** The issuer authenticator apps show, for the demo secret and for apps enrolled on the page. */
export const DEMO_ISSUER = 'fastify-step-up demo'

export interface DemoFactors {
  phones: string[]
  questions: SecurityQuestion[]
  /** The managed factors: the plugin's factor routes change them, its step-ups read them. */
  storage: MemoryFactorStorage
}

/** What a developer needs to try each method: lines printed at start-up, and her backup codes. */
export interface DemoSheet {
  notes: string[]
  backupCodes: string[]
}

/** Alice's factors, and the sheet that tells a developer how to use them. */
export async function demoFactors (): Promise<{ factors: DemoFactors, sheet: DemoSheet }> {
  const { codes, hashes } = generateBackupCodes({ count: 5 })
  const storage = new MemoryFactorStorage()
  // What enrolling through the factor routes would have saved; the ids are the plugin's kind (128 random bits).
  const alice = { id: 'u_alice' } as StepUpUser
  const id = () => randomBytes(16).toString('base64url')
  const createdAt = new Date()
  storage.save(alice, { kind: 'totp', id: id(), label: 'Demo authenticator app', createdAt, secret: DEMO_TOTP_SECRET }, [])
  storage.save(alice, { kind: 'backup-codes', id: id(), label: 'Backup codes', createdAt, hashes }, [])
  storage.save(alice, { kind: 'pin', id: id(), label: 'PIN', createdAt, hash: await hashPin(DEMO_PIN) }, [])
  const factors: DemoFactors = {
    phones: [DEMO_PHONE],
    questions: [
      { id: 'pet', question: "Your first pet's name?", answerHash: await hashAnswer(DEMO_ANSWERS.pet) },
      { id: 'city', question: 'Where were you born?', answerHash: await hashAnswer(DEMO_ANSWERS.city) }
    ],
    storage
  }
  const notes = [
    'DEV-ONLY demo factors of alice@example.com (a real app never prints these):',
    `  password: wonderland   PIN: ${DEMO_PIN}   answers: pet=${DEMO_ANSWERS.pet}, city=${DEMO_ANSWERS.city}`,
    `  authenticator app: ${totpUri({ secret: DEMO_TOTP_SECRET, accountName: 'alice@example.com', issuer: DEMO_ISSUER })}`,
    `  backup codes (each works once): ${codes.join(' ')}`,
    `  SMS codes to ${DEMO_PHONE} are printed in this console.`,
    '  Factors are kept in memory: GET /step-up/factors lists them; changes need a fresh step-up.'
  ]
  return { factors, sheet: { notes, backupCodes: codes } }
}

/** What the plugin sees of a logged-in user: their addresses and phone. The managed factors are in the storage. */
export function stepUpView (user: User, sessionId: string, factors: DemoFactors): StepUpUser {
  return {
    id: user.id,
    sessionId,
    emails: user.emails,
    phones: factors.phones,
    factors: { email: true, sms: true }
  }
}

/**
 * Every method besides email (the same for the Fastify and Express demos): SMS, password and
 * security questions by the app's callbacks, and factor management for the rest, with passkeys when
 * the app has a relying party (the web demo: its pages run on one origin).
 */
export function demoMethods (factors: DemoFactors, relyingParty?: PasskeyRelyingParty): Pick<StepUpOptions<unknown>, 'sms' | 'password' | 'securityQuestions' | 'factors'> {
  const isAlice = (id: string) => id === 'u_alice'
  const managed: FactorOptions = {
    storage: factors.storage,
    totp: { issuer: DEMO_ISSUER },
    backupCodes: { count: 5 },
    pin: true,
    ...(relyingParty ? { passkey: relyingParty } : {})
  }
  return {
    sms: { send: printSms },
    password: {
      verify: async (user, password) => {
        const found = findUserById(user.id)
        return found ? checkPassword(found, password) : false
      }
    },
    securityQuestions: { getQuestions: (user) => isAlice(user.id) ? factors.questions : [] },
    factors: managed
  }
}

/** The SMS "gateway" of the demo: it prints the message. Dev only, like the console mail. */
export async function printSms ({ to, text }: SmsMessage): Promise<void> {
  console.log(`\n========== DEV-ONLY SMS to ${to} ==========\n${text}\n==========\n`)
}
