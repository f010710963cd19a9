// Email through nodemailer: the app hands us a transporter (or SMTP options) and a sender address.
import type { Transporter } from 'nodemailer'
import { oneEmailAddress } from '../address.js'
import { randomId } from '../core/secrets.js'
import type { EmailOptions, EmailTemplateContext } from '../methods/email/options.js'
import type { Translator } from '../i18n/translator.js'
import { renderCodeMail } from '../mail/code.js'
import { requireOptional, type OptionalDependency } from '../optional.js'

// Loaded only to build an SMTP transport from options or a URL: an app without email codes, or one
// that hands in its own transporter (any object with sendMail), never loads it. It is required, not
// imported, because setup is synchronous: a missing or broken nodemailer fails at startup.
const NODEMAILER: OptionalDependency = { name: 'nodemailer', need: 'nodemailer to send email codes over SMTP' }

/** A whole mail: its subject, text and HTML. */
export interface Mail {
  subject: string
  text: string
  html: string
}

export interface EmailSender {
  /** A code mail, worded by the templates (the app's, else the catalogs'). */
  send (to: string, ctx: EmailTemplateContext): Promise<void>
  /** A mail already worded (a security notification), from the same sender, to one address. */
  sendMail (to: string, mail: Mail): Promise<void>
  /** Closes the transport if the plugin created it; an app's own transporter is left alone. */
  close (): void
}

/** The domain of a Message-ID: the sender's, as nodemailer would take it, else `localhost`. */
export function messageIdDomain (from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1]
  return domain ?? 'localhost'
}

function isTransporter (transport: EmailOptions['transport']): transport is Transporter {
  return typeof transport === 'object' && typeof (transport as Transporter).sendMail === 'function'
}

/**
 * The subject and text default to the catalogs' `code.subject` and `code.text` in the user's
 * language (the text says what the code approves, and that it approves nothing else: what you see
 * is what you sign). The HTML defaults to the text's twin (lib/mail/html.ts): a custom text gets one too.
 */
export function createEmailSender (options: EmailOptions, texts: Translator): EmailSender {
  const owned = !isTransporter(options.transport)
  const transporter: Transporter = isTransporter(options.transport)
    ? options.transport
    : requireOptional<typeof import('nodemailer')>(NODEMAILER).createTransport(options.transport)
  const idDomain = messageIdDomain(options.from)
  /** One mail to exactly one recipient, whatever the caller hands in. */
  async function sendMail (to: string, mail: Mail): Promise<void> {
    // An address list or header text is refused here too, and the To header gets the address as
    // an object, not a string to parse.
    const address = oneEmailAddress(to)
    if (address === undefined) throw new TypeError('A mail is sent to exactly one plain email address')
    await transporter.sendMail({
      from: options.from,
      to: { name: '', address },
      // An explicit SMTP envelope, so no header decides who receives the mail: RCPT TO is this
      // one address (which nodemailer parses as exactly itself, see test/destinations.test.ts),
      // MAIL FROM the address in `from` (nodemailer takes it out of 'Security <a@x.test>').
      envelope: { from: options.from, to: address },
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      // Random parts from the plugin's pooled CSPRNG: nodemailer would draw its own with seven calls
      // to randomBytes per mail (five for the Message-ID, one per MIME part), a tenth of the CPU of
      // a whole send-and-verify cycle.
      messageId: `<${randomId()}@${idDomain}>`,
      baseBoundary: randomId()
    })
  }
  return {
    async send (to, ctx) {
      const mail = renderCodeMail(texts, ctx.locale, { code: ctx.code, minutes: ctx.expiresInMinutes, summary: ctx.summary }, {
        subject: typeof options.subject === 'function' ? options.subject(ctx) : options.subject,
        text: options.text?.(ctx)
      })
      await sendMail(to, { ...mail, html: options.html ? options.html(ctx) : mail.html })
    },
    sendMail,
    close () {
      if (owned) transporter.close()
    }
  }
}
