// fastify-step-up/client in headless Chromium, on a page from one origin, against an API on another
// (two servers, two ports) with @fastify/helmet's defaults and @fastify/cors. With the settings
// docs/composition.md gives, a guarded call gets its 401, the client reads the RFC 9470 challenge
// from WWW-Authenticate, steps up by SMS and retries with the token. Then what each missing setting
// does: without `exposedHeaders` the page cannot read the header, and the client takes the challenge
// from the JSON body instead; without the token header in `allowedHeaders` the retry's preflight fails.
//
// Needs Debian's chromium, driven by playwright-core. Without it the file is skipped, and says why,
// unless STEP_UP_REQUIRE_BROWSER=1: then it fails.
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors'
import fastifyHelmet from '@fastify/helmet'
import type { Browser, Page } from 'playwright-core'
import t, { type Test } from 'tap'
import type * as Client from '../lib/client/index.js'
import { jwtApi } from './helpers/compose.js'
import { chromiumTests, CLIENT_URL, servePage } from './helpers/cross-origin.js'

/** The API on its own port, allowing the pages' origins with these CORS settings, and its address. */
async function startApi (t: Test, pages: string | string[], cors: Omit<FastifyCorsOptions, 'origin'>) {
  const api = await jwtApi(t, { before: [(app) => app.register(fastifyHelmet), (app) => app.register(fastifyCors, { origin: pages, ...cors })] })
  const origin = await api.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...api, origin }
}

/** What the page did: the guarded call's final status and body, the challenges its prompt got, and the tokens it sent. */
interface Outcome {
  status?: number
  body?: unknown
  challenges: unknown[]
  tokens: string[]
  challengeHeader?: string | null
  readable?: unknown
  error?: { name: string, message: string }
}

/**
 * In the page: the client's step-up fetch to GET /documents/1 on the API, whose prompt lists the
 * methods, sends an SMS code, asks the test for it (the person reading their phone) and verifies it.
 */
function guardedCall (page: Page, api: string, authorization: string): Promise<Outcome> {
  return page.evaluate(async ({ api, authorization, clientUrl }) => {
    const { createStepUpClient, createStepUpFetch, readStepUpChallenge } = await import(clientUrl) as typeof Client
    const phone = globalThis as unknown as { readSmsCode (): Promise<string> }
    const login = () => ({ authorization })
    const stepUp = createStepUpClient({ baseUrl: `${api}/step-up`, headers: login })
    const outcome: Outcome = { challenges: [], tokens: [] }
    const stepUpFetch = createStepUpFetch({
      async prompt (challenge) {
        outcome.challenges.push(challenge)
        const sms = (await stepUp.methods()).find(({ method }) => method === 'sms')
        const sent = await stepUp.send('sms', { destinationId: sms!.destinations![0]!.id })
        const { token } = await stepUp.verify('sms', sent.challengeId, await phone.readSmsCode())
        outcome.tokens.push(token)
        return token
      }
    })
    try {
      const response = await stepUpFetch(`${api}/documents/1`, { headers: login() })
      outcome.status = response.status
      outcome.challengeHeader = response.headers.get('www-authenticate')
      outcome.readable = await readStepUpChallenge(response)
      outcome.body = await response.json()
    } catch (err) {
      outcome.error = { name: (err as Error).name, message: (err as Error).message }
    }
    return outcome
  }, { api, authorization, clientUrl: CLIENT_URL })
}

/** In the page: two sends of a code in a row; the second is refused with 429 and Retry-After. What the client error says. */
function resendTooSoon (page: Page, api: string, authorization: string) {
  return page.evaluate(async ({ api, authorization, clientUrl }) => {
    const { createStepUpClient, StepUpClientError } = await import(clientUrl) as typeof Client
    const stepUp = createStepUpClient({ baseUrl: `${api}/step-up`, headers: { authorization } })
    const sms = (await stepUp.methods()).find(({ method }) => method === 'sms')
    await stepUp.send('sms', { destinationId: sms!.destinations![0]!.id })
    try {
      await stepUp.send('sms', { destinationId: sms!.destinations![0]!.id })
      return undefined
    } catch (err) {
      return err instanceof StepUpClientError ? { code: err.code, statusCode: err.statusCode, retryAfter: err.retryAfter } : String(err)
    }
  }, { api, authorization, clientUrl: CLIENT_URL })
}

/** A fresh page on the page origin, whose "phone" shows the last SMS code the API sent. */
async function openPage (t: Test, browser: Browser, origin: string, lastCode: () => string) {
  const context = await browser.newContext()
  context.setDefaultTimeout(15_000) // bounds only how long a broken page takes to fail
  t.teardown(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => { errors.push(err.message) })
  await page.exposeFunction('readSmsCode', lastCode)
  await page.goto(`${origin}/`)
  return { page, errors }
}

chromiumTests(t, (browser) => {
  t.test('cross-origin, with the token header allowed and WWW-Authenticate exposed: challenge, step-up, retry', async (t) => {
    const pageOrigin = await servePage(t)
    const api = await startApi(t, pageOrigin, {
      allowedHeaders: ['authorization', 'content-type', 'x-step-up-token'],
      exposedHeaders: ['www-authenticate', 'retry-after']
    })
    t.not(new URL(api.origin).port, new URL(pageOrigin).port, 'two origins')
    const { page, errors } = await openPage(t, browser(), pageOrigin, () => api.gateway.lastCode())

    const outcome = await guardedCall(page, api.origin, api.login())
    t.equal(outcome.status, 200, 'the retry with the step-up token passed')
    t.match(outcome.body, { id: '1' })
    t.same(outcome.challenges, [{
      methods: ['sms'],
      maxAge: 300,
      description: 'This action needs a step-up: verify yourself again and retry with the step-up token',
      code: 'FST_STEP_UP_TOKEN_MISSING'
    }], 'the prompt got the challenge, read from the exposed WWW-Authenticate header and the body')
    t.equal(outcome.tokens.length, 1)
    t.equal(api.gateway.messages.length, 1, 'one SMS code')

    const { page: second } = await openPage(t, browser(), pageOrigin, () => api.gateway.lastCode())
    const tooSoon = await resendTooSoon(second, api.origin, api.login('s2', 'bob'))
    t.match(tooSoon, { code: 'FST_STEP_UP_RESEND_TOO_SOON', statusCode: 429 })
    const retryAfter = typeof tooSoon === 'object' ? tooSoon.retryAfter : undefined
    t.ok(retryAfter !== undefined && retryAfter > 0 && retryAfter <= 30, 'an exposed Retry-After reaches StepUpClientError.retryAfter')
    t.same(errors, [], 'no script errors on the page')
  })

  t.test('without WWW-Authenticate in exposedHeaders the page cannot read the header: the client takes the challenge from the body', async (t) => {
    const pageOrigin = await servePage(t)
    const api = await startApi(t, pageOrigin, { allowedHeaders: ['authorization', 'content-type', 'x-step-up-token'] })
    const { page } = await openPage(t, browser(), pageOrigin, () => api.gateway.lastCode())

    const outcome = await guardedCall(page, api.origin, api.login())
    t.equal(outcome.status, 200, 'the retry with the step-up token passed')
    t.same(outcome.challenges, [{
      methods: ['sms'],
      maxAge: 300,
      description: 'This action needs a step-up: verify yourself again and retry with the step-up token',
      code: 'FST_STEP_UP_TOKEN_MISSING'
    }], 'the prompt got the challenge the JSON body carries, the same as with the header exposed')
    const hidden = await page.evaluate(async ({ api, authorization }) => {
      const response = await fetch(`${api}/documents/1`, { headers: { authorization } })
      return { status: response.status, header: response.headers.get('www-authenticate') }
    }, { api: api.origin, authorization: api.login() })
    t.same(hidden, { status: 401, header: null }, 'the page cannot read WWW-Authenticate itself')

    const { page: second } = await openPage(t, browser(), pageOrigin, () => api.gateway.lastCode())
    t.same(await resendTooSoon(second, api.origin, api.login('s2', 'bob')), { code: 'FST_STEP_UP_RESEND_TOO_SOON', statusCode: 429 },
      'without Retry-After exposed, the 429 still has its code, and retryAfter is undefined')
  })

  t.test('without the token header in allowedHeaders the retry is blocked by its preflight: the call rejects', async (t) => {
    const pageOrigin = await servePage(t)
    const api = await startApi(t, pageOrigin, { allowedHeaders: ['authorization', 'content-type'], exposedHeaders: ['www-authenticate'] })
    const { page } = await openPage(t, browser(), pageOrigin, () => api.gateway.lastCode())

    const outcome = await guardedCall(page, api.origin, api.login())
    t.equal(outcome.tokens.length, 1, 'the step-up itself worked')
    t.same(outcome.error, { name: 'TypeError', message: 'Failed to fetch' }, 'the retry carrying x-step-up-token never left the browser')
  })

  t.test("a page under @fastify/helmet's default CSP may fetch its own origin only: connect-src must name the API", async (t) => {
    let apiOrigin = ''
    const strict = await servePage(t, (app) => app.register(fastifyHelmet))
    const open = await servePage(t, (app) => app.register(fastifyHelmet, {
      contentSecurityPolicy: { directives: { connectSrc: ["'self'", () => apiOrigin] } }
    }))
    const api = await startApi(t, [strict, open], {
      allowedHeaders: ['authorization', 'content-type', 'x-step-up-token'],
      exposedHeaders: ['www-authenticate', 'retry-after']
    })
    apiOrigin = api.origin

    const blocked = await guardedCall((await openPage(t, browser(), strict, () => api.gateway.lastCode())).page, api.origin, api.login())
    t.same(blocked.error, { name: 'TypeError', message: 'Failed to fetch' }, "default-src 'self' covers fetch: the call to the API is refused by the page's CSP")
    t.same(blocked.challenges, [])
    const allowed = await guardedCall((await openPage(t, browser(), open, () => api.gateway.lastCode())).page, api.origin, api.login('s2'))
    t.equal(allowed.status, 200, 'with the API in connect-src, the step-up and the retry go through')
  })
})
