// Bad input gets a 4xx with a stable FST_STEP_UP_* code and a clear message: never a 500.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { loadAjv } from '../lib/http/validation.js'
import { as, buildApp, frameworks } from './helpers/app.js'

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('malformed bodies are refused with FST_STEP_UP_INVALID_REQUEST', async (t) => {
      const { app, mailbox } = await buildApp(t, { framework })
      const cases: Array<[string, string, unknown, RegExp]> = [
        ['/step-up/email/send', 'missing body', undefined, /body must be object/],
        ['/step-up/email/send', 'empty object', {}, /body must have required property 'email'/],
        ['/step-up/email/send', 'unknown property', { email: 'alice@example.com', admin: true }, /body must NOT have/],
        ['/step-up/email/send', 'only an unknown property', { emial: 'alice@example.com' }, /body must NOT have additional properties/],
        ['/step-up/email/send', 'both email and id', { email: 'alice@example.com', destinationId: 'A'.repeat(16) }, /body must match exactly one schema in oneOf/],
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
      const { app } = await buildApp(t, { framework })

      const cases: Array<[string, string | undefined, string, number, string]> = [
        ['broken JSON', 'application/json', '{"challengeId": ', 400, 'Invalid request: the body is not valid JSON'],
        ['an empty JSON body', 'application/json', '', 400, 'Invalid request: body must be object'],
        ['JSON with a charset', 'application/json; charset=utf-8', '[]', 400, 'Invalid request: body must be object'],
        ['a JSON string', 'application/json', '"hello"', 400, 'Invalid request: body must be object'],
        ['HTML', 'text/html', 'code=123456', 415, 'Invalid request: send the body as application/json'],
        ['plain text', 'text/plain', '{"challengeId":"AAAAAAAAAAAAAAAAAAAAAA","code":"123456"}', 415, 'Invalid request: send the body as application/json'],
        ['a form', 'application/x-www-form-urlencoded', 'code=1', 415, 'Invalid request: send the body as application/json'],
        ['an empty body with a non-JSON type', 'text/plain', '', 415, 'Invalid request: send the body as application/json'],
        ['a body with no content type', undefined, '{"code":"1"}', 415, 'Invalid request: send the body as application/json'],
        ['a body over 16 KiB', 'application/json', JSON.stringify({ code: '1'.repeat(17 * 1024) }), 413, 'Invalid request: the body is larger than 16384 bytes'],
        ['prototype poisoning', 'application/json', '{"__proto__": {"admin": true}, "challengeId": "AAAAAAAAAAAAAAAAAAAAAA", "code": "123456"}', 400, 'Invalid request: body must NOT have additional properties']
      ]
      const chunked = [
        ['a chunked body over 16 KiB', 'application/json', JSON.stringify({ code: '1'.repeat(17 * 1024) }), 413, 'Invalid request: the body is larger than 16384 bytes'],
        ['a chunked body with no content type', undefined, '{"code":"1"}', 415, 'Invalid request: send the body as application/json'],
        ['a chunked JSON body', 'application/json', '{"code":"1"}', 400, "Invalid request: body must have required property 'challengeId'"]
      ] as const
      for (const [name, contentType, body, status, message] of [...cases, ...chunked]) {
        const reply = await app.inject({
          method: 'POST',
          url: '/step-up/email/verify',
          headers: { ...as('alice'), ...(contentType === undefined ? {} : { 'content-type': contentType }) },
          body,
          chunked: name.startsWith('a chunked')
        })
        t.equal(reply.statusCode, status, name)
        t.same(reply.json(), { statusCode: status, code: 'FST_STEP_UP_INVALID_REQUEST', error: reply.json().error, message }, name)
      }
    })

    t.test('a body from an unauthenticated client is still checked first, the same way everywhere', async (t) => {
      const { app } = await buildApp(t, { framework })
      const reply = await app.inject({ method: 'POST', url: '/step-up/email/verify', payload: { nope: 1 } })
      t.equal(reply.statusCode, 400)
      const noUser = await app.inject({ method: 'POST', url: '/step-up/email/verify', payload: { challengeId: 'A'.repeat(22), code: '123456' } })
      t.equal(noUser.statusCode, 401)
    })

    t.test("the app's own ajv settings do not loosen our validation", async (t) => {
      // Fastify's default removes unknown properties and coerces types; our routes must still refuse.
      const { app } = await buildApp(t, { framework })
      const reply = await app.inject({
        method: 'POST',
        url: '/step-up/email/verify',
        headers: as('alice'),
        payload: { challengeId: 'A'.repeat(22), code: '123456', extra: 1 }
      })
      t.equal(reply.statusCode, 400)
    })
  })
}

// ajv is an optional peer, loaded when the routes are set up. An app without it (an Express app
// that did not install it) or with another major (tooling that hoisted ajv 6) is a directory of
// its own, outside this checkout (whose node_modules has ajv 8), resolved by Node's real `require`.
function projectWith (t: Test, ajv?: { packageJson: string, index: string }): NodeJS.Require {
  const dir = mkdtempSync(join(tmpdir(), 'step-up-ajv-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  if (ajv !== undefined) {
    mkdirSync(join(dir, 'node_modules/ajv'), { recursive: true })
    writeFileSync(join(dir, 'node_modules/ajv/package.json'), ajv.packageJson)
    writeFileSync(join(dir, 'node_modules/ajv/index.js'), ajv.index)
  }
  return createRequire(join(dir, 'app.js'))
}

const ajvVersion = (version: string): string => JSON.stringify({ name: 'ajv', version, main: 'index.js' })

t.test('ajv is loaded when the routes are set up, and must be ajv 8', async (t) => {
  const Ajv = loadAjv()
  const validate = new Ajv({}).compile({ type: 'string' })
  t.ok(validate('a string'), 'the installed ajv 8 compiles and validates')
  t.notOk(validate(1), 'and refuses what the schema refuses')

  t.throws(() => loadAjv(projectWith(t)), {
    code: 'FST_STEP_UP_DEPENDENCY_MISSING',
    message: 'fastify-step-up needs ajv 8 to validate request bodies: npm install ajv',
    cause: { code: 'MODULE_NOT_FOUND' }
  }, 'no ajv: says what to install')

  // Loading this ajv 6 would throw something else: the version alone must be enough to refuse it.
  t.throws(() => loadAjv(projectWith(t, { packageJson: ajvVersion('6.12.6'), index: 'throw new Error("ajv 6 was loaded")' })), {
    code: 'FST_STEP_UP_DEPENDENCY_MISSING',
    message: 'fastify-step-up needs ajv 8 to validate request bodies, found ajv 6.12.6: npm install ajv@8'
  }, 'ajv 6: says which version it found and which it needs, without loading it')

  // An ajv that is there but broken is not "missing": its own error is passed on, as it is.
  t.throws(() => loadAjv(projectWith(t, { packageJson: ajvVersion('8.20.0'), index: 'require("a-dependency-it-forgot")' })),
    { code: 'MODULE_NOT_FOUND', message: /Cannot find module 'a-dependency-it-forgot'/ }, 'a dependency of its own missing')
  t.throws(() => loadAjv(projectWith(t, { packageJson: '{ "name": "ajv", ', index: '' })),
    // Node's own words for it: "Error parsing …" on Node 20, "Invalid package config …" (with the
    // code ERR_INVALID_PACKAGE_CONFIG) on 22 and 24. Either way it is not our "missing" error.
    { message: /(?:Error parsing|Invalid package config)[\s\S]*ajv.package\.json/ }, 'an unreadable package.json')
})

t.test('without ajv, both adapters fail at setup with FST_STEP_UP_DEPENDENCY_MISSING', async (t) => {
  // The package as loaded where `require('ajv')` finds nothing (an Express app without it, or pnpm).
  const noAjvRequire = projectWith(t)
  const validation = await import('../lib/http/validation.js')
  const noAjv = {
    '../lib/http/validation.js': {
      ...validation,
      validator: () => validation.loadAjv(noAjvRequire),
      compileSchema: () => validation.loadAjv(noAjvRequire)
    }
  }
  // (tap's mocks reach the modules that import validation.js directly: the routes, not the plugin.)
  const { fastifyRoutes } = await t.mockImport<typeof import('../lib/fastify/routes.js')>('../lib/fastify/routes.js', noAjv)
  const { createStepUp } = await t.mockImport<typeof import('../lib/express/index.js')>('../lib/express/index.js', noAjv)
  const options = { secret: 'a-test-secret-that-is-at-least-32-bytes-long', getUser: () => null, email: { from: 'a@example.com', transport: { jsonTransport: true } as never } }
  const expected = { code: 'FST_STEP_UP_DEPENDENCY_MISSING', message: /npm install ajv$/ }

  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(async () => { await app.register(fastifyRoutes, {} as never).ready() }, expected, 'Fastify: registration fails with our code, not FST_ERR_SCH_VALIDATION_BUILD')
  t.throws(() => createStepUp(options), expected, 'Express: createStepUp() throws it')
})
