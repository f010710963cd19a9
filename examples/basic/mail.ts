// Where step-up emails go: a real SMTP server when SMTP_URL is set, else this console.
import nodemailer, { type Transport, type Transporter } from 'nodemailer'

/**
 * A nodemailer transport that prints each message instead of sending it, so the demo runs with no
 * mail server. Dev only: anyone who can read the console can read the codes.
 */
const consoleTransport: Transport = {
  name: 'dev-console',
  version: '1.0.0',
  send (mail, callback) {
    const { to, subject, text } = mail.data
    console.log([
      '',
      '========== DEV-ONLY MAIL: printed here, not sent (set SMTP_URL to send real mail) ==========',
      `To:      ${String(to)}`,
      `Subject: ${subject ?? ''}`,
      '',
      String(text ?? ''),
      '========== end of mail ==========',
      ''
    ].join('\n'))
    callback(null, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() })
  }
}

export function createMailer (smtpUrl: string | undefined): Transporter {
  if (!smtpUrl) return nodemailer.createTransport(consoleTransport)
  // A mail catcher on loopback (MailHog, smtp4dev, ...) often offers STARTTLS with a certificate
  // nobody trusts, and nothing leaves the machine anyway: skip TLS there. Anywhere else, use it.
  const { hostname } = new URL(smtpUrl)
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(hostname)
  return nodemailer.createTransport({ url: smtpUrl, ignoreTLS: loopback })
}
