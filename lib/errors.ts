// Every error the plugin raises, in one place. Codes are stable API: clients switch on them.
// Configuration errors carry no status (they stop registration); request errors carry one.
// No message says whether another account, challenge or address exists, and none carries a code,
// a secret or a token.
import createError from '@fastify/error'

// The constructors' types are our own, not @fastify/error's: its `export =` namespace does not
// survive every consumer's module setting (under `moduleResolution: "bundler"` the emitted
// `createError.FastifyErrorConstructor` is not found, or turns into `any` with skipLibCheck).

/** An error made by one of the `FST_STEP_UP_*` constructors: its code and status are literal types. */
export interface StepUpErrorOf<Code extends string, Status extends number | undefined> extends Error {
  /** 'FastifyError', as @fastify/error names every error it makes. */
  name: string
  code: Code
  /** `undefined` for configuration errors: they are never an answer to a client. */
  statusCode: Status
}

/** A `FST_STEP_UP_*` constructor; like @fastify/error's, it works with or without `new`. */
export interface StepUpErrorConstructor<Code extends string, Status extends number | undefined, Args extends unknown[]> {
  new (...args: Args): StepUpErrorOf<Code, Status>
  (...args: Args): StepUpErrorOf<Code, Status>
  readonly prototype: StepUpErrorOf<Code, Status>
}

/** One string argument per `%s` in a message, in order. */
type FormatArgs<Message extends string> = Message extends `${string}%s${infer Rest}` ? [string, ...FormatArgs<Rest>] : []

/** The arguments of a constructor: the message's, then `{ cause }`, which @fastify/error sets as the cause. */
type ErrorArgs<Message extends string> = [...FormatArgs<Message>, options?: { cause: unknown }]

/** A status of 0 tells @fastify/error to set none, so the error's statusCode is undefined. */
type StatusOf<Status extends number> = Status extends 0 ? undefined : Status

/** createError, with the code, the status and the message's arguments kept in the type. */
function define<Code extends string, Message extends string, Status extends number> (code: Code, message: Message, statusCode: Status):
StepUpErrorConstructor<Code, StatusOf<Status>, ErrorArgs<Message>> {
  return createError(code, message, statusCode) as unknown as StepUpErrorConstructor<Code, StatusOf<Status>, ErrorArgs<Message>>
}

// Configuration: thrown while the plugin registers, so `ready()` rejects. Status 0: none, these
// are never an answer to a client.
export const FST_STEP_UP_OPTION_SECRET = define(
  'FST_STEP_UP_OPTION_SECRET',
  'The secret option must be a string or Buffer of at least 32 bytes',
  0
)
export const FST_STEP_UP_OPTION_GET_USER = define(
  'FST_STEP_UP_OPTION_GET_USER',
  'The getUser option must be a function that returns the logged-in user (or null)',
  0
)
export const FST_STEP_UP_OPTION_DURATION = define(
  'FST_STEP_UP_OPTION_DURATION',
  'The %s option must be a positive number of milliseconds or a duration like "30s", "5m", "1h"; got %s',
  0
)
export const FST_STEP_UP_OPTION_INVALID = define(
  'FST_STEP_UP_OPTION_INVALID',
  'The %s option %s',
  0
)

// A package the plugin loads only when it needs it (an optional peer) is absent or the wrong major.
export const FST_STEP_UP_DEPENDENCY_MISSING = define(
  'FST_STEP_UP_DEPENDENCY_MISSING',
  'fastify-step-up needs %s: %s',
  0
)

// Requests: who is asking and what they sent.
export const FST_STEP_UP_UNAUTHENTICATED = define(
  'FST_STEP_UP_UNAUTHENTICATED',
  'Log in before stepping up',
  401
)
// 400, or the status HTTP gives a body refused for its size or type (invalidBody in lib/http/body.ts).
export const FST_STEP_UP_INVALID_REQUEST = define(
  'FST_STEP_UP_INVALID_REQUEST',
  'Invalid request: %s',
  400 as 400 | 413 | 415
)
export const FST_STEP_UP_METHOD_UNAVAILABLE = define(
  'FST_STEP_UP_METHOD_UNAVAILABLE',
  'The %s step-up method is not available for this account',
  403
)
export const FST_STEP_UP_DESTINATION_NOT_ALLOWED = define(
  'FST_STEP_UP_DESTINATION_NOT_ALLOWED',
  'This destination cannot receive step-up codes for this account',
  400
)

// Limits.
export const FST_STEP_UP_RESEND_TOO_SOON = define(
  'FST_STEP_UP_RESEND_TOO_SOON',
  'A code was sent moments ago; wait before asking for another',
  429
)
export const FST_STEP_UP_SEND_LIMIT = define(
  'FST_STEP_UP_SEND_LIMIT',
  'Too many codes were sent to this account; try again later',
  429
)
export const FST_STEP_UP_VERIFY_LIMIT = define(
  'FST_STEP_UP_VERIFY_LIMIT',
  'Too many step-ups with a password, PIN or security questions on this account; try again later',
  429
)
export const FST_STEP_UP_LOCKED = define(
  'FST_STEP_UP_LOCKED',
  'Step-up is locked for this account after too many failed attempts; try again later',
  429
)

// Challenges and codes.
export const FST_STEP_UP_CHALLENGE_NOT_FOUND = define(
  'FST_STEP_UP_CHALLENGE_NOT_FOUND',
  'No such step-up challenge; start a new one',
  404
)
export const FST_STEP_UP_CODE_INVALID = define(
  'FST_STEP_UP_CODE_INVALID',
  'The code is not correct',
  400
)
export const FST_STEP_UP_CREDENTIAL_INVALID = define(
  'FST_STEP_UP_CREDENTIAL_INVALID',
  'The %s did not match',
  400
)
export const FST_STEP_UP_CODE_EXPIRED = define(
  'FST_STEP_UP_CODE_EXPIRED',
  'The code has expired; ask for a new one',
  400
)
export const FST_STEP_UP_CODE_USED = define(
  'FST_STEP_UP_CODE_USED',
  'The code has already been used; ask for a new one',
  400
)
export const FST_STEP_UP_ATTEMPTS_EXHAUSTED = define(
  'FST_STEP_UP_ATTEMPTS_EXHAUSTED',
  'Too many wrong codes for this challenge; ask for a new code',
  400
)
/** A passkey assertion (or registration) that did not verify; the reason is one of a fixed few. */
export const FST_STEP_UP_PASSKEY_INVALID = define(
  'FST_STEP_UP_PASSKEY_INVALID',
  'The passkey was not accepted: %s',
  400
)

// Second-factor tokens (the guard and the token check).
export const FST_STEP_UP_TOKEN_MISSING = define(
  'FST_STEP_UP_TOKEN_MISSING',
  'This action needs a step-up: verify yourself again and retry with the step-up token',
  401
)
export const FST_STEP_UP_TOKEN_INVALID = define(
  'FST_STEP_UP_TOKEN_INVALID',
  'The step-up token is not valid for this session',
  401
)
export const FST_STEP_UP_TOKEN_EXPIRED = define(
  'FST_STEP_UP_TOKEN_EXPIRED',
  'The step-up token has expired; step up again',
  401
)
export const FST_STEP_UP_TOKEN_USED = define(
  'FST_STEP_UP_TOKEN_USED',
  'This step-up token has already been used for a single-use action; step up again',
  401
)
export const FST_STEP_UP_INSUFFICIENT = define(
  'FST_STEP_UP_INSUFFICIENT',
  'The step-up does not satisfy this action: %s',
  401
)

// Dependencies: fail closed, say which part failed.
export const FST_STEP_UP_SEND_FAILED = define(
  'FST_STEP_UP_SEND_FAILED',
  'The code could not be sent; try again',
  502
)
export const FST_STEP_UP_STORE_UNAVAILABLE = define(
  'FST_STEP_UP_STORE_UNAVAILABLE',
  'Step-up is unavailable right now; try again shortly',
  503
)

// Factor management (the `factors` option).
export const FST_STEP_UP_FACTOR_NOT_FOUND = define(
  'FST_STEP_UP_FACTOR_NOT_FOUND',
  'No such factor on this account',
  404
)
export const FST_STEP_UP_FACTOR_LIMIT = define(
  'FST_STEP_UP_FACTOR_LIMIT',
  'This account has as many factors of this kind as it may have; remove one first',
  409
)
export const FST_STEP_UP_FACTOR_BUSY = define(
  'FST_STEP_UP_FACTOR_BUSY',
  'Another change to this account\'s factors is in progress; try again shortly',
  409
)
// Transaction signing: the code or passkey was asked for one transaction and offered for another.
export const FST_STEP_UP_ACTION_MISMATCH = define(
  'FST_STEP_UP_ACTION_MISMATCH',
  'This verification was started for another action or other data; it can no longer be used, start a new one',
  400
)

/** Every request error code the plugin can answer with. */
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

export interface StepUpError extends Error {
  code: StepUpErrorCode
  statusCode: number
  /** Headers the reply carries with this error (Retry-After on 429). Fastify sets them. */
  headers?: Record<string, string>
}

/** True for an error raised by this plugin while handling a request. */
export function isStepUpError (err: unknown): err is StepUpError {
  if (!(err instanceof Error)) return false
  const { code, statusCode } = err as Error & { code?: unknown, statusCode?: unknown }
  return typeof code === 'string' && code.startsWith('FST_STEP_UP_') && typeof statusCode === 'number'
}

/** Attaches Retry-After (whole seconds, at least 1) to a 429 error. */
export function withRetryAfter<E extends Error> (err: E, ms: number): E {
  (err as E & { headers?: Record<string, string> }).headers = { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }
  return err
}
