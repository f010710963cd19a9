// The web demo's developer tools, on only with --dev: an inbox that catches the app's mail on a
// local SMTP server (and its text messages), shown in a panel on the page, and a step-up clock that
// can be moved forward, so an expired code can be tried without waiting five minutes. Whoever can
// open these routes reads every code, so server.ts allows --dev on loopback only.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Clock, SmsMessage } from 'fastify-step-up'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface CaughtMessage {
  id: number
  kind: 'email' | 'sms'
  to: string
  subject: string
  text: string
  /** ISO 8601, real time (not the step-up clock). */
  receivedAt: string
}

/** The newest messages, newest first; old ones drop out so a long session stays small. */
export class DevInbox {
  static readonly KEEP = 50
  readonly #messages: CaughtMessage[] = []
  #nextId = 1

  add (message: Omit<CaughtMessage, 'id' | 'receivedAt'>): void {
    this.#messages.unshift({ id: this.#nextId++, receivedAt: new Date().toISOString(), ...message })
    this.#messages.length = Math.min(this.#messages.length, DevInbox.KEEP)
  }

  list (): CaughtMessage[] {
    return [...this.#messages]
  }

  /** The demo's SMS gateway in dev mode: the text goes to the inbox instead of a phone. */
  readonly sendSms = async ({ to, text }: SmsMessage): Promise<void> => {
    this.add({ kind: 'sms', to, subject: 'Text message', text })
  }
}

/** A real SMTP server on loopback that puts every message it accepts in the inbox. */
export async function startDevSmtp (inbox: DevInbox): Promise<{ url: string, close: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 256 * 1024,
    onData (stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        const to = [mail.to ?? []].flat().map((address) => address.text).join(', ')
        inbox.add({ kind: 'email', to, subject: mail.subject ?? '', text: mail.text ?? '' })
        callback()
      }, callback)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Real time plus an offset that only moves forward: the step-up plugin's clock in dev mode. */
export class DevClock implements Clock {
  #offsetMs = 0

  now (): number {
    return Date.now() + this.#offsetMs
  }

  advance (ms: number): void {
    this.#offsetMs += ms
  }

  get offsetMs (): number {
    return this.#offsetMs
  }
}

/** GET /dev/mailbox and POST /dev/clock. */
export function registerDevTools (app: FastifyInstance, { inbox, clock }: { inbox: DevInbox, clock: DevClock }): void {
  // The page polls this every few seconds: a log line per poll would bury every other line.
  app.get('/dev/mailbox', { logLevel: 'silent' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { messages: inbox.list() }
  })

  app.post<{ Body: { minutes: number } }>('/dev/clock', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['minutes'],
        properties: { minutes: { type: 'integer', minimum: 1, maximum: 60 } }
      }
    }
  }, async (request) => {
    clock.advance(request.body.minutes * 60_000)
    request.log.warn({ offsetMs: clock.offsetMs }, 'dev clock moved forward: step-up now runs ahead of real time')
    return { offsetMinutes: clock.offsetMs / 60_000 }
  })
}
