// Codes in the user's language (issue 21): the mail (text and HTML) and the text message are
// written in the language of the user's profile, else of their browser, else the default; the
// app rewords per key; a custom template is told the language; on Fastify and Express alike.
import t from 'tap'
import { as, buildApp, frameworks, users } from './helpers/app.js'

/** The test users, with the language named in an x-locale header on their profile. */
function getUser (request: { headers: Record<string, string | string[] | undefined> }) {
  const id = String(request.headers['x-user'])
  const locale = request.headers['x-locale']
  return { ...users[id]!, sessionId: 's1', ...(typeof locale === 'string' ? { locale } : {}) }
}

for (const framework of frameworks) {
  t.test(`${framework}: the code mail in the profile's language, else the browser's, else English`, async (t) => {
    const testApp = await buildApp(t, { framework, plugin: { getUser } })
    const cases: Array<[headers: Record<string, string>, subject: string, text: RegExp, lang: string]> = [
      [{ 'x-locale': 'fr' }, 'Votre code de vérification', /^Votre code de vérification est (\d{6})\n[\s\S]*Il expire dans 5 minutes et ne fonctionne qu’une fois\./, 'fr'],
      [{ 'x-locale': 'fr-CA', 'accept-language': 'de' }, 'Votre code de vérification', /^Votre code de vérification est (\d{6})/, 'fr'],
      [{ 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' }, 'Ihr Bestätigungscode', /^Ihr Bestätigungscode lautet (\d{6})\n[\s\S]*Er läuft in 5 Minuten ab/, 'de'],
      [{ 'x-locale': 'pt-BR', 'accept-language': 'es-MX, en;q=0.1' }, 'Su código de verificación', /^Su código de verificación es (\d{6})/, 'es'],
      [{ 'accept-language': 'ja, zh;q=0.5' }, 'Your verification code', /^Your verification code is (\d{6})\n[\s\S]*It expires in 5 minutes/, 'en'],
      [{}, 'Your verification code', /^Your verification code is (\d{6})/, 'en']
    ]
    for (const [headers, subject, text, lang] of cases) {
      testApp.clock.advance(31_000) // past the resend wait
      const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), ...headers }, payload: { email: 'alice@example.com' } })
      t.equal(sent.statusCode, 202)
      const mail = await testApp.mailbox.next()
      t.equal(mail.subject, subject, JSON.stringify(headers))
      const code = text.exec(mail.text ?? '')?.[1]
      t.ok(code, `the text in ${lang}`)
      t.match(String(mail.html), new RegExp(`^<!doctype html>\\n<html lang="${lang}">[\\s\\S]*>${code}</span>`), 'the HTML twin, in the same language, the code set apart')
      t.notMatch(String(mail.html), /<img|https?:/)
      const verified = await testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as('alice'), payload: { challengeId: sent.json().challengeId, code } })
      t.equal(verified.statusCode, 200, 'the code works whatever the language')
    }
  })

  t.test(`${framework}: a text message in the user's language, what it approves before the code`, async (t) => {
    const testApp = await buildApp(t, { framework, allMethods: true, plugin: { getUser } })
    const sent = await testApp.app.inject({
      method: 'POST',
      url: '/step-up/sms/send',
      headers: { ...as('alice'), 'x-locale': 'de' },
      payload: { phone: '+1 (555) 010-0123', action: { name: 'payment', data: { amount: '120.00' } } }
    })
    t.equal(sent.statusCode, 202)
    t.match(testApp.sms.at(-1)!.text, /^payment freigeben: amount "120\.00": Ihr Code lautet \d{6}\. Er läuft in 5 Min\. ab\. Geben Sie ihn nicht weiter\.$/)
  })

  t.test(`${framework}: the app rewords a text per language; a custom template is told the language, and gets its HTML twin`, async (t) => {
    const locales: string[] = []
    const testApp = await buildApp(t, {
      framework,
      plugin: { getUser, locales: { messages: { fr: { 'code.subject': 'Northwind : votre code' }, it: { 'code.subject': 'Il tuo codice' } } } },
      email: { text: (ctx) => { locales.push(ctx.locale); return `Code: ${ctx.code} <${ctx.locale}>` } }
    })
    for (const locale of ['fr', 'it', 'es']) {
      testApp.clock.advance(31_000)
      const sent = await testApp.app.inject({ method: 'POST', url: '/step-up/email/send', headers: { ...as('alice'), 'x-locale': locale }, payload: { email: 'alice@example.com' } })
      t.equal(sent.statusCode, 202)
    }
    const [fr, it, es] = [await testApp.mailbox.next(), await testApp.mailbox.next(), await testApp.mailbox.next()]
    t.equal(fr!.subject, 'Northwind : votre code')
    t.equal(it!.subject, 'Il tuo codice', 'a language the app added')
    t.equal(es!.subject, 'Su código de verificación', 'the built-in texts where the app rewords nothing')
    t.same(locales, ['fr', 'it', 'es'])
    t.match(fr!.text, /^Code: \d{6} <fr>/)
    t.match(String(fr!.html), /<html lang="fr">[\s\S]*Code: <span[^>]*>\d{6}<\/span> &lt;fr&gt;/, 'the custom text, escaped, in the HTML')
  })
}

t.test('the locales option is checked at registration', async (t) => {
  await t.rejects(buildApp(t, { plugin: { locales: { messages: { fr: { 'code.subject': 'Code {code}' } } } } }), { code: 'FST_STEP_UP_OPTION_INVALID', message: /locales\.messages\.fr\.code\.subject option uses \{code\}/ })
  await t.rejects(buildApp(t, { plugin: { locales: { defualt: 'fr' } as never } }), { code: 'FST_STEP_UP_OPTION_INVALID', message: /locales\.defualt option is unknown/ })
})
