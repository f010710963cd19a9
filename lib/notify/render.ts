// A notification in words: its subject, text and HTML in one language, from the catalogs.
import type { MessageKey } from '../i18n/messages.js'
import type { Translator } from '../i18n/translator.js'
import { htmlMail } from '../mail/html.js'
import type { NotificationClient, NotificationFact, StepUpNotification } from './kinds.js'

export function renderNotification (texts: Translator, locale: string, fact: NotificationFact, where: NotificationClient, time: number): Omit<StepUpNotification, 'userId'> {
  const label = (key: MessageKey): string => texts.text(locale, key, {} as never)
  const params: Record<string, string | number | undefined> = { time, ...where }
  if ('method' in fact) params.method = label(`method.${fact.method}`)
  if ('factor' in fact) params.factor = label(`factor.${fact.factor}`)
  if ('count' in fact) params.count = fact.count
  if ('minutes' in fact) params.minutes = fact.minutes
  const subject = texts.text(locale, `notify.${fact.kind}.subject`, {})
  const text = texts.text(locale, `notify.${fact.kind}.text`, params as never)
  return { kind: fact.kind, locale, time, subject, text, html: htmlMail({ locale, subject, text }) }
}
