// One token acceptance rule everywhere: for each token, the LoginRadius-compatible server-side
// check (`POST /identity/v2/manage/account/{uid}/reauth/{family}`) gives the verdict that the
// guard, `POST /token/verify` and the adapter's verifyToken give for the same requirement (the
// family's methods, the plugin's maxAge), each asked in the token's own session. All four go
// through the engine's one check, and each refusal is reported as `token.rejected`.
import t, { type Test } from 'tap'
import { ALICE, LR_API_KEY, LR_API_SECRET, accessToken, as, buildApp, frameworks, users, type Framework, type TestApp } from './helpers/app.js'
import type { StepUpEvent, StepUpMethod } from '../lib/index.js'

const AUTH = '/identity/v2/auth/account'
const MANAGE = '/identity/v2/manage/account'

/** The methods each server-side check accepts; the guarded route `/family/{family}` asks for the same. */
const FAMILIES = {
  '2fa': ['email', 'sms', 'totp', 'backup-code', 'security-questions'],
  password: ['password'],
  pin: ['pin']
} as const satisfies Record<string, readonly StepUpMethod[]>

type Family = keyof typeof FAMILIES

/** The plugin's default freshness in this test: shorter than the token's 5-minute life. */
const MAX_AGE_S = 120

interface Rig {
  testApp: TestApp
  events: StepUpEvent[]
  logs: string[]
}

async function rig (t: Test, framework: Framework): Promise<Rig> {
  const events: StepUpEvent[] = []
  const logs: string[] = []
  const testApp = await buildApp(t, {
    framework,
    allMethods: true,
    compat: true,
    logs,
    // The table makes a dozen password and PIN tokens: more than the default knowledgeLimit allows.
    plugin: { maxAge: `${MAX_AGE_S}s`, knowledgeLimit: { max: 50 }, onEvent: (event) => { events.push(event) } },
    routes: Object.entries(FAMILIES).map(([family, methods]) => ({ url: `/family/${family}`, requirement: { methods } }))
  })
  return { testApp, events, logs }
}

async function tokenFrom (testApp: TestApp, path: string, body: object, user = 'alice'): Promise<string> {
  const reply = await testApp.app.inject({
    method: 'PUT',
    url: `${AUTH}${path}?apikey=${LR_API_KEY}`,
    headers: { authorization: `Bearer ${accessToken(user)}` },
    payload: body
  })
  if (reply.statusCode !== 200) throw new Error(`${path}: ${reply.statusCode} ${reply.body}`)
  return reply.json().SecondFactorValidationToken
}

const passwordToken = (testApp: TestApp) => tokenFrom(testApp, '/reauth/password', { password: ALICE.password })

/** A password token made on our own route for an action: it opens only a route that asks for that action. */
async function actionBoundToken (testApp: TestApp): Promise<string> {
  const reply = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/password/verify',
    headers: as('alice'),
    payload: { password: ALICE.password, action: { name: 'export-data' } }
  })
  if (reply.statusCode !== 200) throw new Error(`action-bound token: ${reply.statusCode} ${reply.body}`)
  return reply.json().token
}

interface Verdict {
  accepted: boolean
  /** The code of the `token.rejected` event the check reported; undefined when it reported none. */
  rejected: string | undefined
}

/** The verdict of each check, and what each reported, for `user` in the token's session. */
async function verdicts ({ testApp, events }: Rig, token: string, family: Family, user: string): Promise<Record<string, Verdict>> {
  const methods = FAMILIES[family]
  const observe = async (accepted: () => Promise<boolean>): Promise<Verdict> => {
    const before = events.length
    const result = await accepted()
    const reported = events.slice(before).filter((event) => event.type === 'token.rejected')
    if (reported.length > 1) throw new Error('more than one token.rejected for one check')
    return { accepted: result, rejected: reported[0]?.type === 'token.rejected' ? reported[0].code : undefined }
  }
  return {
    guard: await observe(async () =>
      (await testApp.app.inject({ url: `/family/${family}`, headers: { ...as(user), 'x-step-up-token': token } })).statusCode === 200),
    tokenVerify: await observe(async () => (await testApp.app.inject({
      method: 'POST',
      url: '/step-up/token/verify',
      headers: as(user),
      payload: { token, requirement: { methods, maxAge: MAX_AGE_S } }
    })).json().valid === true),
    verifyToken: await observe(() =>
      testApp.verifyToken(token, { user: { ...users[user]!, sessionId: 's1' }, requirement: { methods } }).then(() => true, () => false)),
    manage: await observe(async () => {
      const reply = await testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/${user}/reauth/${family}?apikey=${LR_API_KEY}`,
        headers: { 'x-loginradius-apisecret': LR_API_SECRET },
        payload: { SecondFactorValidationToken: token }
      })
      if (reply.statusCode === 200) return reply.json().IsValid === true
      const body = reply.json()
      if (reply.statusCode !== 400 || body.ErrorCode !== 1193) throw new Error(`manage: ${reply.statusCode} ${reply.body}`)
      return false
    })
  }
}

interface Row {
  name: string
  /** Makes the token, now. */
  token: (testApp: TestApp) => Promise<string>
  family: Family
  /** Who asks (and whose uid the manage call names). Default alice, the token's user. */
  user?: string
  /** Milliseconds that pass between making the token and asking. */
  after?: number
  accepted: boolean
  /** The code every check reports for a refused token. */
  code?: string
}

const rows: Row[] = [
  { name: 'a password token, for password', token: passwordToken, family: 'password', accepted: true },
  { name: 'a PIN token, for pin', token: (app) => tokenFrom(app, '/reauth/pin', { PIN: ALICE.pin }), family: 'pin', accepted: true },
  { name: 'a backup-code token, for 2fa', token: (app) => tokenFrom(app, '/reauth/2fa/backupcode', { backupcode: app.backupCodes[0] }), family: '2fa', accepted: true },
  { name: 'a password token at the edge of maxAge', token: passwordToken, family: 'password', after: MAX_AGE_S * 1000, accepted: true },
  { name: 'an action-bound token, where no action is asked', token: actionBoundToken, family: 'password', accepted: false, code: 'FST_STEP_UP_INSUFFICIENT' },
  { name: 'another user\'s token', token: passwordToken, family: 'password', user: 'bob', accepted: false, code: 'FST_STEP_UP_TOKEN_INVALID' },
  { name: 'a token older than maxAge, not yet expired', token: passwordToken, family: 'password', after: MAX_AGE_S * 1000 + 1000, accepted: false, code: 'FST_STEP_UP_INSUFFICIENT' },
  { name: 'an expired token', token: passwordToken, family: 'password', after: 5 * 60_000 + 1000, accepted: false, code: 'FST_STEP_UP_TOKEN_EXPIRED' },
  { name: 'a password token, for 2fa', token: passwordToken, family: '2fa', accepted: false, code: 'FST_STEP_UP_INSUFFICIENT' },
  { name: 'a PIN token, for password', token: (app) => tokenFrom(app, '/reauth/pin', { PIN: ALICE.pin }), family: 'password', accepted: false, code: 'FST_STEP_UP_INSUFFICIENT' },
  { name: 'a backup-code token, for pin', token: (app) => tokenFrom(app, '/reauth/2fa/backupcode', { backupcode: app.backupCodes[1] }), family: 'pin', accepted: false, code: 'FST_STEP_UP_INSUFFICIENT' }
]

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('the manage call, the guard, /token/verify and verifyToken give each token the same verdict', async (t) => {
      const setup = await rig(t, framework)
      for (const row of rows) {
        const token = await row.token(setup.testApp)
        setup.testApp.clock.advance(row.after ?? 0)
        const expected: Verdict = { accepted: row.accepted, rejected: row.code }
        t.same(await verdicts(setup, token, row.family, row.user ?? 'alice'), {
          guard: expected,
          tokenVerify: expected,
          verifyToken: expected,
          manage: expected
        }, row.name)
      }
    })

    t.test('the manage call reports its refusal: token.rejected for the uid, through onEvent and the request log', async (t) => {
      const setup = await rig(t, framework)
      const token = await actionBoundToken(setup.testApp)
      const reply = await setup.testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/alice/reauth/password?apikey=${LR_API_KEY}`,
        headers: { 'x-loginradius-apisecret': LR_API_SECRET },
        payload: { SecondFactorValidationToken: token }
      })
      t.equal(reply.statusCode, 400)
      t.equal(reply.json().ErrorCode, 1193)
      const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti
      t.same(setup.events.filter((event) => event.type === 'token.rejected'), [
        { type: 'token.rejected', userId: 'alice', sessionId: '', code: 'FST_STEP_UP_INSUFFICIENT', jti }
      ], 'a server call has no session')
      const logged = setup.logs.map((line) => JSON.parse(line)).filter((line) => line.stepUp?.type === 'token.rejected')
      t.same(logged.map((line) => [line.msg, line.stepUp]), [
        ['step-up token.rejected', { type: 'token.rejected', userId: 'alice', sessionId: '', code: 'FST_STEP_UP_INSUFFICIENT', jti }]
      ], 'logged as the other routes log their events')
      t.notOk(setup.logs.join('').includes(token.split('.')[2]!), 'no token signature in the log')
    })

    t.test('a server call has no session: a token of {uid} from any session passes, all else being equal', async (t) => {
      const setup = await rig(t, framework)
      const token = await passwordToken(setup.testApp) // made in session s1
      const asOtherSession = await setup.testApp.app.inject({ url: '/family/password', headers: { ...as('alice', 's2'), 'x-step-up-token': token } })
      t.equal(asOtherSession.statusCode, 401, 'the guard binds the token to its session')
      const valid = await setup.testApp.app.inject({
        method: 'POST',
        url: `${MANAGE}/alice/reauth/password?apikey=${LR_API_KEY}`,
        headers: { 'x-loginradius-apisecret': LR_API_SECRET },
        payload: { SecondFactorValidationToken: token }
      })
      t.same(valid.json(), { IsValid: true }, 'the manage call does not know one')
    })

    t.test('with none of a family\'s methods on, its check refuses every token, and says so', async (t) => {
      const events: StepUpEvent[] = []
      const testApp = await buildApp(t, {
        framework,
        compat: true,
        plugin: { password: { verify: (_user, password) => password === ALICE.password }, onEvent: (event) => { events.push(event) } }
      })
      const token = await passwordToken(testApp)
      for (const [family, status] of [['password', 200], ['pin', 400], ['2fa', 400]] as const) {
        const reply = await testApp.app.inject({
          method: 'POST',
          url: `${MANAGE}/alice/reauth/${family}?apikey=${LR_API_KEY}`,
          headers: { 'x-loginradius-apisecret': LR_API_SECRET },
          payload: { SecondFactorValidationToken: token }
        })
        t.equal(reply.statusCode, status, family)
      }
      t.same(events.filter((event) => event.type === 'token.rejected').map((event) => event.type === 'token.rejected' && event.code),
        ['FST_STEP_UP_INSUFFICIENT', 'FST_STEP_UP_INSUFFICIENT'], 'pin is off; of 2fa only email is on, and this is no email token')
    })
  })
}
