// Email through nodemailer: the app hands us a transporter (or SMTP options) and a sender address.
import type { Transporter } from 'nodemailer'
import { oneEmailAddress } from '../address.js'
import type { EmailOptions, EmailTemplateContext } from '../methods/email/options.js'
import { requireOptional, type OptionalDependency } from '../optional.js'

// Loaded only to build an SMTP transport from options or a URL: an app without email codes, or one
// that hands in its own transporter (any object with sendMail), never loads it. It is required, not
// imported, because setup is synchronous: a missing or broken nodemailer fails at startup.
const NODEMAILER: OptionalDependency = { name: 'nodemailer', need: 'nodemailer to send email codes over SMTP' }

export interface EmailSender {
  send (to: string, ctx: EmailTemplateContext): Promise<void>
  /** Closes the transport if the plugin created it; an app's own transporter is left alone. */
  close (): void
}

function isTransporter (transport: EmailOptions['transport']): transport is Transporter {
  return typeof transport === 'object' && typeof (transport as Transporter).sendMail === 'function'
}

const defaultSubject = 'Your verification code'

function defaultText ({ code, expiresInMinutes, action }: EmailTemplateContext): string {
  return [
    `Your verification code is ${code}`,
    '',
    // What you see is what you sign: the mail says what the code approves.
    ...(action ? [`It approves: ${action.name}${action.data === undefined ? '' : ` ${JSON.stringify(action.data)}`}`, ''] : []),
    `It expires in ${expiresInMinutes} minute${expiresInMinutes === 1 ? '' : 's'} and works once.`,
    'If you did not ask for it, someone may be using your account: change your password.'
  ].join('\n')
}

export function createEmailSender (options: EmailOptions): EmailSender {
  const owned = !isTransporter(options.transport)
  const transporter: Transporter = isTransporter(options.transport)
    ? options.transport
    : requireOptional<typeof import('nodemailer')>(NODEMAILER).createTransport(options.transport)
  return {
    async send (to, ctx) {
      // Exactly one recipient, whatever the caller hands in: an address list or header text is
      // refused here too, and the To header gets the address as an object, not a string to parse.
      const address = oneEmailAddress(to)
      if (address === undefined) throw new TypeError('A code is sent to exactly one plain email address')
      const subject = typeof options.subject === 'function' ? options.subject(ctx) : options.subject ?? defaultSubject
      await transporter.sendMail({
        from: options.from,
        to: { name: '', address },
        // An explicit SMTP envelope, so no header decides who receives the mail: RCPT TO is this
        // one address (which nodemailer parses as exactly itself, see test/destinations.test.ts),
        // MAIL FROM the address in `from` (nodemailer takes it out of 'Security <a@x.test>').
        envelope: { from: options.from, to: address },
        subject,
        text: (options.text ?? defaultText)(ctx),
        ...(options.html ? { html: options.html(ctx) } : {})
      })
    },
    close () {
      if (owned) transporter.close()
    }
  }
}
