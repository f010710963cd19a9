// fastify-step-up for Express 5: the same routes, guard and engine as the Fastify plugin, so the
// same requests get the same replies. Import from 'fastify-step-up/express'.
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express'
import { auditLevel } from '../http/audit.js'
import { BODY_LIMIT, bodyTooLarge, isJsonContentType, notJson, parseJsonBody } from '../http/body.js'
import { checkStepUp, guardRequest } from '../http/guard.js'
import { errorReply, logRefusal, requestLanguage, send } from '../http/reply.js'
import { stepUpRoutes, type StepUpRoute } from '../http/routes.js'
import { createUserResolver, type UserResolver } from '../http/users.js'
import { compileSchema, schemaError } from '../http/validation.js'
import { verifyTokenWith, type VerifyTokenContext } from '../http/verify-token.js'
import { mountOf, STEP_UP_MOUNT } from '../mount.js'
import type { ExpressStepUpMount } from './mount.js'
import { pluginOptions } from '../options.js'
import type { Audit } from '../core/engine.js'
import type { ComplianceEntry } from '../profiles/report.js'
import { setUpStepUp } from '../setup.js'
import type { StepUpClaims, StepUpOptions, StepUpRequirement } from '../types.js'

export type { VerifyTokenContext }
export * from '../common.js'

declare global {
  // Express's own types are extended by declaration merging on this global namespace.
  namespace Express {
    interface Request {
      /** The verified step-up claims, once `requireStepUp` has passed. */
      stepUp?: StepUpClaims | null
    }
  }
}

/** Where the adapter reports refusals (info), what the app should fix (warn) and failures (error); pino and console both fit. */
export interface StepUpLogger {
  info (details: object, message: string): void
  /** What the app should fix, such as a profile entry that is not one address. Without it: `info`. */
  warn? (details: object, message: string): void
  error (details: object, message: string): void
}

export interface ExpressStepUpOptions extends StepUpOptions<Request> {
  /** Default: failures to console.error, skipped profile entries to console.warn, refusals nowhere. */
  logger?: StepUpLogger
}

export interface ExpressStepUp {
  /** The step-up routes under the prefix: `app.use(stepUp.router)`. */
  router: Router
  /** Middleware that lets a request through only with a step-up token that satisfies `requirement`. */
  requireStepUp (requirement?: StepUpRequirement | true): RequestHandler
  /** Verifies a token for a user and session outside a route; rejects with a FST_STEP_UP_* error. */
  verifyToken (token: string, context: VerifyTokenContext): Promise<StepUpClaims>
  /** The verified-token cache: hits, misses (full checks) and entries held. */
  tokenCacheStats (): { hits: number, misses: number, size: number }
  /** Each requirement of the configured profiles (`profile`, and levels that name one): met or not, and why. Empty without a profile. */
  compliance (): ComplianceEntry[]
  /** Waits for security notifications in flight, then closes a mail transport the adapter created. */
  close (): Promise<void>
  /** What routes from another entry (fastify-step-up/loginradius) mount on; not for app code. */
  readonly [STEP_UP_MOUNT]: ExpressStepUpMount
}

const defaultLogger: StepUpLogger = {
  info () {},
  warn (details, message) {
    console.warn(message, details)
  },
  error (details, message) {
    console.error(message, details)
  }
}

function hasBody (req: Request): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

async function readText (req: Request): Promise<string> {
  if (Number(req.headers['content-length']) > BODY_LIMIT) throw bodyTooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > BODY_LIMIT) throw bodyTooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Reads a body the way the Fastify adapter does: none, JSON as UTF-8 text, or 415. If the app's own
 * express.json() already parsed it, that result is used (the stream is spent by then).
 */
async function readBody (req: Request): Promise<unknown> {
  const type = req.headers['content-type']
  if (type === undefined) {
    if (hasBody(req)) throw notJson()
    return undefined
  }
  if (!isJsonContentType(type)) throw notJson()
  if (req.readableEnded) return req.body
  return parseJsonBody(await readText(req))
}

/** The router's call for each method a route may have. */
const ROUTER_METHODS = { GET: 'get', POST: 'post', PUT: 'put', DELETE: 'delete' } as const satisfies Record<StepUpRoute['method'], string>

function routeHandler (route: StepUpRoute, users: UserResolver<Request>, audit: Audit): RequestHandler {
  const validate = route.schema.body ? compileSchema(route.schema.body) : undefined
  return async (req, res) => {
    let body: unknown
    if (validate) {
      body = await readBody(req)
      if (!validate(body)) throw schemaError(validate.errors!, 'body')
    }
    const user = route.authenticated ? await users.require(req) : undefined
    const result = await route.handle(user, body as Record<string, string>, audit, req)
    if (route.headers) res.set(route.headers)
    res.status(route.status).json(result)
  }
}

export function createStepUp (opts: ExpressStepUpOptions): ExpressStepUp {
  const { options, engine, close, compliance, notices } = setUpStepUp(pluginOptions(opts, ['logger']))
  const users = createUserResolver<Request>(opts.getUser)
  const logger = opts.logger ?? defaultLogger
  for (const notice of notices) {
    if (notice.level === 'warn' && logger.warn) logger.warn(notice.details, notice.message)
    else logger.info(notice.details, notice.message)
  }

  // Events as structured log lines, like the Fastify adapter's request.log.
  const audit: Audit = (event) => {
    if (auditLevel(event) === 'warn' && logger.warn) logger.warn({ stepUp: event }, `step-up ${event.type}`)
    else logger.info({ stepUp: event }, `step-up ${event.type}`)
  }
  const router = express.Router()
  for (const route of stepUpRoutes(engine, options.keys)) {
    router[ROUTER_METHODS[route.method]](`${options.prefix}${route.url}`, routeHandler(route, users, audit))
  }
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const reply = errorReply(err, requestLanguage(engine.texts, users.known(req), req.headers))
    if (!reply) {
      next(err) // not ours: the app's error handling decides
      return
    }
    logRefusal(logger, reply, err)
    send(res, reply)
  })

  return {
    router,
    requireStepUp (requirement) {
      const resolved = engine.resolveRequirement(requirement)
      return function stepUpGuard (req, res, next) {
        const decision = checkStepUp(engine, users, req, req.headers[options.tokenHeader], resolved, audit)
        const answered = guardRequest(decision, logger, (claims) => {
          req.stepUp = claims
          next()
        }, (reply) => {
          send(res, reply)
        })
        return answered instanceof Promise ? answered.catch(next) : undefined
      }
    },
    verifyToken: verifyTokenWith(engine),
    tokenCacheStats: () => engine.tokenCacheStats(),
    compliance: () => structuredClone(compliance),
    close,
    [STEP_UP_MOUNT]: { ...mountOf(engine, options, users), audit, logger, readBody }
  }
}
