// The LoginRadius-compatible routes on Express: one middleware, mounted on what createStepUp
// returned (its handle, `stepUp[STEP_UP_MOUNT]`). It takes the requests below the two base paths
// that are one of ours and passes every other on, so the app's own routes and 404 handling are
// untouched. Same matching, order and replies as on Fastify.
import type { Request, RequestHandler } from 'express'
import { FST_STEP_UP_OPTION_INVALID } from '../../errors.js'
import { logRefusal, send } from '../../http/reply.js'
import type { ExpressStepUpMount } from '../../express/mount.js'
import { STEP_UP_MOUNT } from '../../mount.js'
import { resolveLoginRadiusOptions, type LoginRadiusOptions } from './options.js'
import { loginRadiusRoutes } from './routes.js'
import { splitUrl } from './shapes.js'

/** What `createStepUp` returns, as far as these routes need it. */
export interface ExpressStepUpHandle {
  readonly [STEP_UP_MOUNT]: ExpressStepUpMount
}

/** The LoginRadius-compatible routes for Express: `app.use(createLoginRadius(stepUp, { apiKey, apiSecret }))`. */
export function createLoginRadius (stepUp: ExpressStepUpHandle, opts: LoginRadiusOptions): RequestHandler {
  const mount = (stepUp as Partial<ExpressStepUpHandle> | undefined)?.[STEP_UP_MOUNT]
  if (!mount) {
    throw new FST_STEP_UP_OPTION_INVALID('loginradius',
      'needs what createStepUp returned: createLoginRadius(createStepUp(options), { apiKey, apiSecret })')
  }
  const options = resolveLoginRadiusOptions(opts)
  const compat = loginRadiusRoutes<Request>(mount, options)
  const { readBody, audit, logger } = mount
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

// fastify-step-up/loginradius/express is this file: what an Express app needs of the compatible routes.
export { loginRadiusAccessToken, type RequestWithToken } from './access-token.js'
export type { LoginRadiusOptions, LoginRadiusSmsTemplateContext } from './options.js'
