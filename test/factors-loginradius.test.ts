// LoginRadius parity with factor management on (issue 19, point 7): the trigger hands a user without
// an authenticator app one to set up (QRCode, ManualEntryCode), as the reference does. It is the
// session's pending app, so setting it up is still a factor change with its step-up.
import t from 'tap'
import { LR_API_KEY, accessToken, frameworks, type TestApp } from './helpers/app.js'
import { buildFactorApp, headers, passwordToken, totpCode } from './helpers/factors.js'
import { switchableStore } from './helpers/stores.js'

const TRIGGER = `/identity/v2/auth/account/reauth/2fa?apikey=${LR_API_KEY}`

function trigger (testApp: TestApp, user = 'bob', session = 's1') {
  return testApp.app.inject({ url: TRIGGER, headers: { authorization: `Bearer ${accessToken(user, session)}` } })
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('a user without an authenticator app gets one to set up', async (t) => {
      const testApp = await buildFactorApp(t, { framework, compat: true })
      const { app, clock } = testApp
      const first = (await trigger(testApp)).json()
      t.match(first, { IsAuthenticatorVerified: false, IsGoogleAuthenticatorVerified: false, QRCode: /^data:image\/png;base64,/, ManualEntryCode: /^[A-Z2-7]{32}$/ })
      t.same((await trigger(testApp)).json(), first, 'the same one while it is pending')
      t.not((await trigger(testApp, 'bob', 's2')).json().ManualEntryCode, first.ManualEntryCode, 'another session, another one')

      // Not a factor yet: the reference's authenticator call refuses its code.
      const code = await totpCode(clock, first.ManualEntryCode)
      const early = await app.inject({
        method: 'PUT',
        url: `/identity/v2/auth/account/reauth/2fa/authenticatorcode?apikey=${LR_API_KEY}`,
        headers: { authorization: `Bearer ${accessToken('bob')}` },
        payload: { authenticatorcode: code }
      })
      t.equal(early.json().ErrorCode, 9403)

      // Set up with a change token, as any factor.
      const confirmed = await app.inject({ method: 'POST', url: '/step-up/factors/totp/confirm', headers: headers('bob', 's1', await passwordToken(testApp, 'bob')), payload: { code } })
      t.equal(confirmed.statusCode, 200, confirmed.body)
      const after = (await trigger(testApp)).json()
      t.match(after, { IsAuthenticatorVerified: true, QRCode: '', ManualEntryCode: '' }, 'set up: nothing more to show')
      clock.advance(30_000)
      const works = await app.inject({
        method: 'PUT',
        url: `/identity/v2/auth/account/reauth/2fa/authenticatorcode?apikey=${LR_API_KEY}`,
        headers: { authorization: `Bearer ${accessToken('bob')}` },
        payload: { authenticatorcode: await totpCode(clock, first.ManualEntryCode) }
      })
      t.equal(works.statusCode, 200, 'and the reference\'s call works with it')
    })

    t.test('too many started lately: the settings without one; a store outage: the reference\'s 503', async (t) => {
      const switchable = switchableStore()
      const testApp = await buildFactorApp(t, { framework, compat: true, plugin: { sendLimit: { max: 1 } }, store: () => switchable.store })
      await testApp.app.inject({ method: 'POST', url: '/step-up/factors/totp', headers: headers('bob', 's2'), payload: {} })
      const limited = await trigger(testApp)
      t.equal(limited.statusCode, 200)
      t.match(limited.json(), { IsAuthenticatorVerified: false, QRCode: '', ManualEntryCode: '' })
      switchable.state.down = true
      const down = await trigger(testApp, 'dave')
      t.equal(down.statusCode, 503)
      t.equal(down.json().ErrorCode, 9503)
    })
  })
}
