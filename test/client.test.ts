// fastify-step-up/client against replies recorded from the plugin (test/fixtures/client-replies.json,
// made by test/fixtures/record-client-replies.ts): the challenge parser, the fetch wrapper that
// turns a 401 into a prompt and one retry, and the calls to the step-up routes.
import { readFileSync } from 'node:fs'
import t from 'tap'
import {
  createStepUpClient,
  createStepUpFetch,
  parseWwwAuthenticate,
  readStepUpChallenge,
  retryAfterSeconds,
  StepUpClientError,
  type FetchLike,
  type FieldMethodName,
  type StepUpChallenge,
  type StepUpErrorCode as ClientErrorCode,
  type StepUpMethodName
} from '../lib/client/index.js'
import type { StepUpErrorCode } from '../lib/errors.js'
import type { StepUpMethod } from '../lib/types.js'
import type { RecordedReply } from './fixtures/record-client-replies.js'

// The client declares the error codes itself and reads the method names from the server's catalog
// (lib/methods/catalog.ts, types that import nothing), so its types load nothing of the server's;
// these fail to compile (npm run typecheck) if the client's names ever differ from the server's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameCodes: Same<ClientErrorCode, StepUpErrorCode> = true
const sameMethods: Same<StepUpMethodName, StepUpMethod> = true
t.ok(sameCodes && sameMethods, 'the client names the same error codes and methods as the server')
// The methods whose dialog asks for one typed field come from the catalog's bodies: a code, a
// password or a PIN is one, the security questions' list of answers is not.
const oneField: Same<Extract<FieldMethodName, 'totp' | 'backup-code' | 'password' | 'pin'>, 'totp' | 'backup-code' | 'password' | 'pin'> = true
const notOneField: Same<Extract<FieldMethodName, 'security-questions'>, never> = true
t.ok(oneField && notOneField, 'the one-field methods are read from the catalog bodies')

const replies = JSON.parse(readFileSync(new URL('fixtures/client-replies.json', import.meta.url), 'utf8')) as Record<string, RecordedReply>
const BASE = 'http://app.test'

function reply (name: string): RecordedReply {
  const found = replies[name]
  if (!found) throw new Error(`no recorded reply ${name}`)
  return found
}

/** A recorded response, optionally with other headers (a server that writes them differently). */
function responseOf (name: string, headers: Record<string, string | null> = {}): Response {
  const { status, headers: recorded, body } = reply(name).response
  const merged = new Headers(recorded)
  for (const [key, value] of Object.entries(headers)) {
    if (value === null) merged.delete(key)
    else merged.set(key, value)
  }
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: merged })
}

interface Seen {
  method: string
  url: string
  headers: Headers
  body: string
}

/** A fetch that answers with the given responses in order and records what it was sent. */
function replay (...responses: Array<Response | (() => Response)>): FetchLike & { seen: Seen[] } {
  const seen: Seen[] = []
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    seen.push({ method: request.method, url: request.url, headers: request.headers, body: await request.text() })
    const next = responses.shift()
    if (!next) throw new Error(`unexpected request ${request.method} ${request.url}`)
    return typeof next === 'function' ? next() : next
  }
  return Object.assign(fake, { seen })
}

t.test('parseWwwAuthenticate reads the RFC 9110 grammar, not one server\'s spelling', async (t) => {
  t.same(parseWwwAuthenticate(reply('challengeLevel').response.headers['www-authenticate']!), [{
    scheme: 'bearer',
    params: {
      error: 'insufficient_user_authentication',
      error_description: 'This action needs a step-up: verify yourself again and retry with the step-up token',
      acr_values: 'urn:example:aal2',
      max_age: '120'
    }
  }], 'the recorded header')

  t.same(parseWwwAuthenticate('Basic realm="app", BEARER Error = insufficient_user_authentication ,\tMax_Age=60,realm="a, b"'), [
    { scheme: 'basic', params: { realm: 'app' } },
    { scheme: 'bearer', params: { error: 'insufficient_user_authentication', max_age: '60', realm: 'a, b' } }
  ], 'several challenges; any case, spacing and tabs; commas inside quotes')

  t.same(parseWwwAuthenticate('Bearer error_description="say \\"hi\\" \\\\ bye"'), [
    { scheme: 'bearer', params: { error_description: 'say "hi" \\ bye' } }
  ], 'quoted-pairs are unescaped')
  t.same(parseWwwAuthenticate('Bearer error="unterminated'), [{ scheme: 'bearer', params: { error: 'unterminated' } }], 'an unterminated string runs to the end')
  t.same(parseWwwAuthenticate('Bearer error="x\\'), [{ scheme: 'bearer', params: { error: 'x\\' } }], 'a backslash at the very end is kept')

  t.same(parseWwwAuthenticate('Negotiate YII+/a==, Basic dXNlcjpwYXNz , Bearer x='), [
    { scheme: 'negotiate', params: {}, token68: 'YII+/a==' },
    { scheme: 'basic', params: {}, token68: 'dXNlcjpwYXNz' },
    { scheme: 'bearer', params: {}, token68: 'x=' }
  ], 'token68 credentials')
  t.same(parseWwwAuthenticate('Bearer realm=abc'), [{ scheme: 'bearer', params: { realm: 'abc' } }], 'a param is not mistaken for a token68')

  const [junky, ...more] = parseWwwAuthenticate('max_age=1, "junk", @, Bearer error=x trailing junk, max_age=5, max_age=6, empty=, constructor=c, __proto__=p')
  t.same(more, [], 'one challenge')
  t.equal(junky?.scheme, 'bearer')
  t.same(Object.entries(junky?.params ?? {}), [['error', 'x'], ['max_age', '5'], ['empty', ''], ['constructor', 'c'], ['__proto__', 'p']],
    'params before any scheme and junk are skipped; the first of a repeated param wins; any name is a plain key')
  t.equal(Object.getPrototypeOf(junky?.params), null, 'params have no prototype')

  t.same(parseWwwAuthenticate(''), [])
  t.same(parseWwwAuthenticate(' , ,'), [])
})

t.test('readStepUpChallenge: the RFC 9470 header, completed by the JSON hint', async (t) => {
  t.same(await readStepUpChallenge(responseOf('challenge')), {
    methods: ['email', 'password'],
    maxAge: 300,
    description: 'This action needs a step-up: verify yourself again and retry with the step-up token',
    code: 'FST_STEP_UP_TOKEN_MISSING'
  }, 'a missing token')

  t.same(await readStepUpChallenge(responseOf('challengeLevel')), {
    methods: ['email'],
    maxAge: 120,
    acrValues: ['urn:example:aal2'],
    description: 'This action needs a step-up: verify yourself again and retry with the step-up token',
    code: 'FST_STEP_UP_TOKEN_MISSING',
    level: 'aal2',
    action: 'payroll.approve'
  }, 'a level (acr_values) and an action')

  t.match(await readStepUpChallenge(responseOf('challengeBadToken')), { code: 'FST_STEP_UP_TOKEN_INVALID', maxAge: 300 }, 'a token that does not do')

  const header = (value: string) => responseOf('challengeLevel', { 'www-authenticate': value })
  t.equal((await readStepUpChallenge(header('Bearer error="insufficient_user_authentication", max_age=45')))?.maxAge, 45, 'max_age unquoted')
  t.equal((await readStepUpChallenge(header('Bearer error="insufficient_user_authentication", max_age="45"')))?.maxAge, 45, 'max_age quoted')
  t.equal((await readStepUpChallenge(header('Bearer error="insufficient_user_authentication", max_age="5m"')))?.maxAge, 120, 'a malformed max_age: the body\'s maxAge')
  t.equal((await readStepUpChallenge(header('Bearer error=insufficient_user_authentication')))?.maxAge, 120, 'no max_age: the body\'s maxAge')
  t.same((await readStepUpChallenge(header('Bearer error=insufficient_user_authentication, acr_values="gold  silver"')))?.acrValues, ['gold', 'silver'],
    'acr_values from the header, space separated')
  t.same((await readStepUpChallenge(header('Bearer error=insufficient_user_authentication')))?.acrValues, ['urn:example:aal2'], 'else from the body')
  t.equal((await readStepUpChallenge(header('Bearer error=insufficient_user_authentication')))?.description,
    (reply('challengeLevel').response.body as { message: string }).message, 'no error_description: the body\'s message')
  t.match(await readStepUpChallenge(header('Basic realm="legacy", Bearer realm="api", error="insufficient_user_authentication", max_age=10')),
    { maxAge: 10, methods: ['email'] }, 'the Bearer challenge among others')

  // Another RFC 9470 server: the header and nothing else.
  const bare = new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="insufficient_user_authentication", acr_values="urn:x", max_age=0' } })
  t.same(await readStepUpChallenge(bare), { methods: [], maxAge: 0, acrValues: ['urn:x'] }, 'only a header')

  const withBody = (body: string, type = 'application/json') => new Response(body, {
    status: 401,
    headers: { 'content-type': type, 'www-authenticate': 'Bearer error="insufficient_user_authentication"' }
  })
  t.same(await readStepUpChallenge(withBody('{"stepUp":')), { methods: [] }, 'a body that is not JSON')
  t.same(await readStepUpChallenge(withBody('[1]')), { methods: [] }, 'a JSON array')
  t.same(await readStepUpChallenge(withBody('null')), { methods: [] }, 'JSON null')
  t.same(await readStepUpChallenge(withBody('{"stepUp":{"methods":["email"]}}', 'text/plain')), { methods: [] }, 'a body that is not said to be JSON')
  t.same(await readStepUpChallenge(withBody('{"stepUp":null,"code":"E_OTHER","message":7}')), { methods: [] }, 'no hint; a code that is not the plugin\'s')
  t.same(await readStepUpChallenge(withBody('{"stepUp":{"methods":["pin",3],"maxAge":-1,"level":2,"action":null,"acrValues":"x"}}', 'application/problem+json; charset=utf-8')),
    { methods: ['pin'] }, 'values of the wrong type are left out')
  t.same(await readStepUpChallenge(withBody('{"stepUp":{"maxAge":1.5}}')), { methods: [] }, 'a maxAge that is not whole seconds')

  const notOnes = {
    'a login that is missing (a bare Bearer challenge)': responseOf('unauthenticated'),
    'a 401 without WWW-Authenticate nor the plugin\'s hint': responseOf('unauthenticated', { 'www-authenticate': null }),
    'a 401 without WWW-Authenticate, a hint but another code': new Response('{"code":"E_OTHER","stepUp":{"methods":["email"]}}', { status: 401, headers: { 'content-type': 'application/json' } }),
    'a 401 without WWW-Authenticate, the plugin\'s code but no hint': new Response('{"code":"FST_STEP_UP_TOKEN_MISSING"}', { status: 401, headers: { 'content-type': 'application/json' } }),
    'another scheme': responseOf('challenge', { 'www-authenticate': 'Basic realm="insufficient_user_authentication"' }),
    'another Bearer error': responseOf('challenge', { 'www-authenticate': 'Bearer error="invalid_token"' }),
    'a 403 with the header': new Response(null, { status: 403, headers: reply('challenge').response.headers }),
    'a 200': responseOf('document')
  }
  for (const [name, response] of Object.entries(notOnes)) {
    t.equal(await readStepUpChallenge(response), undefined, `not a challenge: ${name}`)
  }

  // Cross-origin, an API that does not list WWW-Authenticate in CORS' exposed headers hides it from
  // the page; the body is still readable, and this plugin's refusal says everything there.
  t.same(await readStepUpChallenge(responseOf('challengeLevel', { 'www-authenticate': null })), {
    methods: ['email'],
    maxAge: 120,
    acrValues: ['urn:example:aal2'],
    description: (reply('challengeLevel').response.body as { message: string }).message,
    code: 'FST_STEP_UP_TOKEN_MISSING',
    level: 'aal2',
    action: 'payroll.approve'
  }, 'a header CORS hid: the challenge from the body')

  const response = responseOf('challenge')
  await readStepUpChallenge(response)
  t.equal((await response.json() as { code: string }).code, 'FST_STEP_UP_TOKEN_MISSING', 'the body can still be read')
})

t.test('createStepUpFetch: prompt on a step-up challenge, then retry once with the token', async (t) => {
  t.test('the flow: 401, prompt, retry with the token, 200', async (t) => {
    const fetch = replay(responseOf('challenge'), responseOf('document'))
    const prompted: Array<{ challenge: StepUpChallenge, url: string, status: number }> = []
    const stepUpFetch = createStepUpFetch({
      fetch,
      prompt: async (challenge, { request, response }) => {
        prompted.push({ challenge, url: request.url, status: response.status })
        return 'the-token'
      }
    })
    const response = await stepUpFetch(`${BASE}/documents/1`, { headers: reply('challenge').request.headers })
    t.equal(response.status, 200)
    t.same(await response.json(), reply('document').response.body)
    t.same(prompted, [{
      challenge: { methods: ['email', 'password'], maxAge: 300, description: (reply('challenge').response.body as { message: string }).message, code: 'FST_STEP_UP_TOKEN_MISSING' },
      url: `${BASE}/documents/1`,
      status: 401
    }], 'the prompt gets the challenge and the refused request')
    t.equal(fetch.seen.length, 2)
    t.equal(fetch.seen[0]!.headers.get('x-step-up-token'), null, 'the first try has no token')
    t.equal(fetch.seen[1]!.headers.get('x-step-up-token'), 'the-token', 'the retry has it')
    t.equal(fetch.seen[1]!.headers.get('x-user'), 'alice', 'and the original headers')
  })

  t.test('the retry sends the body again, and the token in the header the app names', async (t) => {
    const fetch = replay(responseOf('challengeLevel'), new Response('{"approved":true}', { status: 200 }))
    let seenChallenge: StepUpChallenge | undefined
    const stepUpFetch = createStepUpFetch({ fetch, header: 'X-Second-Factor', prompt: (challenge) => { seenChallenge = challenge; return 'tok' } })
    const body = JSON.stringify({ period: '2026-Q1' })
    const response = await stepUpFetch(new Request(`${BASE}/payroll/approve`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }))
    t.equal(response.status, 200)
    t.match(seenChallenge, { level: 'aal2', action: 'payroll.approve', acrValues: ['urn:example:aal2'], maxAge: 120 })
    t.same(fetch.seen.map(({ method, body }) => [method, body]), [['POST', body], ['POST', body]], 'both tries carry the body')
    t.equal(fetch.seen[1]!.headers.get('x-second-factor'), 'tok')
    t.equal(fetch.seen[1]!.headers.get('content-type'), 'application/json')
  })

  t.test('a 401 that is not a step-up challenge is passed through untouched', async (t) => {
    const refused = responseOf('unauthenticated')
    const fetch = replay(refused)
    const stepUpFetch = createStepUpFetch({ fetch, prompt: () => t.fail('no prompt') as never })
    const response = await stepUpFetch(`${BASE}/documents/1`)
    t.equal(response, refused, 'the very same response')
    t.equal((await response.json() as { code: string }).code, 'FST_STEP_UP_UNAUTHENTICATED', 'its body unread')
    t.equal(fetch.seen.length, 1)
  })

  t.test('any other reply is passed through', async (t) => {
    const ok = responseOf('document')
    const stepUpFetch = createStepUpFetch({ fetch: replay(ok), prompt: () => t.fail('no prompt') as never })
    t.equal(await stepUpFetch(`${BASE}/documents/1`), ok)
  })

  for (const given of [null, undefined, '']) {
    t.test(`a prompt that gives up (${JSON.stringify(given)}): the 401 as it came, no retry`, async (t) => {
      const refused = responseOf('challenge')
      const fetch = replay(refused)
      const response = await createStepUpFetch({ fetch, prompt: async () => given })(`${BASE}/documents/1`)
      t.equal(response, refused)
      t.equal((await response.json() as { stepUp: { maxAge: number } }).stepUp.maxAge, 300, 'its body can be read')
      t.equal(fetch.seen.length, 1)
    })
  }

  t.test('a prompt that throws: the caller gets its error, and nothing is retried', async (t) => {
    const fetch = replay(responseOf('challenge'))
    const stepUpFetch = createStepUpFetch({ fetch, prompt: () => { throw new Error('cancelled by the user') } })
    await t.rejects(stepUpFetch(`${BASE}/documents/1`), { message: 'cancelled by the user' })
    t.equal(fetch.seen.length, 1)
  })

  t.test('retry once only: a second 401 is returned as it is', async (t) => {
    const again = responseOf('challengeBadToken')
    const fetch = replay(responseOf('challenge'), again)
    let prompts = 0
    const response = await createStepUpFetch({ fetch, prompt: () => { prompts++; return 'not-a-token' } })(`${BASE}/documents/1`)
    t.equal(prompts, 1, 'one prompt')
    t.equal(response, again, 'the second 401 itself')
    t.equal((await response.json() as { code: string }).code, 'FST_STEP_UP_TOKEN_INVALID')
    t.equal(fetch.seen.length, 2)
  })

  t.test('a prompt may read the 401 itself', async (t) => {
    const fetch = replay(responseOf('challenge'), responseOf('document'))
    const response = await createStepUpFetch({
      fetch,
      prompt: async (_challenge, { response }) => (await response.json() as { code: string }).code === 'FST_STEP_UP_TOKEN_MISSING' ? 't' : null
    })(`${BASE}/documents/1`)
    t.equal(response.status, 200)
    t.equal(fetch.seen.length, 2)
  })

  t.test('a 401 without a body', async (t) => {
    const fetch = replay(new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=60' } }), responseOf('document'))
    let asked: StepUpChallenge | undefined
    const response = await createStepUpFetch({ fetch, prompt: (challenge) => { asked = challenge; return 't' } })(`${BASE}/documents/1`)
    t.same(asked, { methods: [], maxAge: 60 })
    t.equal(response.status, 200)
  })

  t.test('without a fetch option it uses the global fetch', async (t) => {
    const fetch = replay(responseOf('challenge'), responseOf('document'))
    const original = globalThis.fetch
    globalThis.fetch = fetch as typeof globalThis.fetch
    t.teardown(() => { globalThis.fetch = original })
    const response = await createStepUpFetch({ prompt: () => 't' })(`${BASE}/documents/1`)
    t.equal(response.status, 200)
    t.equal(fetch.seen.length, 2)
  })
})

t.test('createStepUpClient: the step-up routes, with their errors as StepUpClientError', async (t) => {
  const { methods } = reply('methods').response.body as { methods: Array<{ destinations: Array<{ id: string }> }> }
  const json = (seen: Seen) => JSON.parse(seen.body)

  t.test('methods, send, verify: the requests the plugin expects, the replies it gives', async (t) => {
    const fetch = replay(responseOf('methods'), responseOf('send'), responseOf('verify'))
    const client = createStepUpClient({ baseUrl: `${BASE}/step-up/`, fetch, headers: { 'x-user': 'alice' } })

    t.same(await client.methods(), (reply('methods').response.body as { methods: unknown }).methods)
    const sent = await client.send('email', { destinationId: methods[0]!.destinations[0]!.id })
    t.same(sent, reply('send').response.body)
    const issued = await client.verify('email', sent.challengeId, '513301')
    t.same(issued, reply('verify').response.body)

    t.same(fetch.seen.map(({ method, url }) => `${method} ${url}`), [
      `GET ${BASE}/step-up/methods`,
      `POST ${BASE}/step-up/email/send`,
      `POST ${BASE}/step-up/email/verify`
    ], 'under baseUrl, without a doubled slash')
    t.same(json(fetch.seen[1]!), reply('send').request.body)
    t.same(json(fetch.seen[2]!), { challengeId: sent.challengeId, code: '513301' })
    for (const seen of fetch.seen) t.equal(seen.headers.get('x-user'), 'alice', 'the app\'s headers on every call')
    t.equal(fetch.seen[0]!.headers.get('content-type'), null, 'no content type without a body')
    t.equal(fetch.seen[1]!.headers.get('content-type'), 'application/json')
    t.equal(fetch.seen[1]!.headers.get('accept'), 'application/json')
  })

  t.test('a destination by value: email and phone fields; an action', async (t) => {
    const fetch = replay(responseOf('sendNotAllowed'), () => responseOf('send'))
    const client = createStepUpClient({ baseUrl: `${BASE}/step-up`, fetch, headers: async () => [['x-user', 'alice']] })
    const err = await client.send('email', 'mallory@example.com').catch((err: unknown) => err)
    t.ok(err instanceof StepUpClientError)
    t.match(err, {
      name: 'StepUpClientError',
      code: 'FST_STEP_UP_DESTINATION_NOT_ALLOWED',
      statusCode: 400,
      retryAfter: undefined,
      message: 'This destination cannot receive step-up codes for this account',
      body: reply('sendNotAllowed').response.body
    })
    t.same(json(fetch.seen[0]!), { email: 'mallory@example.com' })
    await client.send('sms', '+1 555 010 0123', { name: 'payroll.approve', data: { period: '2026-Q1' } })
    t.same(json(fetch.seen[1]!), { phone: '+1 555 010 0123', action: { name: 'payroll.approve', data: { period: '2026-Q1' } } })
    t.equal(fetch.seen[1]!.url, `${BASE}/step-up/sms/send`)
  })

  t.test('refusals carry the code, the status and Retry-After', async (t) => {
    const fetch = replay(responseOf('sendTooSoon'), responseOf('verifyWrong'), responseOf('verifyNotFound'), responseOf('passwordWrong'), responseOf('locked'))
    const client = createStepUpClient({ baseUrl: `${BASE}/step-up`, fetch, headers: () => ({ 'x-user': 'bob' }) })
    const caught = (promise: Promise<unknown>) => promise.then(() => t.fail('should refuse'), (err: unknown) => err as StepUpClientError)
    t.match(await caught(client.send('email', 'alice@example.com')), { code: 'FST_STEP_UP_RESEND_TOO_SOON', statusCode: 429, retryAfter: 30 })
    t.match(await caught(client.verify('email', 'x', '000000')), { code: 'FST_STEP_UP_CODE_INVALID', statusCode: 400, message: 'The code is not correct' })
    t.match(await caught(client.verify('email', 'x', '000000')), { code: 'FST_STEP_UP_CHALLENGE_NOT_FOUND', statusCode: 404 })
    t.match(await caught(client.verifyCredential('password', { password: 'guess' })), { code: 'FST_STEP_UP_CREDENTIAL_INVALID', statusCode: 400 })
    t.match(await caught(client.verifyCredential('password', { password: 'another guess' })), { code: 'FST_STEP_UP_LOCKED', statusCode: 429, retryAfter: 900 })
    t.same(json(fetch.seen[4]!), reply('locked').request.body)
  })

  t.test('verifyCredential sends the body it is given, an action included', async (t) => {
    const fetch = replay(responseOf('password'))
    const client = createStepUpClient({ baseUrl: `${BASE}/step-up`, fetch })
    t.same(await client.verifyCredential('password', { password: 'wonderland', action: { name: 'payroll.approve' } }), reply('password').response.body)
    t.same(json(fetch.seen[0]!), reply('password').request.body)
    t.equal(fetch.seen[0]!.url, `${BASE}/step-up/password/verify`)
  })

  t.test('replies that are not the plugin\'s', async (t) => {
    const fetch = replay(
      new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html', 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } }),
      new Response('{"code":"E_APP","message":"secret internals"}', { status: 500, headers: { 'content-type': 'application/json' } }),
      new Response('{"code":"FST_STEP_UP_STORE_UNAVAILABLE"}', { status: 503 }),
      new Response('not json', { status: 200 })
    )
    const client = createStepUpClient({ baseUrl: `${BASE}/step-up`, fetch })
    const caught = (promise: Promise<unknown>) => promise.then(() => t.fail('should refuse'), (err: unknown) => err as StepUpClientError)
    t.match(await caught(client.methods()), { code: undefined, statusCode: 502, retryAfter: 0, body: undefined, message: 'Unexpected reply from the step-up route: HTTP 502' })
    t.match(await caught(client.methods()), { code: undefined, statusCode: 500, message: 'Unexpected reply from the step-up route: HTTP 500' }, 'an app error\'s message is not shown as ours')
    t.match(await caught(client.methods()), { code: 'FST_STEP_UP_STORE_UNAVAILABLE', statusCode: 503, message: 'Unexpected reply from the step-up route: HTTP 503' }, 'a code without a message')
    const notJson = await caught(client.methods())
    t.ok(notJson instanceof StepUpClientError)
    t.match(notJson, { code: undefined, statusCode: 200, message: 'Unexpected reply from the step-up route: HTTP 200 without JSON' })
  })

  t.test('defaults: /step-up on the page\'s origin, the global fetch', async (t) => {
    const urls: string[] = []
    const original = globalThis.fetch
    globalThis.fetch = (async (input: string | URL | Request) => {
      urls.push(String(input))
      return responseOf('methods')
    }) as typeof globalThis.fetch
    t.teardown(() => { globalThis.fetch = original })
    await createStepUpClient().methods()
    t.same(urls, ['/step-up/methods'])
  })
})

t.test('retryAfterSeconds: delta-seconds or an HTTP date', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(retryAfterSeconds('120', now), 120)
  t.equal(retryAfterSeconds(' 7 ', now), 7)
  t.equal(retryAfterSeconds('Thu, 01 Jan 2026 00:01:30 GMT', now), 90)
  t.equal(retryAfterSeconds('Thu, 01 Jan 2026 00:00:00 GMT', now + 500), 0, 'a date in the past is now')
  t.equal(retryAfterSeconds('soon', now), undefined)
  t.equal(retryAfterSeconds('-5', now), undefined)
  t.equal(retryAfterSeconds(null), undefined)
  t.type(retryAfterSeconds('Thu, 01 Jan 2099 00:00:00 GMT'), 'number', 'measured from the real clock by default')
})
