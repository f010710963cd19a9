// The whole email step-up, through a real SMTP server, in both modes of the reference.
import t from 'tap'
import { as, buildApp, frameworks, sendCode, stepUpToken } from './helpers/app.js'
import { messageIdDomain } from '../lib/senders/email.js'
import { codeIn } from './helpers/smtp.js'

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('without MFA: any verified address on the profile gets a code, and the token opens the route', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { app, mailbox } = testApp

      const methods = await app.inject({ url: '/step-up/methods', headers: as('bob') })
      t.equal(methods.statusCode, 200)
      t.same(methods.json().methods.map((m: { method: string }) => m.method), ['email'])
      t.equal(methods.json().methods[0].destinations[0].masked, 'b***@example.com')

      const sent = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })
      t.equal(sent.statusCode, 202)
      const body = sent.json()
      t.match(body, { challengeId: /^[A-Za-z0-9_-]{22}$/, expiresIn: 300, resendIn: 30, destination: 'b***@example.com' })
      t.same(Object.keys(body).sort(), ['challengeId', 'destination', 'expiresIn', 'resendIn'], 'no code in the reply')

      const mail = await mailbox.next()
      t.equal(mail.to && !Array.isArray(mail.to) && mail.to.text, 'bob@example.com')
      t.equal(mail.subject, 'Your verification code')
      const code = codeIn(mail)
      t.match(code, /^\d{6}$/)
      t.match(mail.text, /It expires in 5 minutes and works once\./)

      const verified = await app.inject({
        method: 'POST',
        url: '/step-up/email/verify',
        headers: as('bob'),
        payload: { challengeId: body.challengeId, code }
      })
      t.equal(verified.statusCode, 200)
      t.equal(verified.json().expiresIn, 300)
      const token = verified.json().token
      t.type(token, 'string')

      const doc = await app.inject({ url: '/documents/7', headers: { ...as('bob'), 'x-step-up-token': token } })
      t.equal(doc.statusCode, 200)
      t.match(doc.json(), { id: '7', stepUp: { sub: 'bob', sid: 's1', amr: ['otp', 'email'] } })
    })

    t.test("each mail has its own Message-ID at the sender's domain and its own MIME boundary, and parses whole", async (t) => {
      const testApp = await buildApp(t, { framework })
      const { app, mailbox } = testApp
      const seen = { ids: new Set<string>(), boundaries: new Set<string>() }
      for (const user of ['bob', 'alice']) {
        const sent = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as(user), payload: { email: `${user}@example.com` } })
        t.equal(sent.statusCode, 202)
        const mail = await mailbox.next()
        t.match(mail.messageId, /^<[A-Za-z0-9_-]{22}@example\.com>$/)
        const type = mail.headers.get('content-type') as { value: string, params: { boundary: string } }
        t.equal(type.value, 'multipart/alternative', 'text and HTML, as before')
        t.match(codeIn(mail), /^\d{6}$/, 'the text part reads whole')
        t.match(mail.html, new RegExp(codeIn(mail)), 'and so does the HTML part')
        t.notOk(type.params.boundary.includes(codeIn(mail)), 'the boundary says nothing of the code')
        seen.ids.add(mail.messageId!)
        seen.boundaries.add(type.params.boundary)
      }
      t.equal(seen.ids.size, 2, 'two mails, two ids')
      t.equal(seen.boundaries.size, 2, 'two mails, two boundaries')
    })

    t.test('with MFA: only users with the email authenticator enrolled can use email', async (t) => {
      const testApp = await buildApp(t, { framework, email: { mode: 'mfa' } })
      const { app } = testApp

      const bobMethods = await app.inject({ url: '/step-up/methods', headers: as('bob') })
      t.same(bobMethods.json(), { methods: [] }, 'bob has not enrolled the email authenticator')
      const bobSend = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('bob'), payload: { email: 'bob@example.com' } })
      t.equal(bobSend.statusCode, 403)
      t.equal(bobSend.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')

      const aliceMethods = await app.inject({ url: '/step-up/methods', headers: as('alice') })
      t.same(aliceMethods.json().methods[0].destinations.map((d: { masked: string }) => d.masked), ['a***@example.com', 'A***@Example.org'])
      const aliceSend = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email: 'alice@example.com' } })
      t.equal(aliceSend.statusCode, 202)
    })

    t.test('with MFA through real SMTP: the whole flow gives a working token', async (t) => {
      const mfaApp = await buildApp(t, { framework, email: { mode: 'mfa' } })
      const token = await stepUpToken(mfaApp)
      t.equal(mfaApp.mailbox.messages.length, 1)
      const doc = await mfaApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
      t.equal(doc.statusCode, 200)
    })

    t.test('a destination can be named by the opaque id from the methods list', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { app, mailbox } = testApp
      const methods = await app.inject({ url: '/step-up/methods', headers: as('alice') })
      const work = methods.json().methods[0].destinations[1]
      t.equal(work.masked, 'A***@Example.org')
      t.match(work.id, /^[A-Za-z0-9_-]{16}$/)

      const sent = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { destinationId: work.id } })
      t.equal(sent.statusCode, 202)
      t.equal(sent.json().destination, 'A***@Example.org')
      const mail = await mailbox.next()
      t.equal(mail.to && !Array.isArray(mail.to) && mail.to.text, 'Alice.Work@example.org', 'sent to the address as the profile spells it (nodemailer lowercases the domain)')

      const otherUsersId = await app.inject({ url: '/step-up/methods', headers: as('bob') })
      const bobsId = otherUsersId.json().methods[0].destinations[0].id
      const refused = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { destinationId: bobsId } })
      t.equal(refused.statusCode, 400)
      t.equal(refused.json().code, 'FST_STEP_UP_DESTINATION_NOT_ALLOWED')
    })

    t.test('an address the profile lists twice, spelled two ways, is offered once', async (t) => {
      const testApp = await buildApp(t, { framework })
      const methods = await testApp.app.inject({ url: '/step-up/methods', headers: as('dave') })
      t.same(methods.json().methods[0].destinations.map((d: { masked: string }) => d.masked), ['d***@example.com'])
    })

    t.test('addresses match regardless of case and surrounding spaces', async (t) => {
      const testApp = await buildApp(t, { framework })
      const sent = await testApp.app.inject({
        method: 'POST',
        url: '/step-up/email/send',
        headers: as('alice'),
        payload: { email: '  alice.work@example.ORG ' }
      })
      t.equal(sent.statusCode, 202)
      t.equal(sent.json().destination, 'A***@Example.org')
    })

    t.test('an address that is not on the profile gets 400 and no email is sent', async (t) => {
      const testApp = await buildApp(t, { framework })
      const { app, mailbox } = testApp
      for (const email of ['bob@example.com', 'mallory@evil.test']) {
        const reply = await app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('alice'), payload: { email } })
        t.equal(reply.statusCode, 400)
        t.equal(reply.json().code, 'FST_STEP_UP_DESTINATION_NOT_ALLOWED')
        t.notMatch(reply.body, email, 'the reply does not echo the address')
      }
      // A later, allowed send is the first message the mailbox sees.
      await sendCode(testApp, 'alice', 'alice@example.com')
      t.equal(mailbox.messages.length, 1)
      t.equal(mailbox.messages[0]!.to && !Array.isArray(mailbox.messages[0]!.to) && mailbox.messages[0]!.to.text, 'alice@example.com')
    })

    t.test('a user with no verified address has no email method', async (t) => {
      const testApp = await buildApp(t, { framework })
      const methods = await testApp.app.inject({ url: '/step-up/methods', headers: as('carol') })
      t.same(methods.json(), { methods: [] })
      t.same((await testApp.app.inject({ url: '/step-up/methods', headers: as('erin') })).json(), { methods: [] }, 'nor one whose profile lists none')
      const send = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: as('carol'), payload: { email: 'carol@example.com' } })
      t.equal(send.statusCode, 403)
      t.equal(send.json().code, 'FST_STEP_UP_METHOD_UNAVAILABLE')
    })

    t.test('nobody logged in: 401 on every step-up route and on the guard', async (t) => {
      const { app } = await buildApp(t, { framework })
      const calls = [
        { method: 'GET' as const, url: '/step-up/methods' },
        { method: 'POST' as const, url: '/step-up/email/send', payload: { email: 'alice@example.com' } },
        { method: 'POST' as const, url: '/step-up/email/verify', payload: { challengeId: 'A'.repeat(22), code: '123456' } },
        { method: 'POST' as const, url: '/step-up/token/verify', payload: { token: 'x' } },
        { method: 'GET' as const, url: '/documents/1' }
      ]
      for (const call of calls) {
        const reply = await app.inject(call)
        t.equal(reply.statusCode, 401, call.url)
        t.equal(reply.json().code, 'FST_STEP_UP_UNAUTHENTICATED', call.url)
        t.equal(reply.headers['www-authenticate'], 'Bearer', call.url)
      }
    })

    t.test('the subject, text and html of the email can be replaced', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        email: {
          subject: ({ expiresInMinutes }) => `Code for Example (valid ${expiresInMinutes} min)`,
          text: ({ code, user }) => `Hello ${user.id}, your code is ${code}.`,
          html: ({ code }) => `<p>Your code is <b>${code}</b></p>`
        }
      })
      const { code } = await sendCode(testApp, 'bob', 'bob@example.com')
      const mail = testApp.mailbox.messages[0]!
      t.equal(mail.subject, 'Code for Example (valid 5 min)')
      t.equal(mail.text?.trim(), `Hello bob, your code is ${code}.`)
      t.equal(mail.html, `<p>Your code is <b>${code}</b></p>`)
    })

    t.test('the default text says how long the code lives, in words that fit', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { codes: { ttl: '1m' } } })
      await sendCode(testApp, 'bob', 'bob@example.com')
      t.match(testApp.mailbox.messages[0]!.text, /It expires in 1 minute and works once\./)
      testApp.clock.advance(60_000)
      await sendCode(testApp, 'alice', 'alice@example.com')
      t.notMatch(testApp.mailbox.messages[1]!.text, /minutes/)
    })

    t.test('a code length of 8 sends 8 digits', async (t) => {
      const testApp = await buildApp(t, { framework, plugin: { codes: { length: 8 } } })
      const { code } = await sendCode(testApp, 'alice', 'alice@example.com')
      t.match(code, /^\d{8}$/)
    })
  })
}

t.test("a Message-ID's domain is the sender's, as nodemailer takes it, else localhost", async (t) => {
  const cases: Array<[string, string]> = [
    ['security@example.com', 'example.com'],
    ['Security <security@mail.example.org>', 'mail.example.org'],
    ['"Sécurité" <a@x-y.test>  ', 'x-y.test'],
    ['no address at all', 'localhost'],
    ['a@bad_domain!', 'localhost']
  ]
  for (const [from, domain] of cases) t.equal(messageIdDomain(from), domain, from)
})
