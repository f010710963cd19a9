// The LoginRadius-compatible routes in an OpenAPI document (@fastify/swagger). Fastify sees one
// wildcard route per base and HTTP method; each is one operation whose description lists the
// reference's calls it answers. Replies are described, not typed: a response schema with only a
// description serializes as JSON.stringify does, so documenting them changes nothing on the wire.
import { LOGINRADIUS_BASES, LOGINRADIUS_CALLS, type LoginRadiusBase } from './routes.js'

export const LOGINRADIUS_OPENAPI_TAG = 'step-up-loginradius'

type HttpMethod = typeof LOGINRADIUS_CALLS[number]['method']

const SHAPE = 'An error in the reference\'s shape, `{ Description, ErrorCode, Message, IsProviderError, ProviderErrorResponse }`; the numbers are in the documentation (LoginRadius compatibility, Errors).'

/** What each status means on a base, by ErrorCode. */
function errorResponses (base: LoginRadiusBase, method: HttpMethod): Record<string, { description: string }> {
  const error = (text: string) => ({ description: `${text} ${SHAPE}` })
  const user = base === 'auth'
  const body = method !== 'GET'
  return {
    400: error(!user
      ? 'ErrorCode 908: bad input (`Description` says what); 1193: the token is refused (bad, expired, too old, another user\'s, of another family, or made for an action).'
      : body
        ? 'ErrorCode 908: bad input (`Description` says what); a wrong, used or expired code or credential (1067, 1068, 1069, 1093, 1128, 1205, 1233); an `emailid` not on the profile (1340).'
        : 'ErrorCode 908: a bad query parameter (`Description` says what); 1340: an `emailid` not on the profile.'),
    401: error(user ? 'ErrorCode 906: nobody is logged in (no or unknown access token).' : 'ErrorCode 902: the `X-LoginRadius-ApiSecret` header is missing or wrong.'),
    403: error(user
      ? 'ErrorCode 901: the API key is missing or wrong. The limits and the lock (1122, 1123, 1132, 9429, with `Retry-After`: the reference answers them 403, never 429) and a method the user cannot use (1094, 1129, 1234, 9403).'
      : 'ErrorCode 901: the API key is missing or wrong.'),
    ...(body ? { 413: error('ErrorCode 908: the body is larger than 16 KiB.'), 415: error('ErrorCode 908: the body is not `application/json`.') } : {}),
    ...(user && !body ? { 502: error('ErrorCode 9502: the mail server or SMS gateway refused the code.') } : {}),
    // The server calls check a token without spending it: they never touch the store.
    ...(user ? { 503: error('ErrorCode 9503: the store failed; nothing was sent or issued.') } : {})
  }
}

/** The HTTP methods a base has calls for: one route, and one operation, each. */
export function loginRadiusMethods (base: LoginRadiusBase): HttpMethod[] {
  return [...new Set(LOGINRADIUS_CALLS.filter((call) => call.base === base).map((call) => call.method))]
}

/** The schema of the wildcard route for one base and HTTP method: documentation only. */
export function loginRadiusRouteSchema (base: LoginRadiusBase, method: HttpMethod): object {
  const calls = LOGINRADIUS_CALLS.filter((call) => call.base === base && call.method === method)
  const user = base === 'auth'
  const name = `${method[0]}${method.slice(1).toLowerCase()}`
  return {
    tags: [LOGINRADIUS_OPENAPI_TAG],
    summary: user ? `LoginRadius re-authentication calls (${method})` : `LoginRadius server-side token checks (${method})`,
    operationId: `loginRadius${user ? 'Auth' : 'Manage'}${name}`,
    description: [
      `The LoginRadius-compatible ${user ? 'user' : 'server'} calls below \`${LOGINRADIUS_BASES[base]}\` with this method; the rest of the path is matched without regard to case, and any other path goes to the app's 404 handling.`,
      user
        ? 'Every call needs the API key (`apikey` query parameter or `X-LoginRadius-ApiKey` header) and a logged-in user (the app\'s `getUser`; LoginRadius clients send their access token as `Authorization: Bearer` or `?access_token=`).'
        : 'Every call needs the API key (`apikey` query parameter or `X-LoginRadius-ApiKey` header) and the API secret (`X-LoginRadius-ApiSecret` header).',
      '',
      ...calls.map((call) => `- \`${method} ${call.path}\`: ${call.summary}.`)
    ].join('\n'),
    response: {
      200: { description: `The reference's answer to the call: ${user ? 'a token `{ SecondFactorValidationToken, ExpireIn }`, `{ IsPosted: true }` or the MFA settings' : '`{ IsValid: true }`'}.` },
      ...errorResponses(base, method)
    }
  }
}
