// Refusals in the person's language (issue 21): the `message` of an error reply comes from the
// catalogs for the user's profile language, else the browser's; the `code` never changes; English
// keeps the error's own message (with its details for developers); on Fastify and Express alike.
import t from 'tap'
import { as, buildApp, frameworks, users } from './helpers/app.js'

function getUser (request: { headers: Record<string, string | string[] | undefined> }) {
  const id = request.headers['x-user']
  if (typeof id !== 'string') return null
  const locale = request.headers['x-locale']
  return { ...users[id]!, sessionId: 's1', ...(typeof locale === 'string' ? { locale } : {}) }
}

for (const framework of frameworks) {
  t.test(`${framework}: a route's refusal in the user's language, the code unchanged`, async (t) => {
    const testApp = await buildApp(t, { framework, plugin: { getUser } })
    const wrong = (headers: Record<string, string>) => testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: { ...as('alice'), ...headers }, payload: { challengeId: 'A'.repeat(22), code: '123456' } })
    for (const [headers, message] of [
      [{ 'x-locale': 'fr' }, 'Cette vérification n’existe plus ; recommencez'],
      [{ 'accept-language': 'de-CH, de;q=0.9' }, 'Diese Bestätigung gibt es nicht mehr; beginnen Sie von vorn'],
      [{ 'x-locale': 'es', 'accept-language': 'fr' }, 'Esta verificación ya no existe; empiece de nuevo'],
      [{ 'accept-language': 'en-GB' }, 'No such step-up challenge; start a new one'],
      [{}, 'No such step-up challenge; start a new one']
    ] as const) {
      const reply = await wrong(headers)
      t.equal(reply.statusCode, 404)
      t.match(reply.json(), { code: 'FST_STEP_UP_CHALLENGE_NOT_FOUND', message }, JSON.stringify(headers))
    }
    // Before anyone is known (no login), and for a body that never reached a handler: the browser's language.
    const anonymous = await testApp.app.inject({ method: 'GET', url: '/step-up/methods', headers: { 'accept-language': 'fr' } })
    t.match(anonymous.json(), { statusCode: 401, code: 'FST_STEP_UP_UNAUTHENTICATED', message: 'Connectez-vous avant de confirmer votre identité' })
    const bad = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), 'accept-language': 'es', 'content-type': 'application/json' }, payload: '{"email":' })
    t.match(bad.json(), { statusCode: 400, code: 'FST_STEP_UP_INVALID_REQUEST', message: 'La solicitud no es válida' })
  })

  t.test(`${framework}: an error the app words in English replaces the developer's message; the others keep it`, async (t) => {
    const testApp = await buildApp(t, { framework, plugin: { getUser, locales: { messages: { en: { 'error.FST_STEP_UP_CHALLENGE_NOT_FOUND': 'That code request has ended. Ask for a new code.' } } } } })
    const reworded = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId: 'A'.repeat(22), code: '123456' } })
    t.match(reworded.json(), { code: 'FST_STEP_UP_CHALLENGE_NOT_FOUND', message: 'That code request has ended. Ask for a new code.' })
    const kept = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId: 'A'.repeat(22), code: 'abc' } })
    t.match(kept.json(), { code: 'FST_STEP_UP_INVALID_REQUEST', message: /^Invalid request: body\/code / })
  })

  t.test(`${framework}: the guard's 401 in the user's language; its challenge header stays ASCII`, async (t) => {
    const testApp = await buildApp(t, { framework, plugin: { getUser } })
    const reply = await testApp.app.inject({ method: 'GET', url: '/documents/1', headers: { ...as('alice'), 'x-locale': 'de' } })
    t.equal(reply.statusCode, 401)
    t.match(reply.json(), { code: 'FST_STEP_UP_TOKEN_MISSING', message: 'Für diese Aktion müssen Sie Ihre Identität erneut bestätigen', stepUp: { methods: ['email'] } })
    t.match(reply.headers['www-authenticate'], /^Bearer error="insufficient_user_authentication", error_description="This action needs a step-up: verify yourself again and retry with the step-up token"/)
    const english = await testApp.app.inject({ method: 'GET', url: '/documents/1', headers: as('alice') })
    t.equal(english.json().message, 'This action needs a step-up: verify yourself again and retry with the step-up token')
  })
}
