// The HTML of every mail the plugin writes, made from its text: the catalog words each mail once,
// and the HTML follows, in every language. A plain layout that common clients render alike:
// tables and inline styles (no style sheet, which some clients drop), no images, nothing remote.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe to place in HTML, in an element or in a quoted attribute. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!)
}

const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
const CODE = 'display:inline-block;padding:4px 12px;border-radius:6px;background:#f0f2f5;font-family:Consolas, Menlo, monospace;font-size:28px;font-weight:700;letter-spacing:4px;color:#1f2328'

export interface HtmlMail {
  /** The language tag the text is written in (`lang` of the page). */
  locale: string
  /** The subject, shown as the heading. */
  subject: string
  /** The text of the mail: paragraphs apart by a blank line, lines by a line break. */
  text: string
  /** A one-time code to set apart where it appears (digits only; anything else is left as text). */
  code?: string | undefined
}

/** The HTML twin of a text mail: every character of the text escaped, the code shown large. */
export function htmlMail ({ locale, subject, text, code }: HtmlMail): string {
  const paragraphs = text.split(/\n{2,}/).filter((paragraph) => paragraph.trim() !== '').map((paragraph) => {
    let html = paragraph.split('\n').map(escapeHtml).join('<br>')
    // Only digits are set apart: the code is matched in escaped text, where digits stay as they are.
    if (code !== undefined && /^\d{4,12}$/.test(code)) html = html.replaceAll(code, `<span style="${CODE}">${code}</span>`)
    return `<p style="margin:0 0 16px">${html}</p>`
  })
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(locale)}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #e3e5e8;border-radius:8px">',
    `<tr><td style="padding:28px 32px;font-family:${FONT};font-size:16px;line-height:1.5;color:#1f2328">`,
    `<h1 style="margin:0 0 20px;font-size:20px;line-height:1.3">${escapeHtml(subject)}</h1>`,
    ...paragraphs,
    '</td></tr></table>',
    '</td></tr></table>',
    '</body>',
    '</html>'
  ].join('\n')
}
