// The mail that carries a one-time code, in one language: subject, text, and the HTML made from them.
import type { Translator } from '../i18n/translator.js'
import { htmlMail } from './html.js'

export interface CodeMail {
  subject: string
  text: string
  html: string
}

/**
 * `summary` is what the code approves (a transaction), when it approves one. An app's own
 * `wording` replaces the catalog's subject or text; the HTML is made from whichever is used.
 */
export function renderCodeMail (
  texts: Translator,
  locale: string,
  { code, minutes, summary }: { code: string, minutes: number, summary?: string | undefined },
  wording: { subject?: string | undefined, text?: string | undefined } = {}
): CodeMail {
  const subject = wording.subject ?? texts.text(locale, 'code.subject', {})
  const text = wording.text ?? texts.text(locale, 'code.text', { code, minutes, ...(summary === undefined ? {} : { summary }) })
  return { subject, text, html: htmlMail({ locale, subject, text, code }) }
}
