// The server's names, as the client sees them. The methods come from the server's catalog, a file
// of types that imports nothing, so the client's types load nothing of the server's (nodemailer,
// Fastify). The error codes are declared here; test/client.test.ts checks at compile time that they
// stay the same as the server's.
import type { MethodsOfKind, StepUpMethod, StepUpMethodCatalog } from '../methods/catalog.js'

/** A step-up method: also its route segment (`/step-up/<method>/...`). */
export type StepUpMethodName = StepUpMethod

/** The methods that send a one-time code first (`send`, then `verify`). */
export type CodeMethodName = MethodsOfKind<'otp'>

/** The methods whose client answers a challenge with a browser API (WebAuthn), not with what a person types. */
export type CeremonyMethodName = MethodsOfKind<'ceremony'>

/** The methods checked in one request (`verifyCredential`). */
export type CredentialMethodName = MethodsOfKind<'check'>

/** The methods checked in one request whose body is one thing a person types (a password, a code), not a list of answers. */
export type FieldMethodName = {
  [Method in CredentialMethodName]: StepUpMethodCatalog[Method]['body'][keyof StepUpMethodCatalog[Method]['body']] extends string ? Method : never
}[CredentialMethodName]

/** Every error code a step-up route or guard answers with. */
export type StepUpErrorCode =
  | 'FST_STEP_UP_UNAUTHENTICATED'
  | 'FST_STEP_UP_INVALID_REQUEST'
  | 'FST_STEP_UP_METHOD_UNAVAILABLE'
  | 'FST_STEP_UP_DESTINATION_NOT_ALLOWED'
  | 'FST_STEP_UP_RESEND_TOO_SOON'
  | 'FST_STEP_UP_SEND_LIMIT'
  | 'FST_STEP_UP_VERIFY_LIMIT'
  | 'FST_STEP_UP_LOCKED'
  | 'FST_STEP_UP_CHALLENGE_NOT_FOUND'
  | 'FST_STEP_UP_CODE_INVALID'
  | 'FST_STEP_UP_CREDENTIAL_INVALID'
  | 'FST_STEP_UP_CODE_EXPIRED'
  | 'FST_STEP_UP_CODE_USED'
  | 'FST_STEP_UP_ATTEMPTS_EXHAUSTED'
  | 'FST_STEP_UP_PASSKEY_INVALID'
  | 'FST_STEP_UP_TOKEN_MISSING'
  | 'FST_STEP_UP_TOKEN_INVALID'
  | 'FST_STEP_UP_TOKEN_EXPIRED'
  | 'FST_STEP_UP_TOKEN_USED'
  | 'FST_STEP_UP_INSUFFICIENT'
  | 'FST_STEP_UP_SEND_FAILED'
  | 'FST_STEP_UP_STORE_UNAVAILABLE'
  | 'FST_STEP_UP_FACTOR_NOT_FOUND'
  | 'FST_STEP_UP_FACTOR_LIMIT'
  | 'FST_STEP_UP_FACTOR_BUSY'
  | 'FST_STEP_UP_ACTION_MISMATCH'

/** What `Headers` accepts: an object, a list of pairs or a `Headers`. */
export type HeadersLike = ConstructorParameters<typeof Headers>[0]

/** A `fetch` function: the global one, or one the app wraps (credentials, base URL, logging). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>
