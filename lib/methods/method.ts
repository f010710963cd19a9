import type { StepUpMethod, StepUpUser } from '../types.js'

/** A one-time code sent over a channel the user controls (email now; SMS later). */
export interface OtpChannel {
  method: StepUpMethod
  /** RFC 8176 values the token carries when this method is used. */
  amr: readonly string[]
  /** Where this user may receive a code right now. Empty: the method is not available to them. */
  destinations (user: StepUpUser): readonly string[]
  /** The form used to compare a destination the client names with the profile's. */
  normalize (destination: string): string
  /** How a destination is shown in replies. */
  mask (destination: string): string
  /** Delivers the code. Rejects when the transport refuses. */
  deliver (message: { user: StepUpUser, destination: string, code: string, ttlMs: number }): Promise<void>
}

/** True when `amr` is exactly the set a method emits, so one method is never mistaken for another. */
export function amrMatches (methodAmr: readonly string[], amr: readonly string[]): boolean {
  return methodAmr.length === amr.length && methodAmr.every((value) => amr.includes(value))
}
