// Every step-up method besides email, on both adapters: SMS, authenticator app, backup codes,
// password, PIN and security questions; the methods list; lockout across methods.
import { generate } from 'otplib'
import t from 'tap'
import { ALICE, as, buildApp, frameworks, stepUpToken, type TestApp } from './helpers/app.js'

/** The authenticator app's code for Alice at the test clock's time, `steps` periods away. */
function totpCode (testApp: TestApp, steps = 0): Promise<string> {
  return generate({ secret: ALICE.totpSecret, epoch: Math.floor(testApp.clock.now() / 1000) + steps * 30 })
}

function post (testApp: TestApp, url: string, payload: unknown, user = 'alice', session = 's1') {
  return testApp.app.inject({ method: 'POST', url: `/step-up${url}`, headers: as(user, session), payload })
}

function amrOf (token: string): string[] {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).amr
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('the methods list reports, per user, what each can use now', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const list = async (user: string) => (await testApp.app.inject({ url: '/step-up/methods', headers: as(user) })).json().methods
      const alice = await list('alice')
      t.same(alice.map((m: { method: string }) => m.method), ['email', 'sms', 'totp', 'backup-code', 'password', 'pin', 'security-questions'])
      t.same(alice[1].destinations.map((d: { masked: string }) => d.masked), ['+*********23'], 'the phone is masked')
      t.same(alice[6].questions, [{ id: 'pet', question: "Your first pet's name?" }, { id: 'city', question: 'Where were you born?' }],
        'questions, never their answers')
      t.notMatch(JSON.stringify(alice), /answerHash|scrypt/)
      t.same((await list('bob')).map((m: { method: string }) => m.method), ['email', 'password'], 'bob has no phone, app, codes, PIN or questions')
      t.same((await list('carol')).map((m: { method: string }) => m.method), ['password'])
      t.same(await list('erin'), [], 'erin signs in only through a provider: no password either')
    })

    t.test('SMS: a code to the verified phone, checked like an email code', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const sent = await post(testApp, '/sms/send', { phone: '+15550100123' })
      t.equal(sent.statusCode, 202)
      t.match(sent.json(), { destination: '+*********23', expiresIn: 300, resendIn: 30 })
      t.equal(testApp.sms.length, 1)
      const message = testApp.sms[0]!
      t.equal(message.to, '+1 (555) 010-0123', 'the gateway gets the number as the profile has it')
      t.match(message.text, new RegExp(`^Your verification code is ${message.code}\\. It expires in 5 min\\.`))
      t.notMatch(sent.body, message.code, 'the code is never in the reply')

      const wrong = await post(testApp, '/sms/verify', { challengeId: sent.json().challengeId, code: message.code === '000000' ? '000001' : '000000' })
      t.equal(wrong.json().code, 'FST_STEP_UP_CODE_INVALID')
      const verified = await post(testApp, '/sms/verify', { challengeId: sent.json().challengeId, code: message.code })
      t.equal(verified.statusCode, 200)
      t.same(amrOf(verified.json().token), ['sms', 'otp'])
      t.equal((await post(testApp, '/sms/verify', { challengeId: sent.json().challengeId, code: message.code })).json().code, 'FST_STEP_UP_CODE_USED')
      const elsewhere = await post(testApp, '/email/verify', { challengeId: sent.json().challengeId, code: message.code })
      t.equal(elsewhere.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND', 'an SMS challenge does not verify through email')
    })

    t.test('SMS: by destination id; a number not on the profile gets nothing; no phone, no SMS', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const methods = (await testApp.app.inject({ url: '/step-up/methods', headers: as('alice') })).json().methods
      const byId = await post(testApp, '/sms/send', { destinationId: methods[1].destinations[0].id })
      t.equal(byId.statusCode, 202)
      const stranger = await post(testApp, '/sms/send', { phone: '+1 555 999 0000' })
      t.equal(stranger.statusCode, 400)
      t.equal(stranger.json().code, 'FST_STEP_UP_DESTINATION_NOT_ALLOWED')
      const bob = await post(testApp, '/sms/send', { phone: '+15550100123' }, 'bob')
      t.equal(bob.statusCode, 403)
      t.equal(bob.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
      const letters = await post(testApp, '/sms/send', { phone: 'call me' })
      t.equal(letters.json().code, 'FST_STEP_UP_INVALID_REQUEST')
      t.equal(testApp.sms.length, 1, 'only the first was sent')
    })

    t.test('SMS in MFA mode: only users who enrolled the SMS authenticator; in profile mode any verified phone', async (t) => {
      const mfa = await buildApp(t, { framework, allMethods: true, plugin: { sms: { mode: 'mfa', send: async () => {} } } })
      t.equal((await post(mfa, '/sms/send', { phone: '020 7946 0958' }, 'frank')).json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
      t.equal((await post(mfa, '/sms/send', { phone: '+15550100123' })).statusCode, 202, 'alice enrolled it')
      const profile = await buildApp(t, { framework, allMethods: true })
      t.equal((await post(profile, '/sms/send', { phone: '02079460958' }, 'frank')).statusCode, 202)
      t.equal(profile.sms[0]!.to, '020 7946 0958')
    })

    t.test('SMS: a gateway that throws gives 502 and leaves nothing usable, not even a cooldown', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      testApp.gateway.down = true
      const failed = await post(testApp, '/sms/send', { phone: '+15550100123' })
      t.equal(failed.statusCode, 502)
      t.equal(failed.json().code, 'FST_STEP_UP_SEND_FAILED')
      t.notOk(failed.json().challengeId)
      testApp.gateway.down = false
      const again = await post(testApp, '/sms/send', { phone: '+15550100123' })
      t.equal(again.statusCode, 202, 'sent at once when the gateway is back')
    })

    t.test('authenticator app: the current code, one step of drift, each step once and no earlier one after it', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const previous = await totpCode(testApp, -1)
      const ok = await post(testApp, '/totp/verify', { code: await totpCode(testApp) })
      t.equal(ok.statusCode, 200)
      t.same(amrOf(ok.json().token), ['otp'])

      const replay = await post(testApp, '/totp/verify', { code: await totpCode(testApp) })
      t.equal(replay.statusCode, 400)
      t.equal(replay.json().code, 'FST_STEP_UP_CODE_USED')
      const earlier = await post(testApp, '/totp/verify', { code: previous })
      t.equal(earlier.json().code, 'FST_STEP_UP_CODE_USED', 'a code of an earlier step, though within drift, is refused after a later one')

      testApp.clock.advance(30_000)
      t.equal((await post(testApp, '/totp/verify', { code: await totpCode(testApp, 1) })).statusCode, 200, 'the next step (clock drift) is accepted')
      testApp.clock.advance(30_000)
      t.equal((await post(testApp, '/totp/verify', { code: await totpCode(testApp, 2) })).json().code, 'FST_STEP_UP_CODE_INVALID', 'two steps ahead is refused')
      testApp.clock.advance(60_000)
      t.equal((await post(testApp, '/totp/verify', { code: await totpCode(testApp, -1) })).statusCode, 200, 'the previous step is accepted')
      testApp.clock.advance(30_000)
      t.equal((await post(testApp, '/totp/verify', { code: await totpCode(testApp, -2) })).json().code, 'FST_STEP_UP_CODE_INVALID', 'two steps back is refused')
    })

    t.test('authenticator app: wrong codes count toward the lockout; no app, no TOTP', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, plugin: { lockout: { maxFailures: 2 } } })
      const bob = await post(testApp, '/totp/verify', { code: '123456' }, 'bob')
      t.equal(bob.statusCode, 403)
      t.equal(bob.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
      const code = await totpCode(testApp)
      const wrong = code === '000000' ? '000001' : '000000'
      t.equal((await post(testApp, '/totp/verify', { code: wrong })).json().code, 'FST_STEP_UP_CODE_INVALID')
      t.equal((await post(testApp, '/totp/verify', { code: wrong })).json().code, 'FST_STEP_UP_LOCKED')
      t.equal((await post(testApp, '/totp/verify', { code })).json().code, 'FST_STEP_UP_LOCKED', 'not even the right code while locked')
      t.equal((await post(testApp, '/totp/verify', { code: '12345' })).json().code, 'FST_STEP_UP_INVALID_REQUEST', 'five digits is malformed')
    })

    t.test('authenticator app: a user marked enrolled whose secret the app cannot find gets "invalid", never a token', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const reply = await post(testApp, '/totp/verify', { code: await totpCode(testApp) }, 'grace')
      t.equal(reply.statusCode, 400)
      t.equal(reply.json().code, 'FST_STEP_UP_CODE_INVALID')
    })

    t.test('backup codes: each works once, however it is typed', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const [first, second] = testApp.backupCodes as [string, string]
      const ok = await post(testApp, '/backup-code/verify', { code: first })
      t.equal(ok.statusCode, 200)
      t.same(amrOf(ok.json().token), ['otp', 'backup'])
      const again = await post(testApp, '/backup-code/verify', { code: first })
      t.equal(again.statusCode, 400)
      t.equal(again.json().code, 'FST_STEP_UP_CODE_INVALID', 'a used code is gone')
      const sloppy = ` ${second.toLowerCase().replace('-', ' ')} `
      t.equal((await post(testApp, '/backup-code/verify', { code: sloppy })).statusCode, 200, 'lower case, spaces, no dash')
      t.equal((await post(testApp, '/backup-code/verify', { code: 'ZZZZZ-ZZZZZ' })).json().code, 'FST_STEP_UP_CODE_INVALID')
      t.equal((await post(testApp, '/backup-code/verify', { code: first }, 'bob')).json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
    })

    t.test('password re-entry', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const ok = await post(testApp, '/password/verify', { password: ALICE.password })
      t.equal(ok.statusCode, 200)
      t.same(amrOf(ok.json().token), ['pwd'])
      const wrong = await post(testApp, '/password/verify', { password: 'wonderlan' })
      t.equal(wrong.statusCode, 400)
      t.same(wrong.json(), { statusCode: 400, code: 'FST_STEP_UP_CREDENTIAL_INVALID', error: 'Bad Request', message: 'The password did not match' })
      t.equal((await post(testApp, '/password/verify', { password: ALICE.password }, 'erin')).json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
      t.equal((await post(testApp, '/password/verify', { password: 'x'.repeat(1025) })).json().code, 'FST_STEP_UP_INVALID_REQUEST', 'length cap')
    })

    t.test('PIN', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const ok = await post(testApp, '/pin/verify', { pin: ALICE.pin })
      t.equal(ok.statusCode, 200)
      t.same(amrOf(ok.json().token), ['pin'])
      t.equal((await post(testApp, '/pin/verify', { pin: '1357' })).json().code, 'FST_STEP_UP_CREDENTIAL_INVALID')
      t.equal((await post(testApp, '/pin/verify', { pin: 'abcd' })).json().code, 'FST_STEP_UP_INVALID_REQUEST')
      t.equal((await post(testApp, '/pin/verify', { pin: 2468 })).json().code, 'FST_STEP_UP_INVALID_REQUEST', 'a number, not a string')
      t.equal((await post(testApp, '/pin/verify', { pin: ALICE.pin }, 'bob')).json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
    })

    t.test('security questions: every question, answers normalized', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const ok = await post(testApp, '/security-questions/verify', {
        answers: [{ questionId: 'city', answer: '  OXFORD ' }, { questionId: 'pet', answer: 'dinah' }]
      })
      t.equal(ok.statusCode, 200)
      t.same(amrOf(ok.json().token), ['kba'])
      const refusals = {
        'one wrong': [{ questionId: 'pet', answer: 'Dinah' }, { questionId: 'city', answer: 'Cambridge' }],
        'one missing': [{ questionId: 'pet', answer: 'Dinah' }],
        'one twice': [{ questionId: 'pet', answer: 'Dinah' }, { questionId: 'pet', answer: 'Dinah' }],
        'an unknown question': [{ questionId: 'pet', answer: 'Dinah' }, { questionId: 'school', answer: 'Oxford' }]
      }
      for (const [name, answers] of Object.entries(refusals)) {
        const reply = await post(testApp, '/security-questions/verify', { answers })
        t.equal(reply.statusCode, 400, name)
        t.equal(reply.json().code, 'FST_STEP_UP_CREDENTIAL_INVALID', name)
      }
      const none = await post(testApp, '/security-questions/verify', { answers: [] })
      t.equal(none.json().code, 'FST_STEP_UP_INVALID_REQUEST')
      const bob = await post(testApp, '/security-questions/verify', { answers: [{ questionId: 'pet', answer: 'Dinah' }] }, 'bob')
      t.equal(bob.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
    })

    t.test('one lockout for all methods: guessing is capped across them together', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true })
      const guesses = [
        ['/password/verify', { password: 'a' }], ['/pin/verify', { pin: '0000' }], ['/backup-code/verify', { code: 'AAAAA-AAAAA' }],
        ['/security-questions/verify', { answers: [{ questionId: 'pet', answer: 'x' }, { questionId: 'city', answer: 'y' }] }],
        ['/password/verify', { password: 'b' }], ['/pin/verify', { pin: '1111' }], ['/password/verify', { password: 'c' }],
        ['/pin/verify', { pin: '2222' }], ['/password/verify', { password: 'd' }]
      ] as const
      for (const [url, body] of guesses) t.not((await post(testApp, url, body)).json().code, 'FST_STEP_UP_LOCKED', url)
      const tenth = await post(testApp, '/totp/verify', { code: (await totpCode(testApp)) === '000000' ? '000001' : '000000' })
      t.equal(tenth.json().code, 'FST_STEP_UP_LOCKED', 'the tenth failure, whatever its method, locks')
      t.equal((await post(testApp, '/password/verify', { password: ALICE.password })).json().code, 'FST_STEP_UP_LOCKED')
      t.equal((await post(testApp, '/sms/send', { phone: '+15550100123' })).json().code, 'FST_STEP_UP_LOCKED')
      testApp.clock.advance(15 * 60 * 1000)
      t.equal((await post(testApp, '/password/verify', { password: ALICE.password })).statusCode, 200, 'unlocked after the lock duration')
    })

    t.test('a route that names its methods accepts only tokens from them, and says which would do', async (t) => {
      const testApp = await buildApp(t, { framework, allMethods: true, routes: [{ url: '/strong', requirement: { methods: ['totp', 'pin'] } }] })
      const password = (await post(testApp, '/password/verify', { password: ALICE.password })).json().token
      const refused = await testApp.app.inject({ url: '/strong', headers: { ...as('alice'), 'x-step-up-token': password } })
      t.equal(refused.statusCode, 401)
      t.equal(refused.json().code, 'FST_STEP_UP_INSUFFICIENT')
      t.same(refused.json().stepUp, { methods: ['totp', 'pin'], maxAge: 300 })
      const pin = (await post(testApp, '/pin/verify', { pin: ALICE.pin })).json().token
      t.equal((await testApp.app.inject({ url: '/strong', headers: { ...as('alice'), 'x-step-up-token': pin } })).statusCode, 200)
      const email = await stepUpToken(testApp)
      t.equal((await testApp.app.inject({ url: '/strong', headers: { ...as('alice'), 'x-step-up-token': email } })).statusCode, 401)
      const bob = await testApp.app.inject({ url: '/strong', headers: as('bob') })
      t.same(bob.json().stepUp, { methods: [], maxAge: 300 }, 'bob has neither method')
    })
  })
}
