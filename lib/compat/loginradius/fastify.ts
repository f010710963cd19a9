// The LoginRadius-compatible routes on Fastify, in their own encapsulated context: their body
// parser and error handler (the reference's error shape) apply to them only. Fastify's router is
// case-sensitive, so each base path gets one wildcard route and the rest of the path is matched
// here without regard to case; a path that is none of ours goes to the app's 404 handler.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type { StepUpEngine } from '../../core/engine.js'
import { requestAudit } from '../../fastify/guard.js'
import { bodyError, useJsonBodies } from '../../fastify/routes.js'
import { BODY_LIMIT } from '../../http/body.js'
import { logRefusal, send } from '../../http/reply.js'
import type { UserResolver } from '../../http/users.js'
import type { ResolvedOptions } from '../../options.js'
import type { LoginRadiusCompatOptions } from '../../types.js'
import { LOGINRADIUS_BASES, loginRadiusRoutes, type LoginRadiusMatch } from './routes.js'
import { splitUrl } from './shapes.js'

export interface FastifyLoginRadiusOptions {
  engine: StepUpEngine
  options: ResolvedOptions
  users: UserResolver<FastifyRequest>
  loginradius: LoginRadiusCompatOptions
}

export async function fastifyLoginRadius (instance: FastifyInstance, { engine, options, users, loginradius }: FastifyLoginRadiusOptions): Promise<void> {
  const compat = loginRadiusRoutes(engine, options, users, loginradius)
  const matches = new WeakMap<FastifyRequest, LoginRadiusMatch>()

  // JSON only and at most 16 KiB, as on our own routes, whatever parsers the app added.
  useJsonBodies(instance)

  // The route and the API key are settled before the body is read, so a caller without the key
  // cannot make the server parse one.
  instance.addHook('onRequest', async (request, reply) => {
    const { path, search } = splitUrl(request.url)
    const match = compat.match(request.method, path)
    if (!match) {
      reply.callNotFound()
      return reply
    }
    matches.set(request, match)
    compat.authorize(match, search, request.headers)
  })

  instance.setErrorHandler<FastifyError>((err, request, reply) => {
    const known = compat.errorReply(bodyError(err), matches.get(request))
    if (!known) throw err // not ours: the app's error handler decides
    logRefusal(request.log, known, err, { ErrorCode: known.body.ErrorCode })
    return send(reply, known)
  })

  for (const base of Object.values(LOGINRADIUS_BASES)) {
    instance.route({
      method: ['GET', 'PUT', 'POST'],
      url: `${base}/*`,
      // A HEAD request must not run a GET that sends a code.
      exposeHeadRoute: false,
      bodyLimit: BODY_LIMIT,
      async handler (request, reply) {
        return send(reply, await compat.run(matches.get(request)!, {
          request,
          search: splitUrl(request.url).search,
          body: request.body,
          audit: requestAudit(request)
        }))
      }
    })
  }
}
