// npm run preview:mail [folder]: every mail the plugin writes, in every built-in language, as the
// HTML and the text a user gets, with an index page to open them from (default folder: mail-preview/).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createTranslator } from '../lib/i18n/translator.js'
import { escapeHtml } from '../lib/mail/html.js'
import { renderCodeMail } from '../lib/mail/code.js'
import { renderNotification } from '../lib/notify/render.js'
import { SAMPLE_FACTS as FACTS } from './mail-samples.js'

const folder = resolve(process.argv[2] ?? 'mail-preview')
const texts = createTranslator()
const time = Date.UTC(2026, 11, 6, 9, 30)
const where = { ip: '192.0.2.44', userAgent: 'Firefox 146 on Linux' }

const links: string[] = []
for (const locale of texts.locales) {
  mkdirSync(join(folder, locale), { recursive: true })
  const mails = {
    code: renderCodeMail(texts, locale, { code: '482913', minutes: 5 }),
    'code-transaction': renderCodeMail(texts, locale, { code: '482913', minutes: 5, summary: 'Approve payment of 120.00 EUR to ACME Ltd' }),
    ...Object.fromEntries(FACTS.map((fact) => [`notify-${fact.kind}`, renderNotification(texts, locale, fact, where, time)]))
  }
  for (const [name, mail] of Object.entries(mails)) {
    writeFileSync(join(folder, locale, `${name}.html`), mail.html)
    writeFileSync(join(folder, locale, `${name}.txt`), `Subject: ${mail.subject}\n\n${mail.text}\n`)
    links.push(`<li>${locale}: <a href="${locale}/${name}.html">${escapeHtml(name)}</a> (<a href="${locale}/${name}.txt">text</a>) — ${escapeHtml(mail.subject)}</li>`)
  }
}
writeFileSync(join(folder, 'index.html'), `<!doctype html>\n<meta charset="utf-8">\n<title>fastify-step-up mail preview</title>\n<ul>\n${links.join('\n')}\n</ul>\n`)
console.log(`${links.length} mails in ${texts.locales.length} languages written to ${folder}`)
