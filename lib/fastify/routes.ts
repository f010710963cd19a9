// The step-up routes. Each one turns a request into an engine call and the result into a reply;
// the rules are all in the engine. They live in their own encapsulated context, so the validator,
// the error handler and the schema error format below apply to these routes only.
import { STATUS_CODES } from 'node:http'
import { Ajv } from 'ajv'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { StepUpEngine } from '../core/engine.js'
import { FST_STEP_UP_INVALID_REQUEST, isStepUpError, type StepUpError } from '../errors.js'
import type { StepUpMethod } from '../types.js'
import { emailField, methodsSchema, sendSchema, tokenVerifySchema, verifySchema } from './schemas.js'
import type { UserResolver } from './users.js'

export interface RoutesOptions {
  engine: StepUpEngine
  users: UserResolver
}

/** Per code method: the body field that names the destination, and its schema. */
const destinationFields: Record<StepUpMethod, { field: string, schema: object }> = {
  email: { field: 'email', schema: emailField }
}

// Our own validator, independent of the app's ajv settings: unknown properties are refused, not
// silently removed, and nothing is coerced (a numeric code would lose its leading zeros).
const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false })

function toStepUpError (err: FastifyError): StepUpError | undefined {
  if (isStepUpError(err)) return err
  // Fastify's own 4xx (bad JSON, wrong content type, body too large) keep their status, get our code.
  if (err.code?.startsWith('FST_ERR_') && err.statusCode !== undefined && err.statusCode < 500) {
    const mapped = new FST_STEP_UP_INVALID_REQUEST(err.message) as StepUpError
    mapped.statusCode = err.statusCode
    return mapped
  }
  return undefined
}

export async function stepUpRoutes (instance: FastifyInstance, { engine, users }: RoutesOptions): Promise<void> {
  instance.setValidatorCompiler(({ schema }) => ajv.compile(schema))
  instance.setSchemaErrorFormatter((errors, dataVar) => {
    // ajv stops at the first error (allErrors: false), so there is exactly one to report.
    const { instancePath, message } = errors[0]!
    return new FST_STEP_UP_INVALID_REQUEST(`${dataVar}${instancePath} ${message}`)
  })
  instance.setErrorHandler<FastifyError>((err, request, reply) => {
    const known = toStepUpError(err)
    if (!known) throw err // not ours: the app's error handler decides
    if (known.statusCode >= 500) request.log.error({ err: known }, 'step-up failed')
    else request.log.info({ code: known.code }, 'step-up refused')
    return reply
      .code(known.statusCode)
      .headers(known.headers ?? {})
      .send({ statusCode: known.statusCode, code: known.code, error: STATUS_CODES[known.statusCode], message: known.message })
  })

  instance.get('/methods', { schema: methodsSchema }, async (request) => {
    return { methods: engine.availableMethods(await users.require(request)) }
  })

  for (const method of engine.enabledMethods) {
    const { field, schema } = destinationFields[method]
    instance.post<{ Body: Record<string, string> }>(`/${method}/send`, { schema: sendSchema(method, field, schema) }, async (request, reply) => {
      const user = await users.require(request)
      const started = await engine.startChallenge(method, user, {
        destination: request.body[field],
        destinationId: request.body.destinationId
      })
      return reply.code(202).send(started)
    })

    instance.post<{ Body: { challengeId: string, code: string } }>(`/${method}/verify`, { schema: verifySchema(method) }, async (request) => {
      const user = await users.require(request)
      const { token, expiresIn } = await engine.verifyChallenge(method, user, request.body.challengeId, request.body.code)
      return { token, expiresIn }
    })
  }

  // The back-end check asks what the token itself promises: this user, this session, not expired.
  // No route's freshness applies here; the caller compares auth_time with what it needs.
  const anyFreshToken = { maxAgeMs: Number.POSITIVE_INFINITY, methods: undefined }
  instance.post<{ Body: { token: string } }>('/token/verify', { schema: tokenVerifySchema }, async (request) => {
    const user = await users.require(request)
    try {
      const claims = await engine.verifyToken(request.body.token, user, anyFreshToken)
      return { valid: true, claims }
    } catch (err) {
      // verifyToken rejects only with 401 step-up errors today; anything else must stay an error.
      /* c8 ignore next */
      if (!isStepUpError(err) || err.statusCode !== 401) throw err
      return { valid: false, code: err.code, message: err.message }
    }
  })
}
