// The LoginRadius-compatible routes, described once for every adapter, as a table over the same
// engine as our own routes. Adapters hand over the raw path, query string, headers and parsed body;
// this module matches the route without regard to case, checks the API key (and secret), validates,
// calls the engine through the adapter's handle and shapes the reply. Every security rule stays the
// engine's: these routes translate names, shapes and error numbers.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { Audit, CallOptions } from '../../core/engine.js'
import type { ResolvedRequirement } from '../../core/policy.js'
import {
  FST_STEP_UP_DESTINATION_NOT_ALLOWED,
  FST_STEP_UP_INVALID_REQUEST,
  FST_STEP_UP_METHOD_UNAVAILABLE
} from '../../errors.js'
import type { HttpReply } from '../../http/reply.js'
import { requestDetails, type RequestOrigin } from '../../http/request.js'
import { compileSchema, schemaError } from '../../http/validation.js'
import type { OtpChannel } from '../../methods/method.js'
import type { MountedEngine, StepUpMount } from '../../mount.js'
import type { StepUpMethod, StepUpUser } from '../../types.js'
import { CHALLENGE_KEY_PURPOSE, challengeId } from './challenge.js'
import { apiKeyError, apiSecretError, loginRadiusErrorReply } from './errors.js'
import type { LoginRadiusOptions } from './options.js'
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

/** Where the reference's calls live: user calls under `auth`, server-to-server calls under `manage`. */
export const LOGINRADIUS_BASES = {
  auth: '/identity/v2/auth/account',
  manage: '/identity/v2/manage/account'
} as const

export type LoginRadiusBase = keyof typeof LOGINRADIUS_BASES

/**
 * Methods whose tokens each server-side check accepts: the reference's MFA re-authentications for
 * `2fa` (its security questions are one of them), and one method each for `password` and `pin`.
 */
const FAMILIES = {
  '2fa': ['email', 'sms', 'totp', 'backup-code', 'security-questions'],
  password: ['password'],
  pin: ['pin']
} as const satisfies Record<string, readonly StepUpMethod[]>

type Family = keyof typeof FAMILIES

/** What a route's handler gets: input that passed its schemas, the user for user calls, and the mount. */
interface RouteContext {
  user: StepUpUser | undefined
  query: Record<string, string>
  input: Record<string, any>
  params: { uid?: string }
  /** The request's audit, client (IP, user agent) and Accept-Language, as on the plugin's own routes. */
  call: CallOptions
  on: Mounted
}

/** A schema, or one built from the fields that depend on the engine (an address as the email method takes it). */
type Schema = object | ((fields: { emailId: object }) => object)

interface RouteDefinition {
  method: 'GET' | 'PUT' | 'POST'
  base: LoginRadiusBase
  /** Segments below the base, in lower case; `:uid` stands for any one segment. */
  path: readonly string[]
  /** What the call does, for an OpenAPI document. */
  summary: string
  /** The method whose error numbers this route reports, where they differ by method. */
  stepUpMethod?: StepUpMethod
  query?: Schema
  /** The JSON body, over lower-case names; a route without one reads no body. */
  body?: Schema
  /** Turns the body into the engine method's own body, which must then pass that method's schema. */
  toEngine?: { map: (body: Record<string, any>) => Record<string, unknown>, names: Record<string, string> }
  handle (context: RouteContext): Promise<object>
}

/** The engine and what the routes derive from it once per mount. */
interface Mounted {
  engine: MountedEngine
  options: LoginRadiusOptions
  key: Buffer
  codeTtlMs: number
  now (): number
  requirements: Record<Family, ResolvedRequirement>
  /** The session's authenticator app to set up, when the plugin manages factors (see StepUpMount). */
  pendingTotp: StepUpMount<object>['pendingTotp']
}

// Helpers the handlers share: how a LoginRadius call names a channel, a destination and a challenge.

function findChannel (engine: MountedEngine, method: StepUpMethod): OtpChannel | undefined {
  return engine.methods.find((module): module is OtpChannel => module.kind === 'otp' && module.method === method)
}

function otpChannel (engine: MountedEngine, method: StepUpMethod): OtpChannel {
  const channel = findChannel(engine, method)
  if (!channel) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
  return channel
}

/** The pending challenge's id for this user, session, channel and destination. */
function idFor (on: Mounted, user: StepUpUser, channel: string, normalized: string): string {
  return challengeId(on.key, { userId: user.id, sessionId: user.sessionId, channel, destination: normalized })
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

/**
 * What a server-side check asks of a token: one of the family's methods, as fresh as the
 * plugin's `maxAge`, made for no action. The requirement a guard with `{ methods }` has.
 */
function familyRequirement (engine: MountedEngine, family: Family): ResolvedRequirement {
  const methods = FAMILIES[family].filter((method) => engine.enabledMethods.includes(method))
  // With none of the family's methods on, no token can pass; the engine still makes the check
  // (and reports the refusal), against an empty list that no token matches.
  return methods.length > 0 ? engine.resolveRequirement({ methods }) : { ...engine.resolveRequirement(undefined), methods: [] }
}

// The handlers: each one engine call, with the reference's names in and out.

/** The reference's trigger: the account's authenticators, and the SMS code when it has a phone. */
async function trigger ({ user, query, call, on }: RouteContext): Promise<MfaSettings> {
  const { engine, options } = on
  const available = await engine.availableMethods(user!)
  const find = (method: StepUpMethod) => available.find((entry) => entry.method === method)
  const sms = find('sms')
  if (sms) {
    const channel = otpChannel(engine, 'sms')
    const phone = triggerPhone(channel, user!)
    const { smsTemplate } = options
    try {
      await engine.startChallenge('sms', user!, { destination: phone }, {
        ...call,
        challengeId: idFor(on, user!, 'sms', channel.normalize(phone)),
        // The text the client chose by `smstemplate2fa`, worded by the app.
        smsText: smsTemplate && ((ctx) => smsTemplate({ ...ctx, template: query.smstemplate2fa }))
      })
    } catch (err) {
      // A code went to this phone moments ago (by this call, it is still pending); the client asked for the settings.
      if ((err as { code?: unknown }).code !== 'FST_STEP_UP_RESEND_TOO_SOON') throw err
    }
  }
  const email = find('email')
  const totp = find('totp') !== undefined
  const questions = find('security-questions')
  // As the reference does, a user without an authenticator app gets one to set up, when the plugin
  // manages factors: the session's pending one (confirming it is a factor change, with its step-up).
  const setUp = totp || !on.pendingTotp
    ? undefined
    : await on.pendingTotp(user!).catch((err: unknown) => {
      // Too many started lately: the client asked for the settings, which it still gets.
      if ((err as { code?: unknown }).code !== 'FST_STEP_UP_SEND_LIMIT') throw err
      return undefined
    })
  return {
    IsEmailOtpAuthenticatorVerified: email !== undefined,
    Email: email?.destinations?.map(({ masked }) => masked) ?? [],
    IsAuthenticatorVerified: totp,
    IsGoogleAuthenticatorVerified: totp,
    IsOTPAuthenticatorVerified: sms !== undefined,
    OTPPhoneNo: sms?.destinations?.[0]?.masked ?? null,
    IsSecurityQuestionAuthenticatorVerified: questions !== undefined,
    SecurityQuestions: questions?.questions?.map(({ id, question }) => ({ QuestionId: id, Question: question })) ?? [],
    ExpireIn: new Date(on.now() + on.codeTtlMs).toISOString(),
    QRCode: setUp?.qrCode ?? '',
    ManualEntryCode: setUp?.secret ?? ''
  }
}

async function verifySms ({ user, input, call, on }: RouteContext): Promise<object> {
  const channel = otpChannel(on.engine, 'sms')
  const id = idFor(on, user!, 'sms', channel.normalize(triggerPhone(channel, user!)))
  return tokenReply(await on.engine.verifyChallenge('sms', user!, id, input.otp, call))
}

/** A credential checked in one request, by the engine method of that name. */
function credential (method: StepUpMethod) {
  return async ({ user, input, call, on }: RouteContext): Promise<object> => {
    if (!on.engine.enabledMethods.includes(method)) throw new FST_STEP_UP_METHOD_UNAVAILABLE(method)
    return tokenReply(await on.engine.verifyCredential(method, user!, input, call))
  }
}

/** Sends an email code to an address on the profile; `channelName` keeps each pair of routes apart. */
function sendEmail (channelName: string) {
  return async ({ user, query, call, on }: RouteContext): Promise<object> => {
    const channel = otpChannel(on.engine, 'email')
    const destination = destinationNamed(channel, user!, query.emailid!)
    await on.engine.startChallenge('email', user!, { destination }, {
      ...call,
      challengeId: idFor(on, user!, channelName, channel.normalize(destination))
    })
    return { IsPosted: true }
  }
}

function verifyEmail (channelName: string) {
  return async ({ user, input, call, on }: RouteContext): Promise<object> => {
    const channel = otpChannel(on.engine, 'email')
    const destination = destinationNamed(channel, user!, input.emailid)
    const id = idFor(on, user!, channelName, channel.normalize(destination))
    return tokenReply(await on.engine.verifyChallenge('email', user!, id, input.otp, call))
  }
}

/**
 * The server-side check: the engine's one token check, the guard's and `/token/verify`'s, for a
 * token of `{uid}`. A server call knows the user but not the session, so the token's session is
 * not compared; every other rule (expiry, freshness, methods, level, action) holds.
 */
function validate (family: Family) {
  return async ({ params, input, call, on }: RouteContext): Promise<object> => {
    const user = { id: params.uid!, sessionId: '' }
    await on.engine.checkToken(input.secondfactorvalidationtoken, user, on.requirements[family], { audit: call.audit, anySession: true })
    return { IsValid: true }
  }
}

/** A body field under a name of the reference's, passed to the engine method under its own. */
const renamedField = (from: string, to: string): RouteDefinition['toEngine'] =>
  ({ map: (body) => ({ [to]: body[from] }), names: to === from ? {} : { [to]: from } })

/** The routes: method, path below the base, the method whose error numbers apply, schemas, handler. */
const ROUTES: readonly RouteDefinition[] = [
  {
    method: 'GET',
    base: 'auth',
    path: ['reauth', '2fa'],
    summary: 'The MFA settings; sends an SMS code when the user has a phone',
    stepUpMethod: 'sms',
    query: querySchema({ smstemplate2fa: { type: 'string', maxLength: 128 } }),
    handle: trigger
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'otp'],
    summary: 'Verify the SMS code; a token',
    stepUpMethod: 'sms',
    body: bodySchema({ otp: codeSchema }),
    handle: verifySms
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'authenticatorcode'],
    summary: 'Verify an authenticator app code; a token',
    stepUpMethod: 'totp',
    body: bodySchema({ authenticatorcode: { type: 'string', maxLength: 64 } }),
    toEngine: renamedField('authenticatorcode', 'code'),
    handle: credential('totp')
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'backupcode'],
    summary: 'Verify a backup code; a token',
    stepUpMethod: 'backup-code',
    body: bodySchema({ backupcode: { type: 'string', maxLength: 64 } }),
    toEngine: renamedField('backupcode', 'code'),
    handle: credential('backup-code')
  },
  {
    method: 'GET',
    base: 'auth',
    path: ['reauth', '2fa', 'otp', 'email'],
    summary: 'Send an email code (MFA)',
    stepUpMethod: 'email',
    query: ({ emailId }) => querySchema({ emailid: emailId, emailtemplate2fa: { type: 'string', maxLength: 128 } }, ['emailid']),
    handle: sendEmail('email-2fa')
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', '2fa', 'otp', 'email', 'verify'],
    summary: 'Verify an email code (MFA); a token',
    stepUpMethod: 'email',
    body: ({ emailId }) => bodySchema({ emailid: emailId, otp: codeSchema }),
    handle: verifyEmail('email-2fa')
  },
  {
    method: 'POST',
    base: 'auth',
    path: ['reauth', '2fa', 'securityquestionanswer', 'verify'],
    summary: 'Verify the security answers; a token',
    stepUpMethod: 'security-questions',
    body: bodySchema({ securityquestionanswer: securityAnswersSchema }),
    toEngine: {
      map: (body) => ({
        answers: body.securityquestionanswer.map(({ questionid, answer }: { questionid: string, answer: string }) => ({ questionId: questionid, answer }))
      }),
      names: { answers: 'securityquestionanswer', questionId: 'questionid' }
    },
    handle: credential('security-questions')
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', 'password'],
    summary: 'Verify the password; a token',
    stepUpMethod: 'password',
    body: bodySchema({ password: { type: 'string', maxLength: 1024 } }),
    toEngine: renamedField('password', 'password'),
    handle: credential('password')
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', 'pin'],
    summary: 'Verify the PIN; a token',
    stepUpMethod: 'pin',
    body: bodySchema({ pin: { type: 'string', maxLength: 64 } }),
    toEngine: renamedField('pin', 'pin'),
    handle: credential('pin')
  },
  {
    method: 'GET',
    base: 'auth',
    path: ['reauth', 'otp', 'email'],
    summary: 'Send an email code',
    stepUpMethod: 'email',
    query: ({ emailId }) => querySchema({ emailid: emailId, emailtemplate: { type: 'string', maxLength: 128 } }, ['emailid']),
    handle: sendEmail('email')
  },
  {
    method: 'PUT',
    base: 'auth',
    path: ['reauth', 'otp', 'email'],
    summary: 'Verify an email code; a token',
    stepUpMethod: 'email',
    body: ({ emailId }) => bodySchema({ emailid: emailId, otp: codeSchema }),
    handle: verifyEmail('email')
  },
  ...(Object.keys(FAMILIES) as Family[]).map((family): RouteDefinition => ({
    method: 'POST',
    base: 'manage',
    path: [':uid', 'reauth', family],
    summary: `Check a ${family} token of the user \`{uid}\` (server call)`,
    body: validationBodySchema,
    handle: validate(family)
  }))
]

/** The calls, as an OpenAPI document lists them: HTTP method, base, path below it (`{uid}` for `:uid`) and what each does. */
export const LOGINRADIUS_CALLS = ROUTES.map(({ method, base, path, summary }) => ({
  method,
  base,
  path: `/${path.map((segment) => segment === ':uid' ? '{uid}' : segment).join('/')}`,
  summary
}))

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

/** The table compiled against one engine: its schemas, and the engine method's own body schema. */
function compile (engine: MountedEngine): CompiledRoute[] {
  // An address as the email method takes it (any bounded string while email is off: then 403, not 400).
  const fields = { emailId: findChannel(engine, 'email')?.fieldSchema ?? { type: 'string', maxLength: 254 } }
  const schema = (source: Schema) => typeof source === 'function' ? source(fields) : source
  return ROUTES.map((definition) => {
    const module = definition.toEngine && definition.stepUpMethod && engine.methods.find((candidate) => candidate.method === definition.stepUpMethod)
    return {
      ...definition,
      validateQuery: compileSchema(schema(definition.query ?? querySchema({}))),
      validateBody: definition.body ? compileSchema(schema(definition.body)) : undefined,
      validateEngineBody: module?.kind === 'check' ? compileSchema(module.body) : undefined
    }
  })
}

export function loginRadiusRoutes<Request extends RequestOrigin> (mount: StepUpMount<Request>, options: LoginRadiusOptions): LoginRadiusRoutes<Request> {
  const { engine, users } = mount
  const on: Mounted = {
    engine,
    options,
    key: engine.deriveKey(CHALLENGE_KEY_PURPOSE),
    codeTtlMs: mount.codeTtlMs,
    now: mount.now,
    requirements: { '2fa': familyRequirement(engine, '2fa'), password: familyRequirement(engine, 'password'), pin: familyRequirement(engine, 'pin') },
    pendingTotp: mount.pendingTotp
  }
  const routes = compile(engine)

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
      if (keys.length === 0 || !keys.every((given) => sameSecret(given, options.apiKey))) throw apiKeyError()
      if (route.base === 'manage') {
        const secret = headers['x-loginradius-apisecret']
        if (typeof secret !== 'string' || !sameSecret(secret, options.apiSecret)) throw apiSecretError()
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
      const call = { audit, ...requestDetails(request) }
      return { statusCode: 200, headers: {}, body: await route.handle({ user, query, input, params, call, on }) as Record<string, unknown> }
    },

    errorReply (err, match) {
      return loginRadiusErrorReply(err, match?.route.stepUpMethod)
    }
  }
}
