// The shapes of the LoginRadius-compatible routes: what they accept (JSON schemas over names in
// lower case, since the reference's clients spell them `Otp`, `otp`, `BackupCode`, `emailId`...)
// and what they answer (the reference's field names).
import { FST_STEP_UP_INVALID_REQUEST } from '../../errors.js'
import type { IssuedToken } from '../../core/tokens.js'
import { answersSchema } from '../../methods/security-questions/method.js'

/** Property and parameter names compared without regard to case. Deeper than this, nothing of ours is expected. */
const MAX_DEPTH = 4

/**
 * A copy of a parsed JSON body with every property name in lower case, down to the depth our
 * schemas look at. Two names that differ only in case are refused: which one was meant is unknown.
 */
export function lowerCaseKeys (value: unknown, where = 'body', depth = 0): unknown {
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((item, index) => lowerCaseKeys(item, `${where}/${index}`, depth + 1))
  const seen = new Set<string>()
  // fromEntries defines own properties, so even a "__proto__" name stays plain data (and is then refused).
  return Object.fromEntries(Object.entries(value).map(([name, item]) => {
    const lower = name.toLowerCase()
    if (seen.has(lower)) throw new FST_STEP_UP_INVALID_REQUEST(`${where} has "${lower.slice(0, 64)}" more than once, in different cases`)
    seen.add(lower)
    return [lower, lowerCaseKeys(item, `${where}/${lower}`, depth + 1)]
  }))
}

/** Query parameters by lower-case name, each with every value it was given. */
export type QueryValues = Map<string, string[]>

export function parseQuery (search: string): QueryValues {
  const values: QueryValues = new Map()
  for (const [name, value] of new URLSearchParams(search)) {
    const lower = name.toLowerCase()
    values.set(lower, [...values.get(lower) ?? [], value])
  }
  return values
}

/** One value per parameter; a parameter repeated with different values is refused. */
export function singleValues (query: QueryValues): Record<string, string> {
  return Object.fromEntries([...query].map(([name, values]) => {
    if (values.some((value) => value !== values[0])) {
      throw new FST_STEP_UP_INVALID_REQUEST(`query has "${name.slice(0, 64)}" more than once, with different values`)
    }
    return [name, values[0]!]
  }))
}

/** The path and the query string of a request URL. */
export function splitUrl (url: string): { path: string, search: string } {
  const mark = url.indexOf('?')
  return mark === -1 ? { path: url, search: '' } : { path: url.slice(0, mark), search: url.slice(mark + 1) }
}

/** A one-time code as our own routes take it: digits in a string, so leading zeros survive. */
export const codeSchema = { type: 'string', pattern: '^[0-9]{1,12}$' } as const

/**
 * Fields the reference's client models may add to any re-authentication body: an answer that
 * unlocks a locked account there, and captcha responses. Accepted and not used here: the lock here
 * always ends by itself, and no captcha is asked.
 */
const clientModelFields = {
  securityanswer: { type: 'object', maxProperties: 10, additionalProperties: { type: 'string', maxLength: 256 } },
  'g-recaptcha-response': { type: 'string', maxLength: 4096 },
  'h-captcha-response': { type: 'string', maxLength: 4096 },
  qq_captcha_randstr: { type: 'string', maxLength: 256 },
  qq_captcha_ticket: { type: 'string', maxLength: 4096 }
} as const

/** A body with exactly these (lower-case) fields, all required, plus the client-model fields. */
export function bodySchema (fields: Record<string, object>): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(fields),
    properties: { ...fields, ...clientModelFields }
  }
}

export const securityAnswersSchema = answersSchema('questionid')

/** The server-to-server check's body. */
export const validationBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['secondfactorvalidationtoken'],
  properties: { secondfactorvalidationtoken: { type: 'string', minLength: 1, maxLength: 4096 } }
} as const

/**
 * A query schema over lower-case names. Parameters it does not name are let through unread: the
 * reference's SDKs add their own (`region`, `fields`) to every call.
 */
export function querySchema (fields: Record<string, object>, required: string[] = []): object {
  return { type: 'object', required, properties: fields }
}

/** `{ SecondFactorValidationToken, ExpireIn }`: the token and when it expires, as an ISO 8601 time. */
export function tokenReply ({ token, claims }: IssuedToken): { SecondFactorValidationToken: string, ExpireIn: string } {
  return { SecondFactorValidationToken: token, ExpireIn: new Date(claims.exp * 1000).toISOString() }
}

/** The trigger's answer: which authenticators the account can use, with the reference's names. */
export interface MfaSettings {
  IsEmailOtpAuthenticatorVerified: boolean
  /** The addresses that can receive an email code, masked. */
  Email: string[]
  IsAuthenticatorVerified: boolean
  /** The reference's older name for the authenticator app flag; the same value. */
  IsGoogleAuthenticatorVerified: boolean
  IsOTPAuthenticatorVerified: boolean
  /** The phone the SMS code goes to, masked; null without one. */
  OTPPhoneNo: string | null
  IsSecurityQuestionAuthenticatorVerified: boolean
  SecurityQuestions: Array<{ QuestionId: string, Question: string }>
  /** When a code sent now stops working (ISO 8601). */
  ExpireIn: string
  /**
   * For a user without an authenticator app, when the plugin manages factors (`factors.totp`): the
   * QR code (a PNG data: URL) of the session's pending one; otherwise empty.
   */
  QRCode: string
  /** Its secret, to type in instead (base32); empty when `QRCode` is. */
  ManualEntryCode: string
}
