// A step-up challenge as a client reads it from a 401: the RFC 9470 WWW-Authenticate challenge,
// completed by the `stepUp` hint this plugin puts in the JSON body. Other RFC 9470 servers send only
// the header; the header alone is enough.
import { parseWwwAuthenticate } from './authenticate.js'
import type { StepUpErrorCode, StepUpMethodName } from './types.js'

/** The RFC 9470 error code of a step-up challenge. */
export const INSUFFICIENT_USER_AUTHENTICATION = 'insufficient_user_authentication'

/** What a route asked for, and what the user can do about it. */
export interface StepUpChallenge {
  /** Why the request was refused (`FST_STEP_UP_TOKEN_MISSING`, `_EXPIRED`, ...), when the body says. */
  code?: StepUpErrorCode
  /** The header's `error_description`, else the body's `message`. */
  description?: string
  /** Seconds: how long ago the step-up may have happened (`max_age`). */
  maxAge?: number
  /** Acceptable levels (`acr_values`), in the server's order of preference. */
  acrValues?: string[]
  /** The methods this user has that the route accepts; empty when the server did not say. */
  methods: StepUpMethodName[]
  /** The level the route asks for, when it asks for one. */
  level?: string
  /**
   * The route needs a passkey (`true`) or a device-bound one (`'hardware'`). From the body's hint,
   * else from `acr_values` when it names only the OpenID Connect EAP values `phr` and `phrh`.
   */
  phishingResistant?: true | 'hardware'
  /** The action the step-up must be made for, when the route is bound to one. */
  action?: string
}

/** A non-negative whole number of seconds, as a header value or as JSON. */
function seconds (value: unknown): number | undefined {
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

function strings (value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function phishingResistance (hinted: unknown, acrValues: string[] | undefined): true | 'hardware' | undefined {
  if (hinted === true || hinted === 'hardware') return hinted
  if (acrValues === undefined || acrValues.length === 0 || !acrValues.every((acr) => acr === 'phr' || acr === 'phrh')) return undefined
  return acrValues.includes('phr') ? true : 'hardware'
}

/** The JSON body of a reply, or `{}` when it has none, is not JSON or is not an object. */
async function jsonBody (response: Response): Promise<Record<string, unknown>> {
  if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '')) return {}
  try {
    const body: unknown = await response.clone().json()
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

/**
 * The step-up challenge in a reply, or undefined when the reply is not one: not a 401, or a 401
 * without a Bearer challenge whose `error` is `insufficient_user_authentication` (a login that
 * expired, another scheme). Reads the body from a clone, so the reply can still be read.
 */
export async function readStepUpChallenge (response: Response): Promise<StepUpChallenge | undefined> {
  if (response.status !== 401) return undefined
  const header = response.headers.get('www-authenticate')
  const bearer = parseWwwAuthenticate(header ?? '')
    .find(({ scheme, params }) => scheme === 'bearer' && params.error === INSUFFICIENT_USER_AUTHENTICATION)
  const body = await jsonBody(response)
  const hint = body.stepUp !== null && typeof body.stepUp === 'object' ? body.stepUp as Record<string, unknown> : undefined
  const code = text(body.code)
  // A 401 of this plugin always carries the header; none readable means CORS hid it (the API did not
  // list it in `exposedHeaders`) or a proxy dropped it. The body is readable across origins: a
  // refusal with the plugin's code and hint is still a challenge.
  const fromBody = header === null && hint !== undefined && code?.startsWith('FST_STEP_UP_') === true
  if (!bearer && !fromBody) return undefined
  const params = bearer?.params ?? {}
  const acrValues = params.acr_values === undefined ? strings(hint?.acrValues) : params.acr_values.split(/\s+/).filter(Boolean)
  const challenge: StepUpChallenge = {
    methods: (strings(hint?.methods) ?? []) as StepUpMethodName[],
    maxAge: seconds(params.max_age) ?? seconds(hint?.maxAge),
    acrValues,
    description: params.error_description ?? text(body.message),
    code: code?.startsWith('FST_STEP_UP_') ? code as StepUpErrorCode : undefined,
    level: text(hint?.level),
    phishingResistant: phishingResistance(hint?.phishingResistant, acrValues),
    action: text(hint?.action)
  }
  // Leave out what the server did not say, so `'maxAge' in challenge` means something.
  for (const key of Object.keys(challenge) as Array<keyof StepUpChallenge>) {
    if (challenge[key] === undefined) delete challenge[key]
  }
  return challenge
}
