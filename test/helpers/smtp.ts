// A real SMTP server on loopback; each message is parsed back with mailparser so tests read the
// code the way a user would.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Mailbox {
  url: string
  port: number
  messages: ParsedMail[]
  /** The SMTP envelope of each message in `messages` (same order): who the server was told to deliver to. */
  envelopes: Envelope[]
  /** Resolves with the next message to arrive (or one that arrived and was not taken yet). */
  next (): Promise<ParsedMail>
  /** While true, the server refuses every message with a 550. */
  refuse: boolean
  /** SMTP connections open now: a pooled transport keeps one open between messages. */
  connections: number
  /** Whether every connection has closed within `ms` (true at once if none is open). */
  idleWithin (ms: number): Promise<boolean>
  close (): Promise<void>
}

/** MAIL FROM and every RCPT TO of a message, as the server received them. */
export interface Envelope {
  from: string | undefined
  to: string[]
}

export async function startMailbox (): Promise<Mailbox> {
  const messages: ParsedMail[] = []
  const envelopes: Envelope[] = []
  const waiting: Array<(mail: ParsedMail) => void> = []
  const open = new Set<string>()
  const idle: Array<() => void> = []
  let taken = 0
  const mailbox: Mailbox = {
    url: '',
    port: 0,
    messages,
    envelopes,
    refuse: false,
    get connections () { return open.size },
    idleWithin (ms) {
      if (open.size === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        // Only a deadline for the failing case: a connection that closes resolves this at once.
        const timer = setTimeout(() => resolve(false), ms)
        idle.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
      })
    },
    next () {
      if (taken < messages.length) return Promise.resolve(messages[taken++]!)
      return new Promise((resolve) => waiting.push(resolve))
    },
    async close () {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect (session, callback) {
      open.add(session.id)
      callback()
    },
    onClose (session) {
      open.delete(session.id)
      if (open.size === 0) for (const resolve of idle.splice(0)) resolve()
    },
    onData (stream, session, callback) {
      const { mailFrom, rcptTo } = session.envelope
      simpleParser(stream).then((mail) => {
        if (mailbox.refuse) {
          callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }))
          return
        }
        envelopes.push({ from: mailFrom ? mailFrom.address : undefined, to: rcptTo.map(({ address }) => address) })
        messages.push(mail)
        const resolve = waiting.shift()
        if (resolve) {
          taken++
          resolve(mail)
        }
        callback()
      }, callback)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  mailbox.port = (server.server.address() as AddressInfo).port
  mailbox.url = `smtp://127.0.0.1:${mailbox.port}`
  return mailbox
}

/** The code in a step-up email. */
export function codeIn (mail: ParsedMail): string {
  const match = /code is (\d+)/.exec(mail.text ?? '')
  if (!match) throw new Error(`no code in message: ${mail.text}`)
  return match[1]!
}
