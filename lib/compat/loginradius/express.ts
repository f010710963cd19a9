// The LoginRadius-compatible routes on Express: one middleware in the adapter's router. It takes
// the requests below the two base paths that are one of ours and passes every other on, so the
// app's own routes and 404 handling are untouched. Same matching, order and replies as on Fastify.
import type { Request, RequestHandler } from 'express'
import type { Audit, StepUpEngine } from '../../core/engine.js'
import { logRefusal, send, type AdapterLog } from '../../http/reply.js'
import type { UserResolver } from '../../http/users.js'
import type { ResolvedOptions } from '../../options.js'
import type { LoginRadiusCompatOptions } from '../../types.js'
import { loginRadiusRoutes } from './routes.js'
import { splitUrl } from './shapes.js'

export interface ExpressLoginRadiusOptions {
  engine: StepUpEngine
  options: ResolvedOptions
  users: UserResolver<Request>
  loginradius: LoginRadiusCompatOptions
  /** The adapter's own body reader (JSON only, 16 KiB, or what the app's express.json() parsed). */
  readBody: (req: Request) => Promise<unknown>
  audit: Audit
  logger: AdapterLog
}

export function expressLoginRadius ({ engine, options, users, loginradius, readBody, audit, logger }: ExpressLoginRadiusOptions): RequestHandler {
  const compat = loginRadiusRoutes(engine, options, users, loginradius)
  return async function loginRadiusRoutesMiddleware (req, res, next) {
    const { path, search } = splitUrl(req.url)
    const match = compat.match(req.method, path)
    if (!match) {
      next()
      return
    }
    try {
      // The key before the body, as on Fastify.
      compat.authorize(match, search, req.headers)
      const body = match.route.validateBody ? await readBody(req) : undefined
      send(res, await compat.run(match, { request: req, search, body, audit }))
    } catch (err) {
      const reply = compat.errorReply(err, match)
      if (!reply) {
        next(err) // not ours (getUser threw): the app's error handling decides
        return
      }
      logRefusal(logger, reply, err, { ErrorCode: reply.body.ErrorCode })
      send(res, reply)
    }
  }
}
