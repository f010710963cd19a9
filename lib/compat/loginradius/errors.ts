// How the LoginRadius-compatible routes report errors: the reference's body shape and numbers,
// mapped from the engine's FST_STEP_UP_* errors in one table. The engine decides what went wrong
// (every security rule stays its own); this table only decides how a LoginRadius client hears it.
// Numbers from the 9xxx range are ours: the reference has none for these cases.
//
// No entry answers 429. LoginRadius's Node SDK (`loginradius-sdk`) replaces the body of every HTTP
// 429 with its own generic `{ ErrorCode: 429 }`, so an SDK caller would never hear which limit or
// lock it met. The reference API answers its own limits and locks with an ErrorCode body and a 4xx
// status the SDK passes through; so do these routes. `Retry-After` still says when to try again.
// Our own routes keep their 429s.
import { isStepUpError, type StepUpError, type StepUpErrorCode } from '../../errors.js'
import type { HttpReply } from '../../http/reply.js'
import type { StepUpMethod } from '../../types.js'

/** What the reference answers on failure. */
export interface LoginRadiusErrorBody {
  Description: string
  ErrorCode: number
  Message: string
  IsProviderError: false
  ProviderErrorResponse: null
}

interface Reference {
  status: number
  ErrorCode: number
  Message: string
  Description: string
}

/** An error already in the reference's words (bad API credentials, or one mapped from the engine). */
export class LoginRadiusError extends Error {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly body: LoginRadiusErrorBody

  constructor ({ status, ErrorCode, Message, Description }: Reference, headers: Record<string, string> = {}) {
    super(Message)
    this.name = 'LoginRadiusError'
    this.statusCode = status
    this.headers = headers
    this.body = { Description, ErrorCode, Message, IsProviderError: false, ProviderErrorResponse: null }
  }
}

type Entry = Reference | { default: Reference, byMethod: Partial<Record<StepUpMethod, Reference>> }

const ref = (status: number, ErrorCode: number, Message: string, Description: string): Reference =>
  ({ status, ErrorCode, Message, Description })

/** The status of the send limits, the cooldown and the lock: what the reference answers, never a 429. */
const LIMITED = 403

const secondFactorTokenInvalid = ref(400, 1193, 'The second-factor validation token is not valid',
  'The token is malformed, expired, not signed by this server, not for this user, or from a method this check does not accept.')
const codeNoLongerUsable = 'No code can be checked for this address now; request a new one.'

/**
 * The reference error for each engine error; some differ by the method the route is for
 * (`byMethod`). Every FST_STEP_UP_* request error has an entry, so a new one cannot go unmapped.
 */
export const LOGINRADIUS_ERRORS = {
  FST_STEP_UP_UNAUTHENTICATED: ref(401, 906, 'Access token is invalid',
    'The access token is missing, expired or not valid: log in again, then retry.'),
  // The status (400, 413 or 415) and the detail come from the error itself.
  FST_STEP_UP_INVALID_REQUEST: ref(400, 908, 'A parameter is not formatted correctly', ''),
  FST_STEP_UP_METHOD_UNAVAILABLE: {
    default: ref(403, 9403, 'This authenticator is not enabled for the account',
      'The account cannot use this re-authentication method: it is switched off here, or the user has not set it up.'),
    byMethod: {
      'backup-code': ref(403, 1129, 'No backup codes are available',
        'The account has no unused backup codes; generate new ones first.'),
      pin: ref(403, 1234, 'No PIN is set for the account', 'Set a PIN before using it to re-authenticate.'),
      'security-questions': ref(403, 1094, 'No security questions are set for the account',
        'Set security questions before using them to re-authenticate.')
    }
  },
  FST_STEP_UP_DESTINATION_NOT_ALLOWED: ref(400, 1340, 'The email is not on the profile',
    'The email address given is not one of the verified addresses of this account.'),
  FST_STEP_UP_RESEND_TOO_SOON: ref(LIMITED, 1123, 'A code was sent moments ago',
    'Wait before asking for another code; the one already sent is still valid.'),
  FST_STEP_UP_SEND_LIMIT: ref(LIMITED, 1122, 'Too many codes were requested',
    'The limit of codes sent to this account was reached; try again later.'),
  // The reference has no cap on successful re-authentications, so the number is ours.
  FST_STEP_UP_VERIFY_LIMIT: ref(LIMITED, 9429, 'Too many re-authentications for the account',
    'The limit of re-authentications with a password, PIN or security questions was reached; try again later.'),
  // The lock always ends by itself, so it is the reference's temporary lock, never its permanent block.
  FST_STEP_UP_LOCKED: ref(LIMITED, 1132, 'Re-authentication is locked for the account',
    'Too many failed attempts: re-authentication is locked for a while; try again later.'),
  FST_STEP_UP_CHALLENGE_NOT_FOUND: ref(400, 1069, 'The OTP has expired or was never sent', codeNoLongerUsable),
  FST_STEP_UP_CODE_INVALID: {
    default: ref(400, 1067, 'The OTP is not correct', 'Check the code and try again.'),
    byMethod: {
      'backup-code': ref(400, 1128, 'The backup code is not correct', 'The code is wrong or has already been used.')
    }
  },
  FST_STEP_UP_CREDENTIAL_INVALID: {
    default: ref(400, 1205, 'The password is not correct', 'Check the password and try again.'),
    byMethod: {
      pin: ref(400, 1233, 'The PIN is not correct', 'Check the PIN and try again.'),
      'security-questions': ref(400, 1093, 'The security answers are not correct',
        'Answer every security question of the account, each once, correctly.')
    }
  },
  FST_STEP_UP_CODE_EXPIRED: ref(400, 1069, 'The OTP has expired', 'Request a new code.'),
  FST_STEP_UP_CODE_USED: ref(400, 1068, 'The OTP has already been used', 'Each code works once; request a new one.'),
  FST_STEP_UP_ATTEMPTS_EXHAUSTED: ref(400, 1069, 'Too many wrong codes', codeNoLongerUsable),
  // The reference's re-authentication routes have no passkey; the plugin's own passkey routes do.
  FST_STEP_UP_PASSKEY_INVALID: ref(400, 9400, 'The passkey was not accepted', 'Start the passkey step-up again.'),
  FST_STEP_UP_TOKEN_MISSING: secondFactorTokenInvalid,
  FST_STEP_UP_TOKEN_INVALID: secondFactorTokenInvalid,
  FST_STEP_UP_TOKEN_EXPIRED: secondFactorTokenInvalid,
  FST_STEP_UP_TOKEN_USED: secondFactorTokenInvalid,
  FST_STEP_UP_INSUFFICIENT: secondFactorTokenInvalid,
  FST_STEP_UP_SEND_FAILED: ref(502, 9502, 'The code could not be sent', 'The mail server or SMS gateway refused the message; try again.'),
  FST_STEP_UP_STORE_UNAVAILABLE: ref(503, 9503, 'Re-authentication is unavailable right now', 'Try again shortly.'),
  // Factor management: the reference's re-authentication routes change no factor; the plugin's own
  // factor routes answer these, so they are mapped only so that no code goes unmapped.
  FST_STEP_UP_FACTOR_NOT_FOUND: ref(404, 9404, 'No such factor on the account', 'List the account\'s factors again.'),
  FST_STEP_UP_FACTOR_LIMIT: ref(409, 9409, 'The account has as many factors of this kind as it may have', 'Remove one first.'),
  FST_STEP_UP_FACTOR_BUSY: ref(409, 9410, 'Another change to the account\'s factors is in progress', 'Try again shortly.'),
  // Transaction signing is the plugin's own: its verify routes answer this, mapped so no code goes unmapped.
  FST_STEP_UP_ACTION_MISMATCH: ref(400, 9401, 'The verification was started for another action', 'Start a new verification for this action.')
} satisfies Record<StepUpErrorCode, Entry>

/** The API key is missing or wrong. */
export const apiKeyError = (): LoginRadiusError => new LoginRadiusError(ref(403, 901, 'The API key is not valid',
  'Send the API key this server was configured with, as the apikey query parameter or the X-LoginRadius-ApiKey header.'))

/** The API secret is missing or wrong (server-to-server calls). */
export const apiSecretError = (): LoginRadiusError => new LoginRadiusError(ref(401, 902, 'The API secret is not valid',
  'Send the API secret this server was configured with, in the X-LoginRadius-ApiSecret header.'))

/** The reference's error for one of ours; `method` picks the per-method numbers. */
function fromStepUpError (err: StepUpError, method: StepUpMethod | undefined): LoginRadiusError {
  const entry: Entry = LOGINRADIUS_ERRORS[err.code]
  const reference = 'default' in entry ? (method && entry.byMethod[method]) || entry.default : entry
  const detailed = err.code === 'FST_STEP_UP_INVALID_REQUEST'
    ? { ...reference, status: err.statusCode, Description: err.message }
    : reference
  return new LoginRadiusError(detailed, err.headers)
}

/** The reply for an error on a compatible route; undefined for an error that is not ours. */
export function loginRadiusErrorReply (err: unknown, method?: StepUpMethod): HttpReply | undefined {
  const known = err instanceof LoginRadiusError ? err : isStepUpError(err) ? fromStepUpError(err, method) : undefined
  if (!known) return undefined
  return { statusCode: known.statusCode, headers: { ...known.headers }, body: { ...known.body } }
}
