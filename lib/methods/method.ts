import type { StepUpMethod, StepUpUser } from '../types.js'

/** A one-time code sent over a channel the user controls: email, SMS. */
export interface OtpChannel {
  kind: 'otp'
  method: StepUpMethod
  /** RFC 8176 values the token carries when this method is used. */
  amr: readonly string[]
  /** The body field that names a destination (`email`, `phone`), and its JSON schema. */
  field: string
  fieldSchema: object
  /** Where this user may receive a code right now. Empty: the method is not available to them. */
  destinations (user: StepUpUser): readonly string[]
  /** The form used to compare a destination the client names with the profile's. */
  normalize (destination: string): string
  /** How a destination is shown in replies. */
  mask (destination: string): string
  /** Delivers the code. Rejects when the transport refuses. */
  deliver (message: { user: StepUpUser, destination: string, code: string, ttlMs: number, action?: { name: string, data?: unknown } | undefined }): Promise<void>
}

/** What the methods list shows of a method besides its name (security questions list their questions). */
export interface MethodDetails {
  questions?: Array<{ id: string, question: string }>
}

/** The outcome of checking a credential. */
export type CheckResult =
  | { ok: true, /** Accept only if this number can be raised in the store (a TOTP time step). */ once?: { key: string, value: number, ttlMs: number } }
  | { ok: false }

/** A credential checked in one request, with nothing sent first: TOTP, backup code, password, PIN, answers. */
export interface CheckMethod {
  kind: 'check'
  method: StepUpMethod
  amr: readonly string[]
  /** The JSON schema of the body of `POST /<method>/verify` (an object schema; `action` is added to it). */
  body: { type: 'object', properties: object, [keyword: string]: unknown }
  /** Details for the methods list when the user can use this method now; undefined when not. */
  available (user: StepUpUser): Promise<MethodDetails | undefined>
  /** Checks the credential in the body (which passed the schema). */
  check (user: StepUpUser, body: Record<string, unknown>, nowMs: number): Promise<CheckResult>
  /** The error for a wrong credential. */
  wrong (): Error
}

export type StepUpMethodModule = OtpChannel | CheckMethod

/** True when `amr` is exactly the set a method emits, so one method is never mistaken for another. */
export function amrMatches (methodAmr: readonly string[], amr: readonly string[]): boolean {
  return methodAmr.length === amr.length && methodAmr.every((value) => amr.includes(value))
}
