// The step-up routes on Fastify. They live in their own encapsulated context, so the body parser,
// validator, error handler and schema error format below apply to these routes only.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import type { StepUpEngine } from '../core/engine.js'
import type { KeyRing } from '../core/keys.js'
import { BODY_LIMIT, bodyTooLarge, invalidBody, notJson, parseJsonBody } from '../http/body.js'
import { errorSchema } from '../http/openapi.js'
import { errorReply, logRefusal, requestLanguage, send } from '../http/reply.js'
import { stepUpRoutes } from '../http/routes.js'
import type { UserResolver } from '../http/users.js'
import { requestAudit } from './guard.js'
import { compileSchema, schemaError, validator } from '../http/validation.js'

export interface RoutesOptions {
  engine: StepUpEngine
  users: UserResolver<FastifyRequest>
  /** Key pairs, whose public halves the JWKS route publishes. */
  keys: KeyRing | undefined
}

/** Fastify's own body errors, in the words every adapter uses. */
export function bodyError (err: FastifyError): Error {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return bodyTooLarge()
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return notJson()
  }
  // Any other client error Fastify finds in the request (a wrong content-length, say) is still bad input.
  const isClientError = err.code?.startsWith('FST_ERR_') && err.statusCode !== undefined && err.statusCode < 500
  return isClientError ? invalidBody(err.statusCode!, err.message) : err
}

/** In this encapsulated context: JSON only, at most 16 KiB, parsed as the other adapters parse it, whatever parsers the app added. */
export function useJsonBodies (instance: FastifyInstance): void {
  instance.removeAllContentTypeParsers()
  instance.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}

export async function fastifyRoutes (instance: FastifyInstance, { engine, users, keys }: RoutesOptions): Promise<void> {
  // Fastify compiles schemas at ready() and wraps what a compiler throws in its own error: load ajv
  // now, so a missing one fails registration with our code and its advice.
  validator()
  useJsonBodies(instance)
  instance.setValidatorCompiler(({ schema }) => compileSchema(schema))
  instance.setSchemaErrorFormatter(schemaError)
  instance.setErrorHandler<FastifyError>((err, request, reply) => {
    const known = errorReply(bodyError(err), requestLanguage(engine.texts, users.known(request), request.headers))
    if (!known) throw err // not ours: the app's error handler decides
    logRefusal(request.log, known, err)
    return send(reply, known)
  })

  // The error body the routes' error responses share (`$ref`), once in this context.
  instance.addSchema(errorSchema)
  for (const route of stepUpRoutes(engine, keys)) {
    instance.route<{ Body: Record<string, string> }>({
      method: route.method,
      url: route.url,
      schema: route.schema,
      bodyLimit: BODY_LIMIT,
      async handler (request, reply) {
        const user = route.authenticated ? await users.require(request) : undefined
        const result = await route.handle(user, request.body, requestAudit(request), request)
        if (route.headers) reply.headers(route.headers)
        return reply.code(route.status).send(result)
      }
    })
  }
}
