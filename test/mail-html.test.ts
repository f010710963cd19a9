// The HTML twin of every mail: the text escaped, paragraphs kept, a code set apart, nothing remote.
import t from 'tap'
import { createTranslator } from '../lib/i18n/translator.js'
import { renderCodeMail } from '../lib/mail/code.js'
import { escapeHtml, htmlMail } from '../lib/mail/html.js'

t.test('escapes what HTML would read as markup, in elements and attributes', async (t) => {
  t.equal(escapeHtml('<a href="x" title=\'y\'>&amp;</a>'), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
})

t.test('a code mail: paragraphs and lines kept, the code set apart, every character of the text escaped', async (t) => {
  const html = htmlMail({
    locale: 'fr',
    subject: 'Votre code <b>',
    text: 'Votre code est 482913\n\nIl sert à : Payer 120 € à <img src=x onerror=alert(1)>\nEntrez 482913 seulement ici.\n\n\n',
    code: '482913'
  })
  t.match(html, /^<!doctype html>\n<html lang="fr">/)
  t.match(html, /<title>Votre code &lt;b&gt;<\/title>/)
  t.match(html, /<h1[^>]*>Votre code &lt;b&gt;<\/h1>/)
  t.equal(html.match(/<span style="[^"]*monospace[^"]*">482913<\/span>/g)?.length, 2, 'each appearance of the code set apart')
  t.match(html, /Payer 120 € à &lt;img src=x onerror=alert\(1\)&gt;<br>Entrez/, 'a line break within a paragraph')
  t.equal(html.match(/<p /g)?.length, 2, 'blank paragraphs dropped')
  t.notMatch(html, /<img|<link|https?:|url\(/, 'no image, no remote resource')
})

t.test('only a code of digits is set apart: anything else stays text', async (t) => {
  const html = htmlMail({ locale: 'en', subject: 's', text: 'abc <x>', code: '<x>' })
  t.notMatch(html, /<span/)
  t.match(html, /abc &lt;x&gt;/)
  t.notMatch(htmlMail({ locale: 'en', subject: 's', text: 'no code' }), /<span/)
})

t.test('a code mail in each language: subject, text with the code, HTML with the code set apart and what it approves', async (t) => {
  const texts = createTranslator()
  const plain = renderCodeMail(texts, 'es', { code: '482913', minutes: 10 })
  t.equal(plain.subject, 'Su código de verificación')
  t.match(plain.text, /^Su código de verificación es 482913\n[\s\S]*Caduca en 10 minutos/)
  t.notMatch(plain.text, /Sirve para/)
  const signed = renderCodeMail(texts, 'fr', { code: '482913', minutes: 5, summary: 'Payer 120 € à <ACME>' })
  t.match(signed.text, /Il sert à : Payer 120 € à <ACME>/, 'the text as it is')
  t.match(signed.html, /<html lang="fr">[\s\S]*>482913<\/span>[\s\S]*Payer 120 € à &lt;ACME&gt;/, 'the HTML escaped, the code set apart')
})
