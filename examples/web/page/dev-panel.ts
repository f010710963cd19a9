// The developer tools of the page, there only when the server runs with --dev (otherwise GET
// /dev/mailbox is a 404 and nothing shows): the mailbox panel, which lists what the app "sent",
// caught by the dev server's local SMTP server, so the demo needs no real inbox; and a control for
// the code step of the dialog that moves the server's step-up clock ahead, to try an expired code.
import { byId, h } from './dom.js'

interface CaughtMessage {
  id: number
  kind: 'email' | 'sms'
  to: string
  subject: string
  text: string
  receivedAt: string
}

const POLL_MS = 1000
const CLOCK_STEP_MINUTES = 6

export interface DevTools {
  /** The dev-only part of the dialog's code step: a button that makes pending codes expire. */
  clockControl (): HTMLElement
}

async function load (): Promise<CaughtMessage[] | undefined> {
  const response = await fetch('/dev/mailbox', { cache: 'no-store' })
  if (!response.ok) return undefined
  return (await response.json() as { messages: CaughtMessage[] }).messages
}

/** Shows the mailbox and keeps it up to date, if the server has one. */
export async function startDevTools (): Promise<DevTools | undefined> {
  let first: CaughtMessage[] | undefined
  try {
    first = await load()
  } catch {}
  if (!first) return undefined

  const list = byId('inbox', HTMLOListElement)
  const empty = byId('inbox-empty', HTMLParagraphElement)
  const clockStatus = byId('clock-status', HTMLParagraphElement)
  byId('dev-panel', HTMLElement).hidden = false
  let newest = 0

  function render (messages: CaughtMessage[]): void {
    if ((messages[0]?.id ?? 0) === newest) return
    newest = messages[0]?.id ?? 0
    empty.hidden = messages.length > 0
    list.replaceChildren(...messages.map((message, index) => {
      const time = new Date(message.receivedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      return h('li', { class: index === 0 ? 'mail mail-latest' : 'mail' },
        h('div', { class: 'mail-meta' },
          h('span', { class: 'mail-kind' }, message.kind === 'sms' ? 'SMS' : 'Email'),
          h('span', { class: 'mail-to' }, `to ${message.to}`),
          h('time', { datetime: message.receivedAt }, time)),
        h('p', { class: 'mail-subject' }, message.subject),
        h('p', { class: 'mail-text' }, message.text.trim()))
    }))
  }
  render(first)

  const poll = () => {
    load().then((messages) => { if (messages) render(messages) }, () => {}) // a restarting server: try again next time
      .finally(() => window.setTimeout(poll, POLL_MS))
  }
  window.setTimeout(poll, POLL_MS)

  return {
    clockControl () {
      const status = h('span', { class: 'dev-strip-status', role: 'status' })
      const button = h('button', { type: 'button', class: 'link' }, `Move the step-up clock ${CLOCK_STEP_MINUTES} minutes ahead`)
      button.addEventListener('click', async () => {
        button.disabled = true
        try {
          const response = await fetch('/dev/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes: CLOCK_STEP_MINUTES }) })
          if (!response.ok) throw new Error(`HTTP ${response.status}`)
          const { offsetMinutes } = await response.json() as { offsetMinutes: number }
          status.textContent = 'Done: this code has now expired. Enter it to see what happens.'
          clockStatus.textContent = `Step-up clock: ${offsetMinutes} minutes ahead of real time.`
        } catch {
          status.textContent = 'The clock could not be moved.'
        } finally {
          button.disabled = false
        }
      })
      return h('div', { class: 'dev-strip' },
        h('span', { class: 'dev-tag' }, 'dev mode'),
        h('span', {}, 'Codes live 5 minutes. To try an expired one: ', button, '.'),
        status)
    }
  }
}
