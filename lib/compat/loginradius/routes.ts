// The LoginRadius-compatible routes, described once for every adapter, on the same engine as our
// own routes. Adapters hand over the raw path, query string, headers and parsed body; this module
// matches the route without regard to case, checks the API key (and secret), validates, calls the
// engine and shapes the reply. Every security rule stays the engine's.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { Audit, StepUpEngine } from '../../core/engine.js'
import type { ResolvedRequirement } from '../../core/policy.js'
import {
  FST_STEP_UP_DESTINATION_NOT_ALLOWED,
  FST_STEP_UP_INVALID_REQUEST,
  FST_STEP_UP_METHOD_UNAVAILABLE
} from '../../errors.js'
import type { HttpReply } from '../../http/reply.js'
import type { UserResolver } from '../../http/users.js'
import { compileSchema, schemaError } from '../../http/validation.js'
import type { OtpChannel } from '../../methods/method.js'
import type { ResolvedOptions } from '../../options.js'
import type { LoginRadiusCompatOptions, StepUpMethod, StepUpUser } from '../../types.js'
import { challengeId, challengeKey } from './challenge.js'
import { apiKeyError, apiSecretError, loginRadiusErrorReply } from './errors.js'
import {
  bodySchema,
  codeSchema,
  lowerCaseKeys,
  parseQuery,
  querySchema,
  securityAnswersSchema,
  singleValues,
  tokenReply,
  validationBodySchema,
  type MfaSettings
} from './shapes.js'
import { asTriggerSms } from './sms-template.js'

/** Where the reference's calls live: user calls under `auth`, server-to-server calls under `manage`. */
export const LOGINRADIUS_BASES = {
  auth: '/identity/v2/auth/account',
  manage: '/identity/v2/manage/account'
} as const

export type LoginRadiusBase = keyof typeof LOGINRADIUS_BASES

/** What a route's handler gets: input that passed its schemas, and the user for user calls. */
interface RouteContext {
  user: StepUpUser | undefined
  query: Record<string, string>
  input: Record<string, any>
  params: { uid?: string }
  audit: Audit
}

interface RouteDefinition {
  method: 'GET' | 'PUT' | 'POST'
  base: LoginRadiusBase
  /** Segments below the base, in lower case; `:uid` stands for any one segment. */
  path: readonly string[]
  /** The method whose error numbers this route reports, where they differ by method. */
  stepUpMethod?: StepUpMethod
  query?: object
  /** The JSON body, over lower-case names; a route without one reads no body. */
  body?: object
  /** Turns the body into the engine method's own body, which must then pass that method's schema. */
  toEngine?: { method: StepUpMethod, map: (body: Record<string, any>) => Record<string, unknown>, names: Record<string, string> }
  handle (context: RouteContext): Promise<object>
}

type Validator = ReturnType<typeof compileSchema>

interface CompiledRoute extends RouteDefinition {
  validateQuery: Validator
  validateBody: Validator | undefined
  validateEngineBody: Validator | undefined
}

export interface LoginRadiusMatch {
  route: CompiledRoute
  params: { uid?: string }
}

/** What an adapter passes for one request. */
export interface LoginRadiusCall<Request> {
  /** The framework's request, for the app's getUser. */
  request: Request
  /** The query string, without `?`. */
  search: string
  body: unknown
  audit: Audit
}

export interface LoginRadiusRoutes<Request> {
  /** The route a request is for, from its method and raw path; undefined when it is not one of ours. */
  match (method: string, path: string): LoginRadiusMatch | undefined
  /** Checks the API key (and for server calls the secret). Runs before the body is read. */
  authorize (match: LoginRadiusMatch, search: string, headers: IncomingHttpHeaders): void
  /** Validates, runs the route and gives the reply; rejects with the route's errors. */
  run (match: LoginRadiusMatch, call: LoginRadiusCall<Request>): Promise<HttpReply>
  /** The reference's reply for an error, or undefined for one that is not ours. */
  errorReply (err: unknown, match: LoginRadiusMatch | undefined): HttpReply | undefined
}

/**
 * Methods whose tokens each server-side check accepts: the reference's MFA re-authentications for
 * `2fa` (its security questions are one of them), and one method each for `password` and `pin`.
 */
const FAMILIES = {
  '2fa': ['email', 'sms', 'totp', 'backup-code', 'security-questions'],
  password: ['password'],
  pin: ['pin']
} as const satisfies Record<string, readonly StepUpMethod[]>

/** Constant time, whatever the lengths: both sides are hashed to the same length first. */
function sameSecret (given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/** The path below a base, split and decoded; undefined when a segment is not valid percent-encoding. */
function segmentsBelow (path: string, base: string): string[] | undefined {
  if (!path.startsWith(`${base}/`)) return undefined
  try {
    return path.slice(base.length + 1).split('/').map(decodeURIComponent)
  } catch {
    return undefined
  }
}

function matchSegments (pattern: readonly string[], segments: string[]): { uid?: string } | undefined {
  if (pattern.length !== segments.length) return undefined
  const params: { uid?: string } = {}
  for (const [index, expected] of pattern.entries()) {
    const segment = segments[index]!
    if (expected === ':uid') {
      if (segment === '') return undefined
      params.uid = segment
    } else if (segment.toLowerCase() !== expected) {
      return undefined
    }
  }
  return params
}

/** An ajv error about the engine's body, told in the client's own field names. */
function renamed (errors: ReadonlyArray<{ instancePath: string, message?: string }>, names: Record<string, string>): Error {
  const { instancePath, message } = errors[0]!
  const path = instancePath.split('/').map((part) => names[part] ?? part).join('/')
  return new FST_STEP_UP_INVALID_REQUEST(`body${path} ${message}`)
}

export function loginRadiusRoutes<Request extends object> (
  engine: StepUpEngine,
  options: ResolvedOptions,
  users: UserResolver<Request>,
  loginradius: LoginRadiusCompatOptions
): LoginRadiusRoutes<Request> {
  const key = challengeKey(options.secret)
  const clock = options.clock

  const findChannel = (method: StepUpMethod): OtpChannel | undefined =>
    engine.methods.find((module): module is OtpChannel => module.kind === 'otp' && module.method === method)

  function otpChannel (method: StepUpMethod): OtpChannel {
    const channel = findChannel(method)
    if (!channel) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
    return channel
  }

  /** The pending challenge's id for this user, session, channel and destination. */
  function idFor (user: StepUpUser, channel: string, normalized: string): string {
    return challengeId(key, { userId: user.id, sessionId: user.sessionId, channel, destination: normalized })
  }

  /**
   * The destination on the profile the client names: by the address (compared as our own routes
   * compare it) or by the masked form the trigger lists, when that form stands for one address only.
   */
  function destinationNamed (channel: OtpChannel, user: StepUpUser, given: string): string {
    const destinations = channel.destinations(user)
    if (destinations.length === 0) throw new FST_STEP_UP_METHOD_UNAVAILABLE(channel.method)
    const wanted = channel.normalize(given)
    const exact = destinations.find((destination) => channel.normalize(destination) === wanted)
    if (exact !== undefined) return exact
    const masked = destinations.filter((destination) => channel.mask(destination) === given.trim())
    if (new Set(masked.map(channel.normalize)).size === 1) return masked[0]!
    throw new FST_STEP_UP_DESTINATION_NOT_ALLOWED()
  }

  /** The phone the trigger sends its code to, and the verify call checks against: the first one. */
  function triggerPhone (channel: OtpChannel, user: StepUpUser): string {
    const phone = channel.destinations(user)[0]
    if (phone === undefined) throw new FST_STEP_UP_METHOD_UNAVAILABLE(channel.method)
    return phone
  }

  /** The reference's trigger: the account's authenticators, and the SMS code when it has a phone. */
  async function trigger ({ user, query, audit }: RouteContext): Promise<MfaSettings> {
    const available = await engine.availableMethods(user!)
    const find = (method: StepUpMethod) => available.find((entry) => entry.method === method)
    const sms = find('sms')
    if (sms) {
      const channel = otpChannel('sms')
      const phone = triggerPhone(channel, user!)
      try {
        await asTriggerSms(query.smstemplate2fa, () => engine.startChallenge('sms', user!, { destination: phone }, {
          audit,
          challengeId: idFor(user!, 'sms', channel.normalize(phone))
        }))
      } catch (err) {
        // A code went to this phone moments ago (by this call, it is still pending); the client asked for the settings.
        if ((err as { code?: unknown }).code !== 'FST_STEP_UP_RESEND_TOO_SOON') throw err
      }
    }
    const email = find('email')
    const totp = find('totp') !== undefined
    const questions = find('security-questions')
    return {
      IsEmailOtpAuthenticatorVerified: email !== undefined,
      Email: email?.destinations?.map(({ masked }) => masked) ?? [],
      IsAuthenticatorVerified: totp,
      IsGoogleAuthenticatorVerified: totp,
      IsOTPAuthenticatorVerified: sms !== undefined,
      OTPPhoneNo: sms?.destinations?.[0]?.masked ?? null,
      IsSecurityQuestionAuthenticatorVerified: questions !== undefined,
      SecurityQuestions: questions?.questions?.map(({ id, question }) => ({ QuestionId: id, Question: question })) ?? [],
      ExpireIn: new Date(clock.now() + options.codeTtlMs).toISOString(),
      QRCode: '',
      ManualEntryCode: ''
    }
  }

  /** A credential checked in one request, by the engine method of that name. */
  function credential (method: StepUpMethod) {
    return async ({ user, input, audit }: RouteContext) => {
      if (!engine.enabledMethods.includes(method)) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
      return tokenReply(await engine.verifyCredential(method, user!, input, { audit }))
    }
  }

  /** Sends an email code to an address on the profile; `channel` keeps each pair of routes apart. */
  function sendEmail (channelName: string) {
    return async ({ user, query, audit }: RouteContext) => {
      const channel = otpChannel('email')
      const destination = destinationNamed(channel, user!, query.emailid!)
      await engine.startChallenge('email', user!, { destination }, {
        audit,
        challengeId: idFor(user!, channelName, channel.normalize(destination))
      })
      return { IsPosted: true }
    }
  }

  function verifyEmail (channelName: string) {
    return async ({ user, input, audit }: RouteContext) => {
      const channel = otpChannel('email')
      const destination = destinationNamed(channel, user!, input.emailid)
      const id = idFor(user!, channelName, channel.normalize(destination))
      return tokenReply(await engine.verifyChallenge('email', user!, id, input.otp, { audit }))
    }
  }

  /**
   * What a server-side check asks of a token: one of the family's methods, as fresh as the
   * plugin's `maxAge`, made for no action. The requirement a guard with `{ methods }` has.
   */
  function familyRequirement (family: keyof typeof FAMILIES): ResolvedRequirement {
    const methods = FAMILIES[family].filter((method) => engine.enabledMethods.includes(method))
    // With none of the family's methods on, no token can pass; the engine still makes the check
    // (and reports the refusal), against an empty list that no token matches.
    return methods.length > 0 ? engine.resolveRequirement({ methods }) : { ...engine.resolveRequirement(undefined), methods: [] }
  }

  /**
   * The server-side check: the engine's one token check, the guard's and `/token/verify`'s, for a
   * token of `{uid}`. A server call knows the user but not the session, so the token's session is
   * not compared; every other rule (expiry, freshness, methods, level, action) holds.
   */
  function validate (family: keyof typeof FAMILIES) {
    const requirement = familyRequirement(family)
    return async ({ params, input, audit }: RouteContext) => {
      const user = { id: params.uid!, sessionId: '' }
      await engine.checkToken(input.secondfactorvalidationtoken, user, requirement, { audit, anySession: true })
      return { IsValid: true }
    }
  }

  // An address as the email method takes it (any bounded string while email is off: then 403, not 400).
  const emailId = findChannel('email')?.fieldSchema ?? { type: 'string', maxLength: 254 }
  const definitions: RouteDefinition[] = [{
    method: 'GET',
    base: 'auth',
    path: ['reauth', '2fa'],
    stepUpMethod: 'sms',
    query: querySchema({ smstemplate2fa: { type: 'string', maxLength: 128 } }),
    handle: trigger
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'otp'],
    stepUpMethod: 'sms',
    body: bodySchema({ otp: codeSchema }),
    async handle ({ user, input, audit }) {
      const channel = otpChannel('sms')
      const id = idFor(user!, 'sms', channel.normalize(triggerPhone(channel, user!)))
      return tokenReply(await engine.verifyChallenge('sms', user!, id, input.otp, { audit }))
    }
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'authenticatorcode'],
    stepUpMethod: 'totp',
    body: bodySchema({ authenticatorcode: { type: 'string', maxLength: 64 } }),
    toEngine: { method: 'totp', map: (body) => ({ code: body.authenticatorcode }), names: { code: 'authenticatorcode' } },
    handle: credential('totp')
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'backupcode'],
    stepUpMethod: 'backup-code',
    body: bodySchema({ backupcode: { type: 'string', maxLength: 64 } }),
    toEngine: { method: 'backup-code', map: (body) => ({ code: body.backupcode }), names: { code: 'backupcode' } },
    handle: credential('backup-code')
  }, {
    method: 'GET',
    base: 'auth',
    path: ['reauth', '2fa', 'otp', 'email'],
    stepUpMethod: 'email',
    query: querySchema({ emailid: emailId, emailtemplate2fa: { type: 'string', maxLength: 128 } }, ['emailid']),
    handle: sendEmail('email-2fa')
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'otp', 'email', 'verify'],
    stepUpMethod: 'email',
    body: bodySchema({ emailid: emailId, otp: codeSchema }),
    handle: verifyEmail('email-2fa')
  }, {
    method: 'POST',
    base: 'auth',
    path: ['reauth', '2fa', 'securityquestionanswer', 'verify'],
    stepUpMethod: 'security-questions',
    body: bodySchema({ securityquestionanswer: securityAnswersSchema }),
    toEngine: {
      method: 'security-questions',
      map: (body) => ({
        answers: body.securityquestionanswer.map(({ questionid, answer }: { questionid: string, answer: string }) => ({ questionId: questionid, answer }))
      }),
      names: { answers: 'securityquestionanswer', questionId: 'questionid' }
    },
    handle: credential('security-questions')
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', 'password'],
    stepUpMethod: 'password',
    body: bodySchema({ password: { type: 'string', maxLength: 1024 } }),
    toEngine: { method: 'password', map: (body) => ({ password: body.password }), names: {} },
    handle: credential('password')
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', 'pin'],
    stepUpMethod: 'pin',
    body: bodySchema({ pin: { type: 'string', maxLength: 64 } }),
    toEngine: { method: 'pin', map: (body) => ({ pin: body.pin }), names: {} },
    handle: credential('pin')
  }, {
    method: 'GET',
    base: 'auth',
    path: ['reauth', 'otp', 'email'],
    stepUpMethod: 'email',
    query: querySchema({ emailid: emailId, emailtemplate: { type: 'string', maxLength: 128 } }, ['emailid']),
    handle: sendEmail('email')
  }, {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', 'otp', 'email'],
    stepUpMethod: 'email',
    body: bodySchema({ emailid: emailId, otp: codeSchema }),
    handle: verifyEmail('email')
  }, ...(['2fa', 'password', 'pin'] as const).map((family): RouteDefinition => ({
    method: 'POST',
    base: 'manage',
    path: [':uid', 'reauth', family],
    body: validationBodySchema,
    handle: validate(family)
  }))]

  const routes: CompiledRoute[] = definitions.map((definition) => {
    const module = definition.toEngine && engine.methods.find((candidate) => candidate.method === definition.toEngine!.method)
    return {
      ...definition,
      validateQuery: compileSchema(definition.query ?? querySchema({})),
      validateBody: definition.body ? compileSchema(definition.body) : undefined,
      validateEngineBody: module?.kind === 'check' ? compileSchema(module.body) : undefined
    }
  })

  return {
    match (method, path) {
      for (const [base, prefix] of Object.entries(LOGINRADIUS_BASES) as Array<[LoginRadiusBase, string]>) {
        const segments = segmentsBelow(path, prefix)
        if (!segments) continue
        for (const route of routes) {
          if (route.base !== base || route.method !== method) continue
          const params = matchSegments(route.path, segments)
          if (params) return { route, params }
        }
      }
      return undefined
    },

    authorize ({ route }, search, headers) {
      const header = headers['x-loginradius-apikey']
      const keys = [...parseQuery(search).get('apikey') ?? [], ...typeof header === 'string' ? [header] : []]
      if (keys.length === 0 || !keys.every((given) => sameSecret(given, loginradius.apiKey))) throw apiKeyError()
      if (route.base === 'manage') {
        const secret = headers['x-loginradius-apisecret']
        if (typeof secret !== 'string' || !sameSecret(secret, loginradius.apiSecret)) throw apiSecretError()
      }
    },

    async run ({ route, params }, { request, search, body, audit }) {
      const query = singleValues(parseQuery(search))
      if (!route.validateQuery(query)) throw schemaError(route.validateQuery.errors!, 'query')
      let input: Record<string, any> = {}
      if (route.validateBody) {
        input = lowerCaseKeys(body) as Record<string, any>
        if (!route.validateBody(input)) throw schemaError(route.validateBody.errors!, 'body')
        if (route.toEngine) input = route.toEngine.map(input)
        if (route.validateEngineBody && !route.validateEngineBody(input)) {
          throw renamed(route.validateEngineBody.errors!, route.toEngine!.names)
        }
      }
      // Input first, as on our own routes: bad input gets its 400 whether or not anyone is logged in.
      const user = route.base === 'auth' ? await users.require(request) : undefined
      return { statusCode: 200, headers: {}, body: await route.handle({ user, query, input, params, audit }) as Record<string, unknown> }
    },

    errorReply (err, match) {
      return loginRadiusErrorReply(err, match?.route.stepUpMethod)
    }
  }
}
