// The `email` option: who sends the codes, through which transport, and what the mail says.
import type { Transporter } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import { FST_STEP_UP_OPTION_INVALID } from '../../errors.js'
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod, codeMode } from '../option-checks.js'

export interface EmailTemplateContext {
  code: string
  /** The action the code confirms, with its key fields, so the mail can say what is being approved. */
  action?: { name: string, data?: unknown }
  /**
   * For a step-up for an action: what the user approves, as plain text (control and invisible
   * characters taken out, at most 200 characters). Put it in the text; in HTML use `summaryHtml`.
   */
  summary?: string
  /** `summary`, escaped for HTML (element content or a quoted attribute): what an `html` template shows. */
  summaryHtml?: string
  /** Whole minutes the code stays valid. */
  expiresInMinutes: number
  /** The user the code is for. */
  user: StepUpUser
  /** The language the default subject, text and HTML are written in (`fr`): a custom template can follow it. */
  locale: string
}

export interface EmailOptions {
  /**
   * `'profile'` (default): any verified address on the profile can receive a code (the reference's
   * "email OTP without MFA"). `'mfa'`: only users with `factors.email` enrolled may use email.
   */
  mode?: 'profile' | 'mfa'
  /** The sender address. */
  from: string
  /** A nodemailer transporter, or options/URL for nodemailer's SMTP transport. */
  transport: Transporter | SMTPTransport.Options | string
  subject?: string | ((ctx: EmailTemplateContext) => string)
  text?: (ctx: EmailTemplateContext) => string
  html?: (ctx: EmailTemplateContext) => string
}

/** The plugin option that turns email codes on. */
export interface EmailOption {
  /** Email one-time codes. Omit or pass false to turn email off. */
  email?: EmailOptions | false
}

// `transport` is nodemailer's (a transporter, or SMTP options): its keys are not ours to check.
const EMAIL_KEYS = keysOf<EmailOptions>({ mode: true, from: true, transport: true, subject: true, text: true, html: true })

export function resolveEmailOptions (value: EmailOptions | false | undefined): EmailOptions | undefined {
  const email = checkMethod('email', value, EMAIL_KEYS, [])
  if (email === undefined) return undefined
  if (typeof email.from !== 'string' || email.from.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('email.from', 'must be the sender address')
  }
  if (email.transport === undefined || email.transport === null) {
    throw new FST_STEP_UP_OPTION_INVALID('email.transport', 'must be a nodemailer transporter, SMTP options or an SMTP URL')
  }
  return { ...email, mode: codeMode('email', email.mode) }
}
