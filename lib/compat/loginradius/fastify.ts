// The LoginRadius-compatible routes on Fastify, registered after the step-up plugin and mounted on
// its handle (`fastify.stepUp[STEP_UP_MOUNT]`), in their own encapsulated context: their body parser
// and error handler (the reference's error shape) apply to them only. Fastify's router is
// case-sensitive, so each base path gets one wildcard route and the rest of the path is matched
// here without regard to case; a path that is none of ours goes to the app's 404 handler.
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { FST_STEP_UP_OPTION_INVALID } from '../../errors.js'
import { BODY_LIMIT } from '../../http/body.js'
import { logRefusal, send } from '../../http/reply.js'
import type { FastifyStepUpMount } from '../../fastify/mount.js'
import { STEP_UP_MOUNT } from '../../mount.js'
import { loginRadiusMethods, loginRadiusRouteSchema } from './openapi.js'
import { resolveLoginRadiusOptions, type LoginRadiusOptions } from './options.js'
import { LOGINRADIUS_BASES, loginRadiusRoutes, type LoginRadiusBase, type LoginRadiusMatch } from './routes.js'
import { splitUrl } from './shapes.js'

// What `register(plugin, opts)` reads from opts besides the plugin (as for the step-up plugin).
const REGISTER_OPTION_KEYS = ['logLevel', 'logSerializers', 'name']

async function routes (instance: FastifyInstance, { mount, options }: { mount: FastifyStepUpMount, options: LoginRadiusOptions }): Promise<void> {
  const compat = loginRadiusRoutes(mount, options)
  const matches = new WeakMap<FastifyRequest, LoginRadiusMatch>()

  // JSON only and at most 16 KiB, as on our own routes, whatever parsers the app added.
  mount.useJsonBodies(instance)

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
    const known = compat.errorReply(mount.bodyError(err), matches.get(request))
    if (!known) throw err // not ours: the app's error handler decides
    logRefusal(request.log, known, err, { ErrorCode: known.body.ErrorCode })
    return send(reply, known)
  })

  // One route per base and HTTP method it has calls for, so an OpenAPI document gets one operation
  // (one operationId) each; any other method goes to the app's 404 handling, as an unknown path does.
  for (const [base, prefix] of Object.entries(LOGINRADIUS_BASES) as Array<[LoginRadiusBase, string]>) {
    for (const method of loginRadiusMethods(base)) {
      instance.route({
        method,
        url: `${prefix}/*`,
        schema: loginRadiusRouteSchema(base, method),
        // A HEAD request must not run a GET that sends a code.
        exposeHeadRoute: false,
        bodyLimit: BODY_LIMIT,
        async handler (request, reply) {
          return send(reply, await compat.run(matches.get(request)!, {
            request,
            search: splitUrl(request.url).search,
            body: request.body,
            audit: mount.audit(request)
          }))
        }
      })
    }
  }
}

async function fastifyLoginRadius (fastify: FastifyInstance, opts: LoginRadiusOptions): Promise<void> {
  const options = resolveLoginRadiusOptions(opts, REGISTER_OPTION_KEYS)
  const mount = (fastify as { stepUp?: { [STEP_UP_MOUNT]?: FastifyStepUpMount } }).stepUp?.[STEP_UP_MOUNT]
  if (!mount) {
    throw new FST_STEP_UP_OPTION_INVALID('loginradius',
      'needs fastify-step-up registered first: await app.register(stepUp, options), then app.register(loginRadius, { apiKey, apiSecret })')
  }
  // The routes keep their own context; this plugin only finds the step-up plugin's handle.
  await fastify.register(routes, { mount, options })
}

/** The LoginRadius-compatible routes for Fastify: `app.register(loginRadius, { apiKey, apiSecret })` after the step-up plugin. */
export const loginRadius: FastifyPluginAsync<LoginRadiusOptions> = fp(fastifyLoginRadius, { fastify: '5.x', name: 'fastify-step-up-loginradius' })
