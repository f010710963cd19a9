// Compile-time checks of the public types: `npm run typecheck` fails if any line here stops holding.
// Not a tap test; nothing here runs.
import Fastify, { type onRequestHookHandler, type preHandlerHookHandler } from 'fastify'
import stepUp, {
  FST_STEP_UP_CODE_INVALID,
  FST_STEP_UP_INVALID_REQUEST,
  FST_STEP_UP_OPTION_INVALID,
  FST_STEP_UP_OPTION_SECRET,
  MemoryStore,
  type StepUpClaims,
  type StepUpError,
  type StepUpErrorCode,
  type StepUpStore,
  type StepUpUser
} from '../../lib/index.js'
import express from 'express'
import { createStepUp } from '../../lib/express/index.js'
import loginRadius, { loginRadiusAccessToken, type LoginRadiusSmsTemplateContext } from '../../lib/compat/loginradius/index.js'
import { createLoginRadius } from '../../lib/compat/loginradius/express.js'

declare module '../../lib/index.js' {
  interface StepUpTypes {
    user: { id: string, sessionId: string, displayName: string }
  }
}

const app = Fastify()
app.register(stepUp, {
  secret: 'x'.repeat(32),
  // The augmented user type is what getUser must return.
  getUser: () => ({ id: 'u', sessionId: 's', displayName: 'U', emails: ['u@example.com'] }),
  email: { from: 'a@example.com', transport: 'smtp://127.0.0.1:25', subject: ({ user }) => `Hi ${user.displayName}` }
})

app.register(stepUp, {
  secret: 'x'.repeat(32),
  // @ts-expect-error displayName is required by the augmentation
  getUser: () => ({ id: 'u', sessionId: 's' }),
  email: false
})

const guard: onRequestHookHandler = app.requireStepUp({ maxAge: '5m', methods: ['email'] })
app.get('/a', { onRequest: guard, config: { stepUp: { maxAge: 60_000 } } }, async (request) => {
  const claims: StepUpClaims | null = request.stepUp
  return claims?.amr
})
app.get('/b', { config: { stepUp: true } }, async () => 'b')
// The same guard serves as preHandler, for a requirement that reads the body.
const bodyGuard: preHandlerHookHandler = app.requireStepUp({ action: 'pay', actionData: (request: { body: { amount: string } }) => request.body.amount })
app.post('/pay', { preHandler: bodyGuard }, async () => 'paid')
// @ts-expect-error an unknown method is a type error
app.requireStepUp({ methods: ['carrier-pigeon'] })

// Passkeys: the app's callbacks see the augmented user; a route may ask for a passkey alone.
app.register(stepUp, {
  secret: 'x'.repeat(32),
  getUser: () => null,
  passkey: {
    rpID: 'example.com',
    origin: ['https://example.com'],
    getCredentials: async (user) => [{ id: user.displayName, publicKey: new Uint8Array(), counter: 0, transports: ['usb'] }],
    updateCounter: (_user, _credentialId, counter: number) => counter > 0
  }
})
app.requireStepUp({ methods: ['passkey'] })

const user: StepUpUser = { id: 'u', sessionId: 's', displayName: 'U' }
app.stepUp.verifyToken('t', { user, requirement: { maxAge: '1m' } }).then((claims) => claims.auth_time.toFixed())

const store: StepUpStore = new MemoryStore({ maxChallenges: 10 })
store.logAdd('k', 'entry', 10, 1000).then(({ count, retryMs }: { count: number, retryMs: number }) => count + retryMs)

const err = new FST_STEP_UP_CODE_INVALID()
const code: StepUpErrorCode = err.code
const status: 400 = err.statusCode
export { code, status }
// A request error is a StepUpError; a configuration error has no status, so it is not one.
const requestError: StepUpError = FST_STEP_UP_INVALID_REQUEST('reason')
// @ts-expect-error statusCode is undefined
const optionError: StepUpError = new FST_STEP_UP_OPTION_SECRET()
// The arguments are the message's: one string per %s, then { cause }.
const withCause = new FST_STEP_UP_OPTION_INVALID('name', 'must be set', { cause: requestError })
// @ts-expect-error FST_STEP_UP_OPTION_INVALID's message has two %s
const oneArgument = new FST_STEP_UP_OPTION_INVALID('name')
export { optionError, withCause, oneArgument }

// fastify-step-up/loginradius: a Fastify plugin with its own options, and a middleware made from createStepUp's result.
app.register(loginRadius, {
  apiKey: 'key',
  apiSecret: 'a-secret-of-16-chars',
  smsTemplate: ({ code, template }: LoginRadiusSmsTemplateContext) => `${template ?? ''} ${code}`
})
// @ts-expect-error apiSecret is required
app.register(loginRadius, { apiKey: 'key' })
const expressStepUp = createStepUp({ secret: 'x'.repeat(32), getUser: () => null, email: false })
express().use(createLoginRadius(expressStepUp, { apiKey: 'key', apiSecret: 'a-secret-of-16-chars' }))
// @ts-expect-error the first argument is what createStepUp returned
createLoginRadius({}, { apiKey: 'key', apiSecret: 'a-secret-of-16-chars' })
app.get('/token', async (request) => {
  const token: string | undefined = loginRadiusAccessToken(request)
  return token
})
