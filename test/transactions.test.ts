// Transaction signing (PSD2 dynamic linking, OWASP transaction authorization): the user sees what
// they approve (mail, text message, replies, the passkey ceremony), the code, assertion and token
// are bound to exactly that transaction, and each attack on the binding is refused: a changed
// amount or payee, codes and assertions swapped between two tabs, replays. On both frameworks, with
// the memory store and with Redis.
import { createHash } from 'node:crypto'
import type { Clock } from '@tapjs/clock'
import t, { type Test } from 'tap'
import { createStepUpClient, runPasskeyCeremony, type StepUpActionInput } from '../lib/client/index.js'
import { challengeNamesAction, transactionChallenge, transactionDigest } from '../lib/core/action.js'
import { cleanSummary, resolveActions, summarize, SUMMARY_MAX_LENGTH } from '../lib/core/summary.js'
import { createTranslator } from '../lib/i18n/translator.js'
import { escapeHtml } from '../lib/mail/html.js'
import { actionHash, RedisStore, type SmsMessage, type StepUpEvent, type StepUpStore } from '../lib/index.js'
import { as, buildApp, frameworks, users, type BuildOptions, type Framework, type TestApp } from './helpers/app.js'
import { SoftAuthenticator } from './helpers/passkey.js'
import { connect, redisSkipReason, sharedRedisUrl, uniquePrefix } from './helpers/redis.js'
import { codeIn } from './helpers/smtp.js'
import { wrapStore } from './helpers/stores.js'

type StoreFactory = ((clock: Clock) => StepUpStore) | undefined
type Payment = { amount: string, currency: string, payee: string }

const PAYMENT: Payment = { amount: '120.00', currency: 'EUR', payee: 'ACME Ltd' }
const SUMMARY = 'Approve payment of 120.00 EUR to ACME Ltd'
const payment = (data: Payment): StepUpActionInput => ({ name: 'payment', data })

/** The app's wording; it refuses an amount that is not one, so bad data is a 400. */
function paymentSummary (data: Record<string, unknown>): string {
  if (typeof data.amount !== 'string' || !/^\d+(\.\d{2})?$/.test(data.amount)) throw new Error('not an amount')
  return `Approve payment of ${Number(data.amount).toFixed(2)} ${String(data.currency)} to ${String(data.payee)}`
}

function post (testApp: TestApp, url: string, payload: unknown, user = 'alice', session = 's1') {
  return testApp.app.inject({ method: 'POST', url, headers: as(user, session), payload })
}

function pay (testApp: TestApp, token: string, body: Payment) {
  return testApp.app.inject({ method: 'POST', url: '/payments', headers: { ...as('alice'), 'x-step-up-token': token }, payload: body })
}

async function paymentApp (t: Test, framework: Framework, store: StoreFactory, build: BuildOptions = {}): Promise<TestApp & { events: StepUpEvent[] }> {
  const events: StepUpEvent[] = []
  const testApp = await buildApp(t, {
    framework,
    allMethods: true,
    passkey: true,
    ...(store ? { store } : {}),
    routes: [{
      url: '/payments',
      method: 'POST',
      requirement: {
        action: 'payment',
        actionData: (request: { body: Payment }) => ({ amount: request.body.amount, currency: request.body.currency, payee: request.body.payee }),
        singleUse: true
      }
    }],
    ...build,
    plugin: { actions: { payment: { summary: paymentSummary } }, onEvent: (event) => events.push(event), ...build.plugin }
  })
  return Object.assign(testApp, { events })
}

/** Sends an email code for an action; the reply's body and the code read from the mail. */
async function emailFor (testApp: TestApp, action: StepUpActionInput, email = 'alice@example.com') {
  const sent = await post(testApp, '/step-up/email/send', { email, action })
  if (sent.statusCode !== 202) throw new Error(`send failed: ${sent.statusCode} ${sent.body}`)
  const mail = await testApp.mailbox.next()
  return { ...sent.json(), code: codeIn(mail), mail }
}

async function smsFor (testApp: TestApp, action: StepUpActionInput) {
  const sent = await post(testApp, '/step-up/sms/send', { phone: '+1 (555) 010-0123', action })
  if (sent.statusCode !== 202) throw new Error(`send failed: ${sent.statusCode} ${sent.body}`)
  const message = testApp.sms.at(-1)!
  return { ...sent.json(), code: message.code, message }
}

async function optionsFor (testApp: TestApp, action?: StepUpActionInput) {
  const reply = await post(testApp, '/step-up/passkey/options', action ? { action } : {})
  if (reply.statusCode !== 200) throw new Error(`options failed: ${reply.statusCode} ${reply.body}`)
  const body = reply.json()
  return { challengeId: body.challengeId as string, challenge: body.options.challenge as string, summary: body.summary as string | undefined }
}

function enrol (testApp: TestApp): SoftAuthenticator {
  const authenticator = new SoftAuthenticator({ transports: ['usb'] })
  testApp.passkeys.set('alice', [authenticator.credential()])
  return authenticator
}

const claimsOf = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

function scenarios (t: Test, framework: Framework, store: StoreFactory): void {
  t.test('email: the summary in the reply and in the mail; the token pays exactly that payment, once', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    const sent = await emailFor(testApp, payment(PAYMENT))
    t.equal(sent.summary, SUMMARY, 'the send reply says what the code approves')
    t.match(sent.mail.text, `It is for: ${SUMMARY}\n`, 'so does the mail')
    const verified = await post(testApp, '/step-up/email/verify', { challengeId: sent.challengeId, code: sent.code, action: payment(PAYMENT) })
    t.equal(verified.statusCode, 200, 'the code for this payment, verified for this payment')
    const { token } = verified.json()
    t.same(claimsOf(token).action, { name: 'payment', hash: actionHash(PAYMENT) })

    t.equal((await pay(testApp, token, { ...PAYMENT, amount: '1200.00' })).json().code, 'FST_STEP_UP_INSUFFICIENT', 'a changed amount is refused')
    t.equal((await pay(testApp, token, { ...PAYMENT, payee: 'Mallory' })).json().code, 'FST_STEP_UP_INSUFFICIENT', 'a changed payee is refused')
    t.equal((await pay(testApp, token, { ...PAYMENT, currency: 'USD' })).json().code, 'FST_STEP_UP_INSUFFICIENT', 'a changed currency is refused')
    const paid = await pay(testApp, token, PAYMENT)
    t.equal(paid.statusCode, 200, 'the payment approved goes through (refusals did not spend the token)')
    const again = await pay(testApp, token, PAYMENT)
    t.equal(again.statusCode, 401)
    t.equal(again.json().code, 'FST_STEP_UP_TOKEN_USED', 'a replayed single-use token is refused')

    const replayed = await post(testApp, '/step-up/email/verify', { challengeId: sent.challengeId, code: sent.code, action: payment(PAYMENT) })
    t.equal(replayed.json().code, 'FST_STEP_UP_CODE_USED', 'a replayed code is refused')
  })

  t.test('a code verified for a changed amount or payee is refused, spent, and counted toward the lockout', async (t) => {
    const testApp = await paymentApp(t, framework, store, { plugin: { lockout: { maxFailures: 2 } } })
    const first = await emailFor(testApp, payment(PAYMENT))
    const changed = await post(testApp, '/step-up/email/verify', { challengeId: first.challengeId, code: first.code, action: payment({ ...PAYMENT, amount: '999.00' }) })
    t.equal(changed.statusCode, 400)
    t.same(changed.json(), {
      statusCode: 400,
      code: 'FST_STEP_UP_ACTION_MISMATCH',
      error: 'Bad Request',
      message: 'This verification was started for another action or other data; it can no longer be used, start a new one'
    })
    t.notMatch(changed.body, first.code, 'the refusal holds no code')
    const after = await post(testApp, '/step-up/email/verify', { challengeId: first.challengeId, code: first.code, action: payment(PAYMENT) })
    t.equal(after.json().code, 'FST_STEP_UP_CODE_USED', 'the challenge is burnt: not even the right payment can use it now')
    t.match(testApp.events.find((event) => event.type === 'verification.failed'), { code: 'FST_STEP_UP_ACTION_MISMATCH', method: 'email' })

    const second = await emailFor(testApp, payment(PAYMENT), 'Alice.Work@Example.org')
    const payee = await post(testApp, '/step-up/email/verify', { challengeId: second.challengeId, code: second.code, action: payment({ ...PAYMENT, payee: 'Mallory' }) })
    t.equal(payee.json().code, 'FST_STEP_UP_LOCKED', 'the second mismatch fills the failure log: step-up locks')
    t.ok(Number(payee.headers['retry-after']) > 0)
  })

  t.test('an action sent with the code must be the one started, name and data alike; none given keeps today\'s check', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    const named = await emailFor(testApp, { name: 'payment', data: PAYMENT })
    const other = await post(testApp, '/step-up/email/verify', { challengeId: named.challengeId, code: named.code, action: { name: 'refund', data: PAYMENT } })
    t.equal(other.json().code, 'FST_STEP_UP_ACTION_MISMATCH', 'another action name')
    testApp.clock.advance(31_000)
    const plain = await emailFor(testApp, { name: 'close-account' })
    t.equal(plain.summary, 'Approve close-account', 'an action the app words nothing for: the default summary')
    const withData = await post(testApp, '/step-up/email/verify', { challengeId: plain.challengeId, code: plain.code, action: { name: 'close-account', data: { now: true } } })
    t.equal(withData.json().code, 'FST_STEP_UP_ACTION_MISMATCH', 'data given for a step-up started without')
    testApp.clock.advance(31_000)
    const bare = await post(testApp, '/step-up/email/send', { email: 'alice@example.com' })
    t.notOk('summary' in bare.json(), 'no action, no summary')
    const code = codeIn(await testApp.mailbox.next())
    const unnamed = await post(testApp, '/step-up/email/verify', { challengeId: bare.json().challengeId, code, action: payment(PAYMENT) })
    t.equal(unnamed.json().code, 'FST_STEP_UP_ACTION_MISMATCH', 'an action given for a step-up started for none')
    testApp.clock.advance(31_000)
    const again = await emailFor(testApp, payment(PAYMENT))
    const unchecked = await post(testApp, '/step-up/email/verify', { challengeId: again.challengeId, code: again.code })
    t.equal(unchecked.statusCode, 200, 'without an action in the body, the code is checked as before (the token still binds the payment)')
    t.equal((await pay(testApp, unchecked.json().token, { ...PAYMENT, amount: '1.00' })).statusCode, 401)
  })

  t.test('two tabs, two payments: their codes and tokens cannot be swapped', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    const mallory: Payment = { amount: '9999.00', currency: 'EUR', payee: 'Mallory' }
    const tabA = await emailFor(testApp, payment(PAYMENT))
    const tabB = await smsFor(testApp, payment(mallory))
    t.equal(tabB.summary, 'Approve payment of 9999.00 EUR to Mallory')
    const swappedCode = await post(testApp, '/step-up/email/verify', { challengeId: tabA.challengeId, code: tabB.code, action: payment(PAYMENT) })
    t.equal(swappedCode.json().code, 'FST_STEP_UP_CODE_INVALID', 'tab B\'s code on tab A\'s challenge is wrong')
    const swappedAction = await post(testApp, '/step-up/sms/verify', { challengeId: tabB.challengeId, code: tabB.code, action: payment(PAYMENT) })
    t.equal(swappedAction.json().code, 'FST_STEP_UP_ACTION_MISMATCH', 'tab B\'s code offered for tab A\'s payment is refused')
    const tokenA = (await post(testApp, '/step-up/email/verify', { challengeId: tabA.challengeId, code: tabA.code, action: payment(PAYMENT) })).json().token
    t.equal((await pay(testApp, tokenA, mallory)).json().code, 'FST_STEP_UP_INSUFFICIENT', 'tab A\'s token does not pay tab B\'s payment')
    t.equal((await pay(testApp, tokenA, PAYMENT)).statusCode, 200)
  })

  t.test('passkeys: the challenge names the transaction; swapped and replayed assertions are refused', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    const authenticator = enrol(testApp)
    const mallory: Payment = { amount: '9999.00', currency: 'EUR', payee: 'Mallory' }
    const tabA = await optionsFor(testApp, payment(PAYMENT))
    const tabB = await optionsFor(testApp, payment(mallory))
    t.equal(tabA.summary, SUMMARY, 'the options reply says what the passkey approves')

    // What anyone holding the token's action claim can recompute: SHA-256 over the tag, name and hash.
    const digest = createHash('sha256').update(`fastify-step-up transaction\0payment\0${actionHash(PAYMENT)}`).digest()
    const bytes = Buffer.from(tabA.challenge, 'base64url')
    t.equal(bytes.length, 48, '16 random bytes, then the digest')
    t.same(bytes.subarray(16), digest, 'the digest part names this payment')
    t.notSame(Buffer.from(tabB.challenge, 'base64url').subarray(16), digest, 'another payment, another digest')
    t.notSame(bytes.subarray(0, 16), Buffer.from(tabB.challenge, 'base64url').subarray(0, 16), 'each challenge has its own random part')

    const swapped = await post(testApp, '/step-up/passkey/verify', { challengeId: tabA.challengeId, response: authenticator.assert(tabB.challenge) })
    t.equal(swapped.statusCode, 400)
    t.equal(swapped.json().message, 'The passkey was not accepted: it answers another challenge', 'an assertion over tab B\'s challenge does not answer tab A\'s')
    const spent = await post(testApp, '/step-up/passkey/verify', { challengeId: tabA.challengeId, response: authenticator.assert(tabA.challenge) })
    t.equal(spent.json().code, 'FST_STEP_UP_CODE_USED', 'and tab A\'s challenge took its one answer')

    const otherAction = await post(testApp, '/step-up/passkey/verify', { challengeId: tabB.challengeId, response: authenticator.assert(tabB.challenge), action: payment(PAYMENT) })
    t.equal(otherAction.json().code, 'FST_STEP_UP_ACTION_MISMATCH', 'an assertion for tab B offered for tab A\'s payment is refused')

    const tabC = await optionsFor(testApp, payment(PAYMENT))
    const assertion = authenticator.assert(tabC.challenge)
    const verified = await post(testApp, '/step-up/passkey/verify', { challengeId: tabC.challengeId, response: assertion, action: payment(PAYMENT) })
    t.equal(verified.statusCode, 200)
    t.same(transactionDigest(claimsOf(verified.json().token).action), digest, 'the token\'s action claim gives the same digest')
    const replayed = await post(testApp, '/step-up/passkey/verify', { challengeId: tabC.challengeId, response: assertion, action: payment(PAYMENT) })
    t.equal(replayed.json().code, 'FST_STEP_UP_CODE_USED', 'a replayed assertion is refused')
    t.equal((await pay(testApp, verified.json().token, { ...PAYMENT, amount: '120.01' })).statusCode, 401, 'a cent more is refused')
    t.equal((await pay(testApp, verified.json().token, PAYMENT)).statusCode, 200)

    const plain = await optionsFor(testApp)
    t.equal(Buffer.from(plain.challenge, 'base64url').length, 32, 'without an action: 32 random bytes, as before')
    t.equal(plain.summary, undefined)
    t.equal((await post(testApp, '/step-up/passkey/verify', { challengeId: plain.challengeId, response: authenticator.assert(plain.challenge) })).statusCode, 200)
  })

  t.test('the summary is cleaned, bounded and escaped in the HTML mail', async (t) => {
    const testApp = await paymentApp(t, framework, store, { email: { html: (ctx) => `<p>Approve? ${ctx.summaryHtml ?? ''}</p><p>Code: ${ctx.code}</p>` } })
    const hostile: Payment = { amount: '5.00', currency: 'EUR', payee: '<img src=x onerror=alert(1)> ACME\u202Egnp.exe\nLtd\u0007' }
    const sent = await emailFor(testApp, payment(hostile))
    const shown = 'Approve payment of 5.00 EUR to <img src=x onerror=alert(1)> ACMEgnp.exe Ltd'
    t.equal(sent.summary, shown, 'no bidi override, no control character, one line')
    t.notOk(sent.mail.text!.includes('\u202E') || sent.mail.text!.includes('\u0007'), 'neither reaches the mail')
    t.match(sent.mail.text, `It is for: ${shown}\n`)
    t.match(sent.mail.html, 'Approve? Approve payment of 5.00 EUR to &lt;img src=x onerror=alert(1)&gt; ACMEgnp.exe Ltd</p>', 'the HTML gets the escaped summary')
    t.notMatch(sent.mail.html, '<img', 'no markup of the payee\'s reaches the HTML')

    testApp.clock.advance(31_000)
    const long = await emailFor(testApp, payment({ ...PAYMENT, payee: 'x'.repeat(256) }))
    t.equal(Array.from(long.summary as string).length, SUMMARY_MAX_LENGTH, 'cut to the maximum')
    t.ok((long.summary as string).endsWith('…'), 'and the cut is shown')
  })

  t.test('data the action\'s wording refuses is a 400, and nothing is sent', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    enrol(testApp)
    for (const url of ['/step-up/email/send', '/step-up/passkey/options']) {
      const reply = await post(testApp, url, { ...(url.includes('email') ? { email: 'alice@example.com' } : {}), action: payment({ ...PAYMENT, amount: 'lots' }) })
      t.equal(reply.statusCode, 400, url)
      t.same(reply.json().code, 'FST_STEP_UP_INVALID_REQUEST')
      t.equal(reply.json().message, 'Invalid request: action.data does not fit the action "payment"')
    }
    t.equal(testApp.mailbox.messages.length, 0, 'no mail went out')
    t.equal((await post(testApp, '/step-up/email/send', { email: 'alice@example.com', action: payment(PAYMENT) })).statusCode, 202, 'and no cooldown was taken')
  })

  t.test('SMS: the default text says what the code approves; a custom text gets the summary and the action', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    const sent = await smsFor(testApp, payment(PAYMENT))
    t.equal(sent.message.text, `${SUMMARY}: your code is ${sent.code}. It expires in 5 min. Do not share it.`)

    const texts: unknown[] = []
    const custom = await paymentApp(t, framework, store, {
      plugin: {
        sms: {
          send: async (message: SmsMessage) => { custom.sms.push(message) },
          text: (ctx) => {
            texts.push({ summary: ctx.summary, action: ctx.action })
            return `${ctx.code} ${ctx.summary ?? 'no action'}`
          }
        }
      }
    })
    const customSent = await smsFor(custom, payment(PAYMENT))
    t.equal(customSent.message.text, `${customSent.code} ${SUMMARY}`)
    custom.clock.advance(31_000)
    await post(custom, '/step-up/sms/send', { phone: '+1 (555) 010-0123' })
    t.same(texts, [{ summary: SUMMARY, action: payment(PAYMENT) }, { summary: undefined, action: undefined }])
    t.equal(custom.sms.at(-1)!.text, `${custom.sms.at(-1)!.code} no action`)
  })

  t.test('the browser client: the summary of send and of the passkey options, and the action sent with the answer', async (t) => {
    const testApp = await paymentApp(t, framework, store)
    const authenticator = enrol(testApp)
    const client = createStepUpClient({ headers: as('alice'), fetch: fetchInto(testApp) })
    const sent = await client.send('email', 'alice@example.com', payment(PAYMENT))
    t.equal(sent.summary, SUMMARY)
    const code = codeIn(await testApp.mailbox.next())
    const refused = await client.verify('email', sent.challengeId, code, payment({ ...PAYMENT, payee: 'Mallory' })).catch((err: unknown) => err)
    t.match(refused, { code: 'FST_STEP_UP_ACTION_MISMATCH', statusCode: 400 })

    const shown: string[] = []
    const credentials = {
      async get ({ publicKey }: { publicKey: { challenge: ArrayBuffer } }) {
        shown.push('prompt')
        return authenticator.assert(Buffer.from(publicKey.challenge).toString('base64url'))
      }
    }
    const issued = await runPasskeyCeremony(client, { credentials, action: payment(PAYMENT), onSummary: (summary) => { shown.push(summary) } })
    t.same(shown, [SUMMARY, 'prompt'], 'the summary is shown before the browser\'s prompt')
    t.equal((await pay(testApp, issued.token, PAYMENT)).statusCode, 200)

    const stopped = await runPasskeyCeremony(client, { credentials, action: payment(PAYMENT), onSummary: () => { throw new Error('the person said no') } }).catch((err: Error) => err.message)
    t.equal(stopped, 'the person said no', 'rejecting the summary stops before the prompt')
    t.equal(shown.length, 2)
    const bare = await runPasskeyCeremony(client, { credentials })
    t.ok(bare.token, 'no action: no summary to show')
    const unshown = await runPasskeyCeremony(client, { credentials, action: payment(PAYMENT) })
    t.same(claimsOf(unshown.token).action, { name: 'payment', hash: actionHash(PAYMENT) }, 'without onSummary the ceremony still runs (the page shows nothing of its own)')
  })

  t.test('the digest check: a stored challenge whose action was changed behind the engine\'s back is refused', async (t) => {
    // The code HMAC still matches (the record's codeHash is untouched); only the digest says no.
    let tamper = false
    const testApp = await paymentApp(t, framework, undefined, {
      store: (clock) => wrapStore(async (name, _args, call) => {
        const result = await call()
        if (tamper && name === 'getChallenge' && result) return { ...(result as object), action: { name: 'payment', hash: actionHash({ ...PAYMENT, amount: '1.00' }) } }
        return result
      }, clock).store
    })
    const authenticator = enrol(testApp)
    const started = await optionsFor(testApp, payment(PAYMENT))
    tamper = true
    const reply = await post(testApp, '/step-up/passkey/verify', { challengeId: started.challengeId, response: authenticator.assert(started.challenge) })
    t.equal(reply.json().message, 'The passkey was not accepted: it answers another challenge')
  })
}

/** A fetch that sends the browser client's calls to the test app. */
function fetchInto (testApp: TestApp): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const headers = Object.fromEntries(new Headers(init?.headers))
    const reply = await testApp.app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      url: String(input),
      headers,
      ...(typeof init?.body === 'string' ? { body: init.body } : {})
    })
    return new Response(reply.body, { status: reply.statusCode, headers: reply.headers })
  }
}

t.test('MemoryStore', async (t) => {
  for (const framework of frameworks) t.test(framework, async (t) => scenarios(t, framework, undefined))
})

t.test('RedisStore', { skip: redisSkipReason() }, async (t) => {
  const client = await connect(t, await sharedRedisUrl(t))
  for (const framework of frameworks) {
    t.test(framework, async (t) => scenarios(t, framework, (clock) => new RedisStore({ client, prefix: uniquePrefix(), clock })))
  }
})

t.test('summaries and digests, unit by unit', async (t) => {
  const none = resolveActions(undefined)
  const texts = createTranslator()
  const en = { texts, locale: 'en' }
  t.equal(summarize(none, { name: 'transfer', data: { to: 'bob', amount: 5, urgent: true, note: null } }, en),
    'Approve transfer: amount 5, note null, to "bob", urgent true', 'the default lists the fields in canonical order, strings quoted')
  t.equal(summarize(none, { name: 'transfer', data: { 'to, amount': '1' } }, en), 'Approve transfer: "to, amount" "1"', 'a field name that could pass for two is quoted')
  t.equal(summarize(none, { name: 'logout-everywhere' }, en), 'Approve logout-everywhere', 'no fields')
  const data = { to: 'bob', amount: 5, 'to, amount': '1' }
  const words: Record<string, string> = {
    fr: 'Approuver transfer : amount 5, to "bob", "to, amount" "1"',
    de: 'transfer freigeben: amount 5, to "bob", "to, amount" "1"',
    es: 'Aprobar transfer: amount 5, to "bob", "to, amount" "1"',
    'fr-CA': 'Approuver transfer : amount 5, to "bob", "to, amount" "1"',
    ja: 'Approve transfer: amount 5, to "bob", "to, amount" "1"'
  }
  for (const [locale, expected] of Object.entries(words)) {
    t.equal(summarize(none, { name: 'transfer', data }, { texts, locale }), expected, `${locale}: the words in the language, the same canonical list`)
  }
  t.equal(summarize(none, { name: 'logout-everywhere' }, { texts, locale: 'de' }), 'logout-everywhere freigeben', 'no fields, in German')
  const long = summarize(none, { name: 'transfer', data: { note: `x\u202e${'é'.repeat(300)}` } }, { texts, locale: 'fr' })
  t.equal(Array.from(long).length, SUMMARY_MAX_LENGTH, 'translated, still cut to the maximum')
  t.match(long, /^Approuver transfer : note "xé+…$/, 'and cleaned of invisible characters')
  const reworded = createTranslator({ messages: { fr: { 'action.summary': 'Valider « {action} » — {fields}' }, de: { 'action.summary': (params) => `Freigabe ${params.action}${params.fields === undefined ? '' : ` (${params.fields})`}\u202e\n` } } })
  t.equal(summarize(none, { name: 'transfer', data }, { texts: reworded, locale: 'fr' }), 'Valider « transfer » — amount 5, to "bob", "to, amount" "1"', 'an app rewords the key like any other')
  t.equal(summarize(none, { name: 'wipe' }, { texts: reworded, locale: 'de' }), 'Freigabe wipe', 'a rewording that returns invisible or control characters is cleaned as well')
  t.equal(summarize(none, { name: 'transfer', data }, { texts: reworded, locale: 'es' }), words.es, 'other languages keep the built-in words')
  const odd = resolveActions({ odd: { summary: () => 42 as unknown as string } })
  t.throws(() => summarize(odd, { name: 'odd' }, en), { code: 'FST_STEP_UP_INVALID_REQUEST', statusCode: 400 }, 'a wording that gives no text refuses the data')
  const given: unknown[] = []
  t.equal(summarize(resolveActions({ wipe: { summary: (data) => { given.push(data); return 'Wipe' } } }), { name: 'wipe' }, { texts, locale: 'fr' }), 'Wipe', 'an app\'s wording is its own, whatever the language')
  t.same(given, [{}], 'an action without data is worded from {}')

  t.equal(cleanSummary(' a\u200Bb\u2066c\u2069 \u2028d\uFEFF\r\ne\u0085 '), 'abc d e', 'zero-width, isolates, separators, BOM, CR LF and NEL')
  t.equal(cleanSummary(`${'é'.repeat(250)}`), `${'é'.repeat(SUMMARY_MAX_LENGTH - 1)}…`)
  t.equal(cleanSummary(`${'😀'.repeat(300)}`), `${'😀'.repeat(SUMMARY_MAX_LENGTH - 1)}…`, 'cut by characters, never inside a surrogate pair')
  t.equal(cleanSummary('\uD800x'), 'x', 'a lone surrogate is dropped')
  t.equal(escapeHtml('<a href="x" title=\'y\'>&</a>'), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;')

  const action = { name: 'payment', hash: actionHash(PAYMENT) }
  const challenge = transactionChallenge(Buffer.alloc(16, 7), action)
  t.ok(challengeNamesAction(challenge, action))
  t.notOk(challengeNamesAction(challenge, { name: 'payment', hash: actionHash({ ...PAYMENT, amount: '1.00' }) }), 'other data')
  t.notOk(challengeNamesAction(challenge, { name: 'refund', hash: action.hash }), 'another name')
  t.notOk(challengeNamesAction(challenge, { name: 'payment' }), 'the name without the data')
  t.notOk(challengeNamesAction(challenge, undefined), 'a transaction challenge where none was started for an action')
  t.notOk(challengeNamesAction(Buffer.alloc(32).toString('base64url'), action), 'a plain challenge where one was started for an action')
  t.ok(challengeNamesAction(Buffer.alloc(32).toString('base64url'), undefined))
})

for (const framework of frameworks) {
  t.test(`${framework}: without a wording of the app's, the summary is in the user's language, in the mail, the text message and the replies`, async (t) => {
    // The profile's locale when it has one (x-locale), else Accept-Language, as for the code mail.
    const getUser = (request: { headers: Record<string, string | string[] | undefined> }) => {
      const locale = request.headers['x-locale']
      return { ...users[String(request.headers['x-user'])]!, sessionId: 's1', ...(typeof locale === 'string' ? { locale } : {}) }
    }
    const testApp = await paymentApp(t, framework, undefined, { plugin: { getUser } })
    enrol(testApp)
    const transfer: StepUpActionInput = { name: 'transfer', data: { to: 'ACME Ltd', amount: '120.00' } }
    const cases: Array<{ headers: Record<string, string>, summary: string, line: string, lang: string }> = [
      { headers: { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' }, summary: 'Approuver transfer : amount "120.00", to "ACME Ltd"', line: 'Il sert à : ', lang: 'fr' },
      { headers: { 'accept-language': 'de-CH' }, summary: 'transfer freigeben: amount "120.00", to "ACME Ltd"', line: 'Er gilt für: ', lang: 'de' },
      { headers: { 'accept-language': 'fr', 'x-locale': 'es' }, summary: 'Aprobar transfer: amount "120.00", to "ACME Ltd"', line: 'Sirve para: ', lang: 'es' },
      { headers: { 'accept-language': 'en-GB' }, summary: 'Approve transfer: amount "120.00", to "ACME Ltd"', line: 'It is for: ', lang: 'en' },
      { headers: { 'accept-language': 'ja-JP,ja' }, summary: 'Approve transfer: amount "120.00", to "ACME Ltd"', line: 'It is for: ', lang: 'en' }
    ]
    const digests = new Set<string>()
    for (const { headers, summary, line, lang } of cases) {
      testApp.clock.advance(31_000)
      const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), ...headers }, payload: { email: 'alice@example.com', action: transfer } })
      t.equal(sent.statusCode, 202)
      t.equal(sent.json().summary, summary, `${lang}: the send reply`)
      const mail = await testApp.mailbox.next()
      t.match(mail.text, `${line}${summary}\n`, `${lang}: the mail says it in its own language`)
      t.match(String(mail.html), `<html lang="${lang}">`)
      t.match(String(mail.html), escapeHtml(summary))
      const options = await testApp.app.inject({ method: 'POST', url: '/step-up/passkey/options', headers: { ...as('alice'), ...headers }, payload: { action: transfer } })
      t.equal(options.json().summary, summary, `${lang}: the passkey options reply`)
      digests.add(Buffer.from(options.json().options.challenge, 'base64url').subarray(16).toString('base64url'))
    }
    t.equal(digests.size, 1, 'what a passkey signs names the action\'s data, whatever language its summary is in')
    t.equal([...digests][0], transactionDigest({ name: 'transfer', hash: actionHash(transfer.data) }).toString('base64url'))

    const text = await testApp.app.inject({ method: 'POST', url: '/step-up/sms/send', headers: { ...as('alice'), 'accept-language': 'es' }, payload: { phone: '+1 (555) 010-0123', action: transfer } })
    t.equal(text.statusCode, 202)
    t.match(testApp.sms.at(-1)!.text, /^Aprobar transfer: amount "120\.00", to "ACME Ltd": su código es \d{6}\./, 'the text message: what it approves, then the code, in one language')

    testApp.clock.advance(31_000)
    const worded = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), 'accept-language': 'fr' }, payload: { email: 'alice@example.com', action: payment(PAYMENT) } })
    t.equal(worded.json().summary, SUMMARY, 'an app\'s own wording is unchanged in any language')
    t.match((await testApp.mailbox.next()).text, `Il sert à : ${SUMMARY}\n`)
  })

  t.test(`${framework}: the app rewords the default summary per language with locales.messages`, async (t) => {
    const testApp = await paymentApp(t, framework, undefined, {
      plugin: { locales: { messages: { fr: { 'action.summary': 'Valider « {action} » : {fields}' }, en: { 'action.summary': 'Confirm {action} ({fields})' } } } }
    })
    const transfer: StepUpActionInput = { name: 'transfer', data: { amount: 5 } }
    const fr = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), 'accept-language': 'fr' }, payload: { email: 'alice@example.com', action: transfer } })
    t.equal(fr.json().summary, 'Valider « transfer » : amount 5')
    t.match((await testApp.mailbox.next()).text, 'Il sert à : Valider « transfer » : amount 5\n')
    testApp.clock.advance(31_000)
    const other = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), 'accept-language': 'ja' }, payload: { email: 'alice@example.com', action: transfer } })
    t.equal(other.json().summary, 'Confirm transfer (amount 5)', 'an unknown language reads the default language, reworded too')
    await testApp.mailbox.next()
  })
}

t.test('the actions option is checked at registration', async (t) => {
  for (const framework of frameworks) {
    const refusals: Array<[unknown, RegExp]> = [
      [[], /^The actions option must be an object of action names/],
      ['payment', /^The actions option must be an object of action names/],
      [{ 'pay ment': { summary: () => '' } }, /^The actions option has a bad action name "pay ment"/],
      [{ payment: null }, /^The actions.payment option must be an object/],
      [{ payment: { sumary: () => '' } }, /^The actions.payment.sumary option is unknown; did you mean "actions.payment.summary"\?/],
      [{ payment: {} }, /^The actions.payment.summary option must be a function/]
    ]
    for (const [actions, message] of refusals) {
      await t.rejects(buildApp(t, { framework, plugin: { actions: actions as never } }), { code: 'FST_STEP_UP_OPTION_INVALID', message }, `${framework}: ${JSON.stringify(actions)}`)
    }
  }
})
