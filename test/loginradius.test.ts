// The LoginRadius-compatible routes, driven the way the reference's clients call them: their
// methods, query names (`apiKey`, `apikey`, `emailId`), headers and body casing (`Otp`, `PIN`,
// `BackupCode`), on both adapters. Every reply shape is checked field by field.
import { generate } from 'otplib'
import t, { type Test } from 'tap'
import { ALICE, LR_API_KEY, LR_API_SECRET, accessToken, as, buildApp, frameworks, type BuildOptions, type Reply, type TestApp } from './helpers/app.js'
import { RedisStore } from '../lib/index.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'
import { codeIn } from './helpers/smtp.js'
import { switchableStore } from './helpers/stores.js'

const AUTH = '/identity/v2/auth/account'
const MANAGE = '/identity/v2/manage/account'
const ERROR_FIELDS = ['Description', 'ErrorCode', 'IsProviderError', 'Message', 'ProviderErrorResponse']

interface CallOptions {
  query?: Record<string, string>
  body?: unknown
  user?: string
  session?: string
  headers?: Record<string, string>
  /** Leave out the apiKey query parameter. */
  noKey?: boolean
}

/** A user call as the Java SDK makes it: `apiKey` in the query, the access token as a Bearer header. */
function call (testApp: TestApp, method: 'GET' | 'PUT' | 'POST' | 'HEAD', path: string, options: CallOptions = {}): Promise<Reply> {
  const { query = {}, body, user = 'alice', session = 's1', headers = {}, noKey = false } = options
  const params = new URLSearchParams({ ...(noKey ? {} : { apiKey: LR_API_KEY }), ...query })
  return testApp.app.inject({
    method,
    url: `${AUTH}${path}?${params}`,
    headers: { authorization: `Bearer ${accessToken(user, session)}`, ...headers },
    ...(body === undefined ? {} : { payload: body })
  })
}

/** A server-side validation as the Node SDK makes it: both credentials as headers, the key in the query too. */
function validate (testApp: TestApp, uid: string, family: string, token: string, headers: Record<string, string> = {}): Promise<Reply> {
  return testApp.app.inject({
    method: 'POST',
    url: `${MANAGE}/${uid}/reauth/${family}?apiKey=${LR_API_KEY}`,
    headers: { 'X-LoginRadius-apiKey': LR_API_KEY, 'X-LoginRadius-apiSecret': LR_API_SECRET, ...headers },
    payload: { SecondFactorValidationToken: token }
  })
}

function amrOf (token: string): string[] {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).amr
}

/** A reference error: exactly its five fields, this status and number. */
function isError (t: Test, reply: Reply, status: number, errorCode: number, name = `${status} ${errorCode}`): void {
  t.equal(reply.statusCode, status, `${name}: status`)
  const body = reply.json()
  t.same(Object.keys(body).sort(), ERROR_FIELDS, `${name}: the reference's error fields`)
  t.equal(body.ErrorCode, errorCode, `${name}: ErrorCode`)
  t.equal(body.IsProviderError, false)
  t.equal(body.ProviderErrorResponse, null)
  t.match(body.Message, /\S/)
  t.type(body.Description, 'string')
}

/** A step-up token reply: `{ SecondFactorValidationToken, ExpireIn }`, ExpireIn the ISO time the token ends. */
function isToken (t: Test, reply: Reply, testApp: TestApp, amr: string[], name = amr.join(' ')): string {
  t.equal(reply.statusCode, 200, `${name}: status`)
  const body = reply.json()
  t.same(Object.keys(body).sort(), ['ExpireIn', 'SecondFactorValidationToken'], `${name}: the reference's token fields`)
  t.equal(body.ExpireIn, new Date((Math.floor(testApp.clock.now() / 1000) + 300) * 1000).toISOString(), `${name}: ExpireIn`)
  t.same(amrOf(body.SecondFactorValidationToken), amr, `${name}: amr`)
  return body.SecondFactorValidationToken
}

const wrongCode = (code: string): string => code === '000000' ? '000001' : '000000'

function totpCode (testApp: TestApp): Promise<string> {
  return generate({ secret: ALICE.totpSecret, epoch: Math.floor(testApp.clock.now() / 1000) })
}

const compatApp = (t: Test, framework: BuildOptions['framework'], more: BuildOptions = {}) =>
  buildApp(t, { framework, allMethods: true, compat: true, ...more })

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('trigger: the MFA settings in the reference\'s names, and the SMS code to the phone', async (t) => {
      const testApp = await compatApp(t, framework)
      const settings = await call(testApp, 'GET', '/reauth/2fa', { query: { smsTemplate2FA: 'reauth' } })
      t.equal(settings.statusCode, 200)
      t.same(settings.json(), {
        IsEmailOtpAuthenticatorVerified: true,
        Email: ['a***@example.com', 'A***@Example.org'],
        IsAuthenticatorVerified: true,
        IsGoogleAuthenticatorVerified: true,
        IsOTPAuthenticatorVerified: true,
        OTPPhoneNo: '+*********23',
        IsSecurityQuestionAuthenticatorVerified: true,
        SecurityQuestions: [{ QuestionId: 'pet', Question: "Your first pet's name?" }, { QuestionId: 'city', Question: 'Where were you born?' }],
        ExpireIn: '2026-01-01T00:05:00.000Z',
        QRCode: '',
        ManualEntryCode: ''
      })
      t.notMatch(settings.body, /alice@example\.com|010-0123|answerHash|Dinah/i, 'addresses masked, no answers')
      t.equal(testApp.sms.length, 1, 'the SMS code went out')
      t.equal(testApp.sms[0]!.to, '+1 (555) 010-0123')
      t.match(testApp.sms[0]!.text, /^Your verification code is \d{6}\./, 'the usual text without smsTemplate')
      t.notMatch(settings.body, testApp.sms[0]!.code)

      // The Node SDK way: `apikey`, and the token in the query.
      const again = await testApp.app.inject({ url: `${AUTH}/reauth/2fa?apikey=${LR_API_KEY}&access_token=${accessToken('alice')}` })
      t.equal(again.statusCode, 200, 'asked again at once: the settings again')
      t.equal(testApp.sms.length, 1, 'but no second code inside the resend cooldown; the first stays valid')

      const bob = await call(testApp, 'GET', '/reauth/2fa', { user: 'bob' })
      t.same(bob.json(), {
        IsEmailOtpAuthenticatorVerified: true,
        Email: ['b***@example.com'],
        IsAuthenticatorVerified: false,
        IsGoogleAuthenticatorVerified: false,
        IsOTPAuthenticatorVerified: false,
        OTPPhoneNo: null,
        IsSecurityQuestionAuthenticatorVerified: false,
        SecurityQuestions: [],
        ExpireIn: '2026-01-01T00:05:00.000Z',
        QRCode: '',
        ManualEntryCode: ''
      }, 'bob has only email (and a password, which the reference does not list here)')
      t.equal(testApp.sms.length, 1, 'no phone, no SMS')
    })

    t.test('smsTemplate: the trigger\'s SMS gets the template the client names; other SMS keep theirs', async (t) => {
      const testApp = await compatApp(t, framework, {
        compat: { smsTemplate: ({ code, template, expiresInMinutes, user }) => `[${template}] ${user.id} ${code} ${expiresInMinutes}m` }
      })
      await call(testApp, 'GET', '/reauth/2fa', { query: { smstemplate2fa: 'banking' } })
      t.equal(testApp.sms[0]!.text, `[banking] alice ${testApp.sms[0]!.code} 5m`)
      const ours = await testApp.app.inject({ method: 'POST', url: '/step-up/sms/send', headers: as('frank'), payload: { phone: '020 7946 0958' } })
      t.equal(ours.statusCode, 202)
      t.match(testApp.sms.at(-1)!.text, /^Your verification code is/, 'our own route\'s SMS is untouched')
    })

    t.test('SMS: PUT /reauth/2fa/otp checks the code the trigger sent; the latest code wins', async (t) => {
      const testApp = await compatApp(t, framework)
      const none = await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: '123456' } })
      isError(t, none, 400, 1069, 'no code was sent')

      await call(testApp, 'GET', '/reauth/2fa')
      const first = testApp.sms[0]!.code
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { Otp: wrongCode(first) } }), 400, 1067, 'a wrong code')
      testApp.clock.advance(30_000)
      await call(testApp, 'GET', '/reauth/2fa')
      const second = testApp.sms[1]!.code
      if (first !== second) {
        isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { Otp: first } }), 400, 1067, 'the code a resend replaced')
      }
      const token = isToken(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { Otp: second } }), testApp, ['sms', 'otp'])
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { Otp: second } }), 400, 1068, 'used once')
      t.equal((await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })).statusCode, 200,
        'the token opens a route our guard protects')

      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { session: 's2', body: { Otp: second } }), 400, 1069, 'another session has no code')
      testApp.clock.advance(30_000)
      await call(testApp, 'GET', '/reauth/2fa', { session: 's3' })
      testApp.clock.advance(5 * 60_000)
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { session: 's3', body: { otp: testApp.sms[2]!.code } }), 400, 1069, 'expired')
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: 123456 } }), 400, 908, 'a number loses leading zeros')
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { user: 'bob', body: { otp: '123456' } }), 403, 9403, 'bob has no phone')
    })

    t.test('per-challenge attempts still apply: after the last wrong guess, ask for a new code', async (t) => {
      const testApp = await compatApp(t, framework, { plugin: { codes: { maxAttempts: 2 } } })
      await call(testApp, 'GET', '/reauth/2fa')
      const code = testApp.sms[0]!.code
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: wrongCode(code) } }), 400, 1067)
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: wrongCode(code) } }), 400, 1069, 'the last guess')
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: code } }), 400, 1069, 'even the right code now')
    })

    t.test('authenticator app: PUT /reauth/2fa/authenticatorcode', async (t) => {
      const testApp = await compatApp(t, framework)
      const code = await totpCode(testApp)
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { body: { authenticatorcode: wrongCode(code) } }), 400, 1067)
      isToken(t, await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { body: { AuthenticatorCode: code } }), testApp, ['otp'])
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { body: { authenticatorcode: code } }), 400, 1068, 'a time step once')
      const short = await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { body: { authenticatorcode: '12345' } })
      isError(t, short, 400, 908, 'five digits')
      t.match(short.json().Description, /^Invalid request: body\/authenticatorcode /, 'named as the client named it')
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { user: 'bob', body: { authenticatorcode: code } }), 403, 9403, 'no app')
    })

    t.test('backup codes: PUT /reauth/2fa/BackupCode, the path in any case', async (t) => {
      const testApp = await compatApp(t, framework)
      const [first] = testApp.backupCodes as [string]
      isToken(t, await call(testApp, 'PUT', '/reauth/2fa/BackupCode', { body: { BackupCode: first } }), testApp, ['otp', 'backup'])
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/backupcode', { body: { backupcode: first } }), 400, 1128, 'used')
      isError(t, await call(testApp, 'PUT', '/REAUTH/2FA/BACKUPCODE', { user: 'bob', body: { backupcode: first } }), 403, 1129, 'bob has none')
    })

    t.test('MFA email: GET /reauth/2fa/otp/email sends, PUT /reauth/2fa/otp/email/verify checks', async (t) => {
      const testApp = await compatApp(t, framework)
      const sent = await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailId: 'alice@example.com', emailTemplate2FA: 'x' } })
      t.equal(sent.statusCode, 200)
      t.same(sent.json(), { IsPosted: true })
      const mail = await testApp.mailbox.next()
      t.equal(mail.to && !Array.isArray(mail.to) && mail.to.text, 'alice@example.com')
      const code = codeIn(mail)

      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp/email/verify', { body: { EmailId: 'alice@example.com', Otp: wrongCode(code) } }), 400, 1067)
      isToken(t, await call(testApp, 'PUT', '/reauth/2fa/otp/email/verify', { body: { EmailId: ' ALICE@example.com', Otp: code } }), testApp, ['otp', 'email'])
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp/email/verify', { body: { emailid: 'alice@example.com', otp: code } }), 400, 1068)

      const stranger = await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailid: 'mallory@example.com' } })
      isError(t, stranger, 400, 1340, 'not on the profile')
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp/email/verify', { body: { emailid: 'mallory@example.com', otp: code } }), 400, 1340)
      isError(t, await call(testApp, 'GET', '/reauth/2fa/otp/email'), 400, 908, 'no emailid')
      isError(t, await call(testApp, 'GET', '/reauth/2fa/otp/email', { user: 'carol', query: { emailid: 'carol@example.com' } }), 403, 9403, 'no address at all')

      // The masked form the trigger lists names the address, when it names only one.
      const byMask = await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailid: 'A***@Example.org' } })
      t.same(byMask.json(), { IsPosted: true })
      const work = await testApp.mailbox.next()
      t.match(work.to && !Array.isArray(work.to) && work.to.text, /^Alice\.Work@example\.org$/i, 'the address the mask stood for')
      isToken(t, await call(testApp, 'PUT', '/reauth/2fa/otp/email/verify', { body: { emailid: 'A***@Example.org', otp: codeIn(work) } }), testApp, ['otp', 'email'])
      t.equal(testApp.mailbox.messages.length, 2, 'no mail to a stranger')
    })

    t.test('the code mail in the browser\'s language; a notification names where the call came from', async (t) => {
      const testApp = await compatApp(t, framework, { plugin: { notifications: { failures: { after: 1 } } } })
      const headers = { 'accept-language': 'fr-CA,fr;q=0.9', 'user-agent': 'LoginRadiusSDK/11.5' }
      t.same((await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailid: 'alice@example.com' }, headers })).json(), { IsPosted: true })
      t.equal((await testApp.mailbox.next()).subject, 'Votre code de vérification', 'as on the plugin\'s own routes')
      isError(t, await call(testApp, 'PUT', '/reauth/password', { body: { password: 'wonderlan' }, headers }), 400, 1205)
      const notice = await testApp.mailbox.next()
      t.equal(notice.subject, 'Tentatives de vérification échouées')
      t.match(notice.text, /Depuis: \S+ \(LoginRadiusSDK\/11\.5\)/, 'the address and the user agent of the failed call')
    })

    t.test('a masked form that stands for two addresses names neither', async (t) => {
      const testApp = await compatApp(t, framework, {
        plugin: { getUser: () => ({ id: 'anna', sessionId: 's1', emails: ['anna@example.com', 'alex@example.com', 'bea@example.com', 'bEA@example.com'] }) }
      })
      isError(t, await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailid: 'a***@example.com' } }), 400, 1340)
      const one = await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailid: 'b***@example.com' } })
      t.same(one.json(), { IsPosted: true }, 'one address however often the profile spells it')
      const mail = await testApp.mailbox.next()
      t.equal(mail.to && !Array.isArray(mail.to) && mail.to.text, 'bea@example.com')
    })

    t.test('email without MFA: GET and PUT /reauth/otp/email, apart from the MFA pair', async (t) => {
      const testApp = await compatApp(t, framework)
      const sent = await call(testApp, 'GET', '/reauth/otp/email', { user: 'bob', query: { emailid: 'bob@example.com', emailtemplate: 'x' } })
      t.same(sent.json(), { IsPosted: true })
      const code = codeIn(await testApp.mailbox.next())
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp/email/verify', { user: 'bob', body: { emailid: 'bob@example.com', otp: code } }), 400, 1069,
        'a code of one pair of routes is not pending for the other')
      isToken(t, await call(testApp, 'PUT', '/reauth/otp/email', { user: 'bob', body: { Otp: code, EmailId: 'bob@example.com' } }), testApp, ['otp', 'email'])
      isError(t, await call(testApp, 'GET', '/reauth/otp/email', { user: 'bob', query: { emailid: 'bob@example.com' } }), 403, 1123, 'inside the cooldown')
    })

    t.test('in email MFA mode only users with the email authenticator can use either pair', async (t) => {
      const testApp = await compatApp(t, framework, { email: { mode: 'mfa' } })
      isError(t, await call(testApp, 'GET', '/reauth/otp/email', { user: 'bob', query: { emailid: 'bob@example.com' } }), 403, 9403)
      t.equal((await call(testApp, 'GET', '/reauth/2fa', { user: 'bob' })).json().IsEmailOtpAuthenticatorVerified, false)
      t.same((await call(testApp, 'GET', '/reauth/2fa/otp/email', { query: { emailid: 'alice@example.com' } })).json(), { IsPosted: true })
    })

    t.test('security questions: POST /reauth/2fa/securityquestionanswer/verify', async (t) => {
      const testApp = await compatApp(t, framework)
      const answers = [{ QuestionId: 'pet', Answer: 'dinah' }, { QuestionId: 'city', Answer: ' OXFORD' }]
      isToken(t, await call(testApp, 'POST', '/reauth/2fa/securityquestionanswer/verify', { body: { securityquestionanswer: answers } }), testApp, ['kba'])
      const wrong = [{ questionid: 'pet', answer: 'Dinah' }, { questionid: 'city', answer: 'Cambridge' }]
      isError(t, await call(testApp, 'POST', '/reauth/2fa/securityquestionanswer/verify', { body: { SecurityQuestionAnswer: wrong } }), 400, 1093)
      isError(t, await call(testApp, 'POST', '/reauth/2fa/securityquestionanswer/verify', { user: 'bob', body: { securityquestionanswer: answers } }), 403, 1094)
      isError(t, await call(testApp, 'POST', '/reauth/2fa/securityquestionanswer/verify', { body: { securityquestionanswer: [] } }), 400, 908)
    })

    t.test('password: PUT /reauth/password', async (t) => {
      const testApp = await compatApp(t, framework)
      isToken(t, await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password } }), testApp, ['pwd'])
      isError(t, await call(testApp, 'PUT', '/reauth/password', { body: { Password: 'wonderlan' } }), 400, 1205)
      isError(t, await call(testApp, 'PUT', '/reauth/password', { user: 'erin', body: { password: ALICE.password } }), 403, 9403, 'no password')
    })

    t.test('PIN: PUT /reauth/pin with the reference\'s `PIN`', async (t) => {
      const testApp = await compatApp(t, framework)
      isToken(t, await call(testApp, 'PUT', '/reauth/pin', { body: { PIN: ALICE.pin } }), testApp, ['pin'])
      isError(t, await call(testApp, 'PUT', '/reauth/pin', { body: { PIN: '1357' } }), 400, 1233)
      const letters = await call(testApp, 'PUT', '/reauth/pin', { body: { pin: 'abcd' } })
      isError(t, letters, 400, 908, 'the PIN method\'s own format')
      t.match(letters.json().Description, /^Invalid request: body\/pin must match pattern/)
      isError(t, await call(testApp, 'PUT', '/reauth/pin', { user: 'bob', body: { PIN: ALICE.pin } }), 403, 1234, 'no PIN set')
    })

    t.test('the client-model fields of the reference (lockout answer, captcha) are accepted and ignored', async (t) => {
      const testApp = await compatApp(t, framework)
      const body = { password: ALICE.password, SecurityAnswer: { pet: 'Dinah' }, 'g-recaptcha-response': 'r', qq_captcha_ticket: 't' }
      isToken(t, await call(testApp, 'PUT', '/reauth/password', { body }), testApp, ['pwd'])
      isError(t, await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password, admin: true } }), 400, 908, 'anything else is refused')
    })

    t.test('the API key: in the query (any case) or the header, always checked, compared whole', async (t) => {
      const testApp = await compatApp(t, framework)
      isError(t, await call(testApp, 'GET', '/reauth/2fa', { noKey: true }), 403, 901, 'no key')
      isError(t, await call(testApp, 'GET', '/reauth/2fa', { noKey: true, query: { apikey: `${LR_API_KEY}x` } }), 403, 901, 'a longer key')
      isError(t, await call(testApp, 'GET', '/reauth/2fa', { noKey: true, query: { APIKEY: LR_API_KEY.slice(0, -1) } }), 403, 901, 'a shorter key')
      t.equal(testApp.sms.length, 0, 'nothing was sent without the key')
      isError(t, await call(testApp, 'GET', '/reauth/2fa', { headers: { 'x-loginradius-apikey': 'other' } }), 403, 901, 'a header that disagrees')
      const twice = await testApp.app.inject({ url: `${AUTH}/reauth/2fa?apikey=${LR_API_KEY}&apiKey=other`, headers: { authorization: `Bearer ${accessToken('alice')}` } })
      isError(t, twice, 403, 901, 'a second, different key')
      t.equal((await call(testApp, 'GET', '/reauth/2fa', { noKey: true, headers: { 'X-LoginRadius-ApiKey': LR_API_KEY } })).statusCode, 200, 'the header alone')
      isError(t, await call(testApp, 'PUT', '/reauth/password', { noKey: true, body: 'not json', headers: { 'content-type': 'text/plain' } }), 403, 901,
        'the key is checked before the body is read')
    })

    t.test('no access token, or one the app does not know: 906', async (t) => {
      const testApp = await compatApp(t, framework)
      const anonymous = await testApp.app.inject({ url: `${AUTH}/reauth/2fa?apikey=${LR_API_KEY}` })
      isError(t, anonymous, 401, 906)
      t.equal(anonymous.headers['www-authenticate'], 'Bearer')
      isError(t, await call(testApp, 'PUT', '/reauth/password', { user: 'nobody', body: { password: 'x' } }), 401, 906)
      isError(t, await testApp.app.inject({ method: 'PUT', url: `${AUTH}/reauth/password?apikey=${LR_API_KEY}`, payload: { pasword: 'x' } }), 400, 908,
        'bad input is refused before anyone is asked who is logged in')
    })

    t.test('bodies: JSON only, 16 KiB, names in any case but each once', async (t) => {
      const testApp = await compatApp(t, framework)
      const put = (body: string, type = 'application/json') =>
        testApp.app.inject({ method: 'PUT', url: `${AUTH}/reauth/password?apikey=${LR_API_KEY}`, headers: { authorization: `Bearer ${accessToken('alice')}`, 'content-type': type }, body })
      isError(t, await put('password=x', 'application/x-www-form-urlencoded'), 415, 908, 'a form')
      isError(t, await put('{"password":'), 400, 908, 'broken JSON')
      isError(t, await put(''), 400, 908, 'no body')
      isError(t, await put(JSON.stringify({ password: 'x'.repeat(17 * 1024) })), 413, 908, 'over 16 KiB')
      const twice = await put('{"password":"wonderland","Password":"guess"}')
      isError(t, twice, 400, 908, 'one name in two cases')
      t.match(twice.json().Description, /"password" more than once/)
      isError(t, await put('[]'), 400, 908, 'not an object')
      isError(t, await put('{"__proto__":{"password":"wonderland"}}'), 400, 908, 'no prototype games')
      const deep = await call(testApp, 'POST', '/reauth/2fa/securityquestionanswer/verify', {
        body: { securityquestionanswer: [{ questionid: { Nested: { Deeper: 'x' } }, answer: 'y' }] }
      })
      isError(t, deep, 400, 908, 'nesting our schemas do not have')
      const query = await testApp.app.inject({
        url: `${AUTH}/reauth/otp/email?apikey=${LR_API_KEY}&emailid=alice@example.com&EmailId=bob@example.com`,
        headers: { authorization: `Bearer ${accessToken('alice')}` }
      })
      isError(t, query, 400, 908, 'a query parameter twice, with different values')
      const extra = await testApp.app.inject({
        url: `${AUTH}/reauth/otp/email?apikey=${LR_API_KEY}&emailid=alice@example.com&region=eu&fields=x&fields=y`,
        headers: { authorization: `Bearer ${accessToken('alice')}` }
      })
      isError(t, extra, 400, 908, 'even one we do not read')
      t.equal(testApp.mailbox.messages.length, 0)
    })

    // LoginRadius's Node SDK replaces the body of any 429 with its own, so the limits and the lock
    // answer 403 here, as the reference does, with their number and Retry-After; our routes keep 429.
    t.test('lockout, cooldown and send limit apply unchanged, with the reference\'s status and Retry-After', async (t) => {
      const testApp = await compatApp(t, framework, { plugin: { lockout: { maxFailures: 2 }, sendLimit: { max: 2 } } })
      isError(t, await call(testApp, 'PUT', '/reauth/password', { body: { password: 'a' } }), 400, 1205)
      const locked = await call(testApp, 'PUT', '/reauth/pin', { body: { PIN: '0000' } })
      isError(t, locked, 403, 1132, 'the failure that locks, whatever its method')
      t.equal(locked.headers['retry-after'], '900')
      const still = await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password } })
      isError(t, still, 403, 1132, 'not even the right one')
      t.equal(still.headers['retry-after'], '900')
      isError(t, await call(testApp, 'GET', '/reauth/2fa'), 403, 1132, 'the trigger sends nothing while locked')
      const ours = await testApp.app.inject({ method: 'POST', url: '/step-up/password/verify', headers: as('alice'), payload: { password: ALICE.password } })
      t.equal(ours.statusCode, 429, 'our own route keeps its 429')
      t.equal(ours.json().code, 'FST_STEP_UP_LOCKED')
      t.equal(ours.headers['retry-after'], '900')

      const bob = { user: 'bob', query: { emailid: 'bob@example.com' } }
      t.same((await call(testApp, 'GET', '/reauth/otp/email', bob)).json(), { IsPosted: true })
      const soon = await call(testApp, 'GET', '/reauth/2fa/otp/email', bob)
      isError(t, soon, 403, 1123, 'the cooldown is per destination, across both pairs')
      t.equal(soon.headers['retry-after'], '30')
      const ownSoon = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })
      t.equal(ownSoon.statusCode, 429, 'our own route keeps its 429')
      t.equal(ownSoon.json().code, 'FST_STEP_UP_RESEND_TOO_SOON')
      testApp.clock.advance(30_000)
      t.same((await call(testApp, 'GET', '/reauth/otp/email', bob)).json(), { IsPosted: true })
      testApp.clock.advance(30_000)
      const limit = await call(testApp, 'GET', '/reauth/otp/email', bob)
      isError(t, limit, 403, 1122)
      t.ok(Number(limit.headers['retry-after']) > 0, 'Retry-After')
      const ownLimit = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })
      t.equal(ownLimit.statusCode, 429, 'our own route keeps its 429')
      t.equal(ownLimit.json().code, 'FST_STEP_UP_SEND_LIMIT')
      t.equal(ownLimit.headers['retry-after'], limit.headers['retry-after'])
    })

    t.test('dependencies fail closed: 502 and 503 with stable numbers', async (t) => {
      const { store, state } = switchableStore()
      const testApp = await compatApp(t, framework, { plugin: { store } })
      testApp.gateway.down = true
      isError(t, await call(testApp, 'GET', '/reauth/2fa'), 502, 9502, 'the SMS gateway refuses')
      testApp.gateway.down = false
      state.down = true
      const down = await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password } })
      isError(t, down, 503, 9503, 'the store is down')
      t.notMatch(down.body, /ECONNREFUSED/)
      state.down = false
      t.equal((await call(testApp, 'GET', '/reauth/2fa')).statusCode, 200, 'and back')
    })

    t.test('a method switched off answers as not set up; the trigger lists only what is on', async (t) => {
      const testApp = await buildApp(t, { framework, compat: true })
      isError(t, await call(testApp, 'PUT', '/reauth/pin', { body: { PIN: '2468' } }), 403, 1234)
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: '123456' } }), 403, 9403)
      isError(t, await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { body: { authenticatorcode: '1' } }), 403, 9403)
      const settings = (await call(testApp, 'GET', '/reauth/2fa')).json()
      t.match(settings, { IsEmailOtpAuthenticatorVerified: true, IsOTPAuthenticatorVerified: false, OTPPhoneNo: null, IsAuthenticatorVerified: false })

      const noEmail = await buildApp(t, { framework, compat: true, plugin: { email: false, password: { verify: () => false } } })
      isError(t, await call(noEmail, 'GET', '/reauth/otp/email', { query: { emailid: 'alice@example.com' } }), 403, 9403)
      isError(t, await call(noEmail, 'PUT', '/reauth/otp/email', { body: { emailid: 'alice@example.com', otp: '123456' } }), 403, 9403)
    })

    t.test('server-side validation: the token of that user, from a method of that family', async (t) => {
      const testApp = await compatApp(t, framework)
      const password = (await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password } })).json().SecondFactorValidationToken
      const pin = (await call(testApp, 'PUT', '/reauth/pin', { body: { PIN: ALICE.pin } })).json().SecondFactorValidationToken
      const app = (await call(testApp, 'PUT', '/reauth/2fa/authenticatorcode', { body: { authenticatorcode: await totpCode(testApp) } })).json().SecondFactorValidationToken
      const backup = (await call(testApp, 'PUT', '/reauth/2fa/backupcode', { body: { backupcode: testApp.backupCodes[0] } })).json().SecondFactorValidationToken
      const answers = [{ QuestionId: 'pet', Answer: 'Dinah' }, { QuestionId: 'city', Answer: 'Oxford' }]
      const kba = (await call(testApp, 'POST', '/reauth/2fa/securityquestionanswer/verify', { body: { securityquestionanswer: answers } })).json().SecondFactorValidationToken
      await call(testApp, 'GET', '/reauth/2fa', { session: 's2' })
      const sms = (await call(testApp, 'PUT', '/reauth/2fa/otp', { session: 's2', body: { otp: testApp.sms[0]!.code } })).json().SecondFactorValidationToken
      await call(testApp, 'GET', '/reauth/otp/email', { query: { emailid: 'alice@example.com' } })
      const email = (await call(testApp, 'PUT', '/reauth/otp/email', { body: { otp: codeIn(await testApp.mailbox.next()), emailid: 'alice@example.com' } })).json().SecondFactorValidationToken

      for (const [family, token] of [['password', password], ['pin', pin], ['2fa', app], ['2fa', backup], ['2fa', kba], ['2fa', sms], ['2fa', email]]) {
        const valid = await validate(testApp, 'alice', family!, token!)
        t.equal(valid.statusCode, 200, family!)
        t.same(valid.json(), { IsValid: true }, `${family}: exactly { IsValid: true }`)
      }
      for (const [family, token] of [['2fa', password], ['2fa', pin], ['password', pin], ['pin', password], ['password', app], ['pin', email]]) {
        isError(t, await validate(testApp, 'alice', family!, token!), 400, 1193, `a ${amrOf(token!).join(' ')} token for ${family}`)
      }
      isError(t, await validate(testApp, 'bob', 'password', password), 400, 1193, 'another user\'s uid')
      isError(t, await validate(testApp, 'alice', 'password', `${password}x`), 400, 1193, 'a tampered token')
      isError(t, await validate(testApp, 'alice', 'password', 'not-a-jwt'), 400, 1193, 'not a token')
      t.same((await validate(testApp, 'alice', 'PIN', pin)).json(), { IsValid: true }, 'the path in any case')

      // The Java SDK way: the key in the query only, the secret in its header.
      const java = await testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/alice/reauth/password?apiKey=${LR_API_KEY}`,
        headers: { 'X-LoginRadius-ApiSecret': LR_API_SECRET },
        payload: { SecondFactorValidationToken: password }
      })
      t.same(java.json(), { IsValid: true })

      testApp.clock.advance(5 * 60_000 + 1000)
      isError(t, await validate(testApp, 'alice', 'password', password), 400, 1193, 'expired')
    })

    t.test('server-side validation needs the key and the secret', async (t) => {
      const testApp = await compatApp(t, framework)
      const token = (await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password } })).json().SecondFactorValidationToken
      isError(t, await validate(testApp, 'alice', 'password', token, { 'X-LoginRadius-apiSecret': 'x'.repeat(36) }), 401, 902, 'a wrong secret')
      isError(t, await validate(testApp, 'alice', 'password', token, { 'X-LoginRadius-apiSecret': LR_API_KEY }), 401, 902, 'the key as the secret')
      const noSecret = await testApp.app.inject({ method: 'POST', url: `${MANAGE}/alice/reauth/password?apikey=${LR_API_KEY}`, payload: { SecondFactorValidationToken: token } })
      isError(t, noSecret, 401, 902, 'no secret')
      isError(t, await validate(testApp, 'alice', 'password', token, { 'X-LoginRadius-apiKey': 'other' }), 403, 901, 'a wrong key, with the right secret')
      const inQuery = await testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/alice/reauth/password?apikey=${LR_API_KEY}&apisecret=${LR_API_SECRET}`,
        payload: { SecondFactorValidationToken: token }
      })
      isError(t, inQuery, 401, 902, 'a secret in the URL is not accepted')
      const badBody = await testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/alice/reauth/password?apikey=${LR_API_KEY}`,
        headers: { 'X-LoginRadius-ApiSecret': LR_API_SECRET },
        payload: { token }
      })
      isError(t, badBody, 400, 908)
      const user = await testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/alice/reauth/password?apikey=${LR_API_KEY}`,
        headers: { 'X-LoginRadius-ApiSecret': LR_API_SECRET, authorization: `Bearer ${accessToken('bob')}` },
        payload: { SecondFactorValidationToken: token }
      })
      t.same(user.json(), { IsValid: true }, 'server calls have no user session: the uid decides')
    })

    t.test('routing: only our paths, only their methods; everything else is the app\'s', async (t) => {
      const testApp = await compatApp(t, framework)
      const raw = (method: 'GET' | 'PUT' | 'HEAD', path: string) =>
        testApp.app.inject({ method, url: `${path}?apikey=${LR_API_KEY}`, headers: { authorization: `Bearer ${accessToken('alice')}` } })
      for (const path of [`${AUTH}/reauth/unknown`, `${AUTH}/reauth/2fa/`, `${AUTH}`, `${MANAGE}/alice/reauth/pin`, '/IDENTITY/v2/auth/account/reauth/2fa']) {
        const reply = await raw('GET', path)
        t.equal(reply.statusCode, 404, path)
        t.notMatch(reply.body, /ErrorCode/, `${path}: the app's own 404`)
      }
      const noUid = await testApp.app.inject({ method: 'POST', url: `${MANAGE}//reauth/pin?apikey=${LR_API_KEY}`, headers: { 'x-loginradius-apisecret': LR_API_SECRET }, payload: {} })
      t.equal(noUid.statusCode, 404, 'an empty uid')
      // Fastify refuses a broken escape in any URL itself (400 FST_ERR_BAD_URL); Express passes it to us.
      const broken = await raw('GET', `${AUTH}/reauth/%E0%A4%A`)
      t.equal(broken.statusCode, framework === 'fastify' ? 400 : 404, 'a broken percent-escape')
      t.notMatch(broken.body, /ErrorCode/)
      t.equal((await raw('PUT', `${AUTH}/reauth/2fa`)).statusCode, 404, 'the trigger is a GET')
      t.equal((await raw('HEAD', `${AUTH}/reauth/2fa`)).statusCode, 404, 'a HEAD does not run the trigger')
      t.equal(testApp.sms.length, 0, 'and sent nothing')
      t.equal((await raw('GET', `${AUTH}/reauth/%32fa`)).statusCode, 200, 'percent-encoded segments are decoded')
      t.equal((await testApp.app.inject({ url: '/step-up/methods', headers: as('alice') })).statusCode, 200, 'our own routes are as they were')

      const off = await buildApp(t, { framework, allMethods: true })
      const reply = await off.app.inject({ url: `${AUTH}/reauth/2fa?apikey=${LR_API_KEY}`, headers: as('alice') })
      t.equal(reply.statusCode, 404, 'off by default')
      t.equal(off.sms.length, 0)
    })

    t.test('getUser that throws goes to the app\'s error handler', async (t) => {
      const testApp = await compatApp(t, framework, { plugin: { getUser: () => { throw new Error('session store down') } } })
      const reply = await call(testApp, 'GET', '/reauth/2fa')
      t.equal(reply.statusCode, 500)
      t.notMatch(reply.body, /ErrorCode/)
    })

    t.test('no code, token, key or secret appears in any log line', async (t) => {
      const lines: string[] = []
      const { store, state } = switchableStore()
      const testApp = await compatApp(t, framework, { logs: lines, plugin: { store } })
      await call(testApp, 'GET', '/reauth/2fa')
      const code = testApp.sms[0]!.code
      await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: wrongCode(code) } })
      const token = (await call(testApp, 'PUT', '/reauth/2fa/otp', { body: { otp: code } })).json().SecondFactorValidationToken
      await validate(testApp, 'alice', '2fa', token)
      await validate(testApp, 'alice', 'pin', token)
      await validate(testApp, 'alice', 'pin', token, { 'X-LoginRadius-apiSecret': 'wrong-secret-wrong-secret' })
      state.down = true
      await call(testApp, 'PUT', '/reauth/password', { body: { password: ALICE.password } })
      const log = lines.join('')
      t.match(log, /"ErrorCode":1067/)
      t.match(log, /"ErrorCode":9503/)
      t.match(log, /step-up failed/)
      t.notOk(log.includes(code), 'no one-time code')
      t.notOk(log.includes(token.split('.')[2]!), 'no token signature')
      t.notOk(log.includes(LR_API_SECRET), 'no API secret')
      t.notOk(log.includes(ALICE.password), 'no password')
    })
  })
}

t.test('two instances on one Redis: a resend on one replaces the code the other sent', { skip: redisSkipReason() }, async (t) => {
  const url = await sharedRedisUrl(t)
  const prefix = uniquePrefix()
  const [clientA, clientB] = await Promise.all([connect(t, url), connect(t, url)])
  const a = await compatApp(t, 'fastify', { store: (clock) => new RedisStore({ client: clientA, prefix, clock }) })
  const b = await compatApp(t, 'express', { store: (clock) => new RedisStore({ client: clientB, prefix, clock }) })
  await call(a, 'GET', '/reauth/2fa')
  b.clock.advance(30_000)
  a.clock.advance(30_000)
  await call(b, 'GET', '/reauth/2fa')
  const [first, second] = [a.sms[0]!.code, b.sms[0]!.code]
  if (first !== second) isError(t, await call(a, 'PUT', '/reauth/2fa/otp', { body: { otp: first } }), 400, 1067, 'the replaced code')
  isToken(t, await call(a, 'PUT', '/reauth/2fa/otp', { body: { otp: second } }), a, ['sms', 'otp'])
  isError(t, await call(b, 'PUT', '/reauth/2fa/otp', { body: { otp: second } }), 400, 1068, 'used once, across instances')
})
