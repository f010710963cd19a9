// Registering a passkey, on the app's own routes, with the plugin's enrollment helpers: the options
// for navigator.credentials.create(), then the browser's answer. The registration challenge stays
// on the server, one per login session, used once; the passkey is stored on the demo user (in
// memory). A real app would ask for a step-up before adding a factor, and keep passkeys in its database.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { passkeyRegistrationOptions, verifyPasskeyRegistration, type PasskeyRelyingParty } from 'fastify-step-up'
import type { DemoFactors } from './factors.js'
import { findUserById } from './users.js'

const CHALLENGE_TTL_MS = 5 * 60_000

/** The logged-in user and their session, or a 401 sent. */
async function who (request: FastifyRequest): Promise<{ userId: string, sessionId: string } | undefined> {
  try {
    const claims = await request.jwtVerify<{ sub: string, sid: string }>()
    return findUserById(claims.sub) ? { userId: claims.sub, sessionId: claims.sid } : undefined
  } catch {
    return undefined
  }
}

const unauthorized = { statusCode: 401, error: 'Unauthorized', message: 'Sign in first' }

/** GET /account/passkeys, POST /account/passkeys/options, POST /account/passkeys and DELETE /account/passkeys/:id. */
export function registerPasskeyEnrolment (app: FastifyInstance, relyingParty: PasskeyRelyingParty, factors: DemoFactors): void {
  /** Pending registration challenges, per login session. */
  const pending = new Map<string, { challenge: string, expiresAt: number }>()

  app.get('/account/passkeys', async (request, reply) => {
    const me = await who(request)
    if (!me) return reply.code(401).send(unauthorized)
    return { passkeys: factors.passkeys.map(({ id, deviceType, transports }) => ({ id, deviceType, transports })) }
  })

  app.post('/account/passkeys/options', async (request, reply) => {
    const me = await who(request)
    if (!me) return reply.code(401).send(unauthorized)
    const user = findUserById(me.userId)!
    const options = await passkeyRegistrationOptions(relyingParty, {
      userName: user.emails[0]!,
      userDisplayName: user.name,
      excludeCredentials: factors.passkeys
    })
    for (const [session, { expiresAt }] of pending) if (expiresAt <= Date.now()) pending.delete(session)
    pending.set(me.sessionId, { challenge: options.challenge, expiresAt: Date.now() + CHALLENGE_TTL_MS })
    return options
  })

  app.post<{ Body: Record<string, unknown> }>('/account/passkeys', {
    schema: { body: { type: 'object', required: ['id', 'rawId', 'type', 'response'], maxProperties: 10 } },
    bodyLimit: 64 * 1024
  }, async (request, reply) => {
    const me = await who(request)
    if (!me) return reply.code(401).send(unauthorized)
    const started = pending.get(me.sessionId)
    pending.delete(me.sessionId) // one answer per challenge, right or wrong
    if (!started || started.expiresAt <= Date.now()) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'No registration is in progress: start again' })
    }
    // Rejects with FST_STEP_UP_PASSKEY_INVALID (400) and the reason, which Fastify sends as it is.
    const registered = await verifyPasskeyRegistration(relyingParty, {
      response: request.body as unknown as Parameters<typeof verifyPasskeyRegistration>[1]['response'],
      expectedChallenge: started.challenge
    })
    factors.passkeys.push(registered)
    request.log.info({ credentialId: registered.id, deviceType: registered.deviceType }, 'passkey registered')
    return { id: registered.id, deviceType: registered.deviceType, passkeys: factors.passkeys.length }
  })

  app.delete<{ Params: { id: string } }>('/account/passkeys/:id', async (request, reply) => {
    const me = await who(request)
    if (!me) return reply.code(401).send(unauthorized)
    const at = factors.passkeys.findIndex(({ id }) => id === request.params.id)
    if (at === -1) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'No such passkey' })
    factors.passkeys.splice(at, 1)
    return { passkeys: factors.passkeys.length }
  })
}
