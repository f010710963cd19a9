// Bad input gets a 4xx with a stable FST_STEP_UP_* code and a clear message: never a 500.
import t from 'tap'
import { as, buildApp } from './helpers/app.js'

t.test('malformed bodies are refused with FST_STEP_UP_INVALID_REQUEST', async (t) => {
  const { app, mailbox } = await buildApp(t)
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['/step-up/email/send', 'missing body', undefined, /body must be object/],
    ['/step-up/email/send', 'empty object', {}, /body must NOT have fewer than 1 properties/],
    ['/step-up/email/send', 'unknown property', { email: 'alice@example.com', admin: true }, /body must NOT have/],
    ['/step-up/email/send', 'only an unknown property', { emial: 'alice@example.com' }, /body must NOT have additional properties/],
    ['/step-up/email/send', 'both email and id', { email: 'alice@example.com', destinationId: 'A'.repeat(16) }, /more than 1 properties/],
    ['/step-up/email/send', 'email not a string', { email: ['alice@example.com'] }, /body\/email must be string/],
    ['/step-up/email/send', 'email too long', { email: 'a'.repeat(250) + '@example.com' }, /body\/email must NOT have more than 254 characters/],
    ['/step-up/email/send', 'malformed destination id', { destinationId: '../../etc' }, /body\/destinationId must match pattern/],
    ['/step-up/email/verify', 'missing code', { challengeId: 'A'.repeat(22) }, /body must have required property 'code'/],
    ['/step-up/email/verify', 'numeric code', { challengeId: 'A'.repeat(22), code: 123456 }, /body\/code must be string/],
    ['/step-up/email/verify', 'code with letters', { challengeId: 'A'.repeat(22), code: '12345a' }, /body\/code must match pattern/],
    ['/step-up/email/verify', 'very long code', { challengeId: 'A'.repeat(22), code: '1'.repeat(10_000) }, /body\/code must match pattern/],
    ['/step-up/email/verify', 'malformed challenge id', { challengeId: 'short', code: '123456' }, /body\/challengeId must match pattern/],
    ['/step-up/email/verify', 'extra property', { challengeId: 'A'.repeat(22), code: '123456', attempts: 0 }, /additional properties/],
    ['/step-up/token/verify', 'empty token', { token: '' }, /body\/token must NOT have fewer than 1 characters/],
    ['/step-up/token/verify', 'huge token', { token: 'x'.repeat(5000) }, /body\/token must NOT have more than 4096 characters/],
    ['/step-up/token/verify', 'array body', [{ token: 'x' }], /body must be object/]
  ]
  for (const [url, name, payload, message] of cases) {
    const reply = await app.inject({ method: 'POST', url, headers: as('alice'), ...(payload === undefined ? {} : { payload: payload as object }) })
    t.equal(reply.statusCode, 400, name)
    t.equal(reply.json().code, 'FST_STEP_UP_INVALID_REQUEST', name)
    t.match(reply.json().message, message, name)
  }
  t.equal(mailbox.messages.length, 0, 'no email was sent for any of them')
})

t.test('broken JSON, empty bodies and wrong content types keep their status and get our code', async (t) => {
  const { app } = await buildApp(t)
  const raw = (body: string, contentType: string) =>
    app.inject({ method: 'POST', url: '/step-up/email/verify', headers: { ...as('alice'), 'content-type': contentType }, body })

  const broken = await raw('{"challengeId": ', 'application/json')
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().code, 'FST_STEP_UP_INVALID_REQUEST')

  const empty = await raw('', 'application/json')
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().code, 'FST_STEP_UP_INVALID_REQUEST')

  const text = await raw('code=123456', 'text/html')
  t.equal(text.statusCode, 415)
  t.equal(text.json().code, 'FST_STEP_UP_INVALID_REQUEST')

  const proto = await raw('{"__proto__": {"admin": true}, "challengeId": "AAAAAAAAAAAAAAAAAAAAAA", "code": "123456"}', 'application/json')
  t.equal(proto.statusCode, 400, 'prototype poisoning is refused by the JSON parser')
  t.equal(proto.json().code, 'FST_STEP_UP_INVALID_REQUEST')
})

t.test("the app's own ajv settings do not loosen our validation", async (t) => {
  // Fastify's default removes unknown properties and coerces types; our routes must still refuse.
  const { app } = await buildApp(t)
  const reply = await app.inject({
    method: 'POST',
    url: '/step-up/email/verify',
    headers: as('alice'),
    payload: { challengeId: 'A'.repeat(22), code: '123456', extra: 1 }
  })
  t.equal(reply.statusCode, 400)
})

t.test('errors outside the step-up routes are left to the app', async (t) => {
  const { app } = await buildApp(t, {
    routes (app) {
      app.post('/echo', { schema: { body: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } }, async (request) => request.body)
    }
  })
  const reply = await app.inject({ method: 'POST', url: '/echo', payload: {} })
  t.equal(reply.statusCode, 400)
  t.equal(reply.json().code, 'FST_ERR_VALIDATION', "the app's routes keep Fastify's own error format")
})
