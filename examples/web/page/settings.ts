// The "Security settings" page: the signed-in user's factors (GET /step-up/factors), and the changes
// the plugin's factor routes make: an authenticator app (QR code and manual key, then its first
// code), a passkey (navigator.credentials.create()), new backup codes (shown once), a PIN, and a
// removal. Every change needs a fresh step-up: the client sends it, and when the server refuses
// with a step-up challenge its prompt opens the dialog and the change is sent again with the token.
import { registerPasskeyFactor, StepUpClientError, type FactorListing, type FactorSummary, type StepUpClient } from 'fastify-step-up/client'
import { byId, h } from './dom.js'
import { errorMessage } from './messages.js'

const KIND_NAMES: Record<FactorSummary['kind'], string> = {
  totp: 'Authenticator app',
  passkey: 'Passkey',
  'backup-codes': 'Backup codes',
  pin: 'PIN'
}

const day = (iso: string) => new Date(iso).toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' })

/** What a factor line says under its name. */
function details (factor: FactorSummary): string {
  const parts = [KIND_NAMES[factor.kind], `added ${day(factor.createdAt)}`]
  if (factor.remaining !== undefined) parts.push(`${factor.remaining} code${factor.remaining === 1 ? '' : 's'} left`)
  if (factor.deviceType) parts.push(factor.deviceType === 'multiDevice' ? 'synced' : 'this device only')
  parts.push(factor.lastUsedAt ? `last used ${day(factor.lastUsedAt)}` : 'never used')
  return parts.join(' · ')
}

/** What to say when a change did not go through. */
function refusal (err: unknown, passkey = false): string {
  if (err instanceof StepUpClientError && err.statusCode === 401 && err.code !== 'FST_STEP_UP_UNAUTHENTICATED') {
    return 'You did not confirm it\'s you, so nothing changed.'
  }
  if (err instanceof StepUpClientError) {
    switch (err.code) {
      case 'FST_STEP_UP_FACTOR_LIMIT': return 'You have as many of these as an account may have. Remove one first.'
      case 'FST_STEP_UP_FACTOR_BUSY': return 'Another change is in progress. Try again in a moment.'
      case 'FST_STEP_UP_FACTOR_NOT_FOUND': return 'That was removed already.'
      case 'FST_STEP_UP_CREDENTIAL_INVALID': return 'That PIN is too easy to guess (a repeated digit or a run). Choose another.'
      default: return errorMessage(err).text
    }
  }
  if (passkey && err instanceof Error && err.name === 'InvalidStateError') return 'This device already has a passkey for your account.'
  if (passkey && err instanceof Error && err.name === 'NotAllowedError') return 'The passkey prompt was cancelled or timed out.'
  return errorMessage(err, passkey ? 'passkey' : undefined).text
}

export class SecuritySettings {
  readonly #client: StepUpClient
  readonly #list = byId('factor-list', HTMLUListElement)
  readonly #status = byId('factors-status', HTMLParagraphElement)
  readonly #error = byId('factors-error', HTMLParagraphElement)
  readonly #totpPanel = byId('totp-enrol', HTMLDivElement)
  readonly #totpForm = byId('totp-form', HTMLFormElement)
  readonly #codesPanel = byId('backup-codes-new', HTMLDivElement)
  readonly #pinForm = byId('pin-form', HTMLFormElement)
  #listing: FactorListing | undefined

  constructor (client: StepUpClient) {
    this.#client = client
    byId('add-totp', HTMLButtonElement).addEventListener('click', (event) => { this.#startTotp(event.currentTarget as HTMLButtonElement) })
    byId('totp-cancel', HTMLButtonElement).addEventListener('click', () => { this.#totpPanel.hidden = true })
    this.#totpForm.addEventListener('submit', (event) => {
      event.preventDefault()
      this.#confirmTotp()
    })
    byId('add-passkey', HTMLButtonElement).addEventListener('click', (event) => { this.#addPasskey(event.currentTarget as HTMLButtonElement) })
    byId('renew-backup-codes', HTMLButtonElement).addEventListener('click', (event) => { this.#renewBackupCodes(event.currentTarget as HTMLButtonElement) })
    this.#pinForm.addEventListener('submit', (event) => {
      event.preventDefault()
      this.#setPin()
    })
  }

  /** Shows the page afresh: no enrollment half done, no codes from before. */
  async open (): Promise<void> {
    this.#totpPanel.hidden = true
    this.#codesPanel.hidden = true
    this.#say()
    await this.#load()
  }

  #say (status?: string, error?: string): void {
    this.#status.hidden = status === undefined
    this.#status.textContent = status ?? ''
    this.#error.hidden = error === undefined
    this.#error.textContent = error ?? ''
  }

  async #load (): Promise<void> {
    try {
      this.#listing = await this.#client.listFactors()
    } catch (err) {
      this.#say(undefined, refusal(err))
      return
    }
    const { factors, kinds } = this.#listing
    this.#list.replaceChildren(...factors.map((factor) => {
      const remove = h('button', { type: 'button', class: 'button button-small', 'aria-label': `Remove ${factor.label}` }, 'Remove')
      remove.addEventListener('click', () => { this.#remove(factor, remove) })
      // Labels are the user's text: they go in as text, never as HTML.
      return h('li', { class: 'factor', 'data-kind': factor.kind },
        h('span', { class: `factor-icon factor-${factor.kind}`, 'aria-hidden': 'true' }),
        h('span', { class: 'doc-text' }, h('strong', {}, factor.label), h('span', { class: 'muted small' }, details(factor))),
        remove)
    }))
    if (factors.length === 0) this.#list.replaceChildren(h('li', { class: 'factor muted' }, 'No sign-in methods yet.'))
    const has = (kind: FactorSummary['kind']) => kinds.find((entry) => entry.kind === kind)
    const room = (kind: FactorSummary['kind']) => (has(kind)?.max ?? 0) > factors.filter((factor) => factor.kind === kind).length
    byId('add-totp', HTMLButtonElement).hidden = !room('totp')
    byId('add-passkey', HTMLButtonElement).hidden = !room('passkey') || !window.PublicKeyCredential
    byId('renew-backup-codes', HTMLButtonElement).hidden = !has('backup-codes')
    byId('renew-backup-codes', HTMLButtonElement).textContent = factors.some((factor) => factor.kind === 'backup-codes') ? 'New backup codes' : 'Get backup codes'
    this.#pinForm.hidden = !has('pin')
    byId('pin-submit', HTMLButtonElement).textContent = factors.some((factor) => factor.kind === 'pin') ? 'Change PIN' : 'Set PIN'
  }

  /** Runs one change with its button disabled; says what happened and lists the factors again. */
  async #change (button: HTMLButtonElement, work: () => Promise<string>, passkey = false): Promise<boolean> {
    button.disabled = true
    this.#say()
    try {
      const done = await work()
      await this.#load()
      this.#say(done)
      return true
    } catch (err) {
      this.#say(undefined, refusal(err, passkey))
      return false
    } finally {
      button.disabled = false
    }
  }

  async #startTotp (button: HTMLButtonElement): Promise<void> {
    button.disabled = true
    this.#say()
    try {
      // Starting changes nothing, so it needs no step-up; the confirm does.
      const started = await this.#client.startTotp()
      byId('totp-qr', HTMLImageElement).src = started.qrCode
      byId('totp-key', HTMLElement).textContent = started.manualEntryKey
      byId('totp-code', HTMLInputElement).value = ''
      byId('totp-label', HTMLInputElement).value = 'My phone'
      this.#totpPanel.hidden = false
      byId('totp-code', HTMLInputElement).focus()
    } catch (err) {
      this.#say(undefined, refusal(err))
    } finally {
      button.disabled = false
    }
  }

  async #confirmTotp (): Promise<void> {
    const code = byId('totp-code', HTMLInputElement).value.replace(/\s/g, '')
    const label = byId('totp-label', HTMLInputElement).value.trim()
    const button = byId('totp-submit', HTMLButtonElement)
    const saved = await this.#change(button, async () => {
      const { factor } = await this.#client.confirmTotp({ code, ...(label ? { label } : {}) })
      return `Authenticator app “${factor.label}” added. Its codes work from now on.`
    })
    if (saved) this.#totpPanel.hidden = true
    else byId('totp-code', HTMLInputElement).select()
  }

  #addPasskey (button: HTMLButtonElement): Promise<boolean> {
    return this.#change(button, async () => {
      const { factor } = await registerPasskeyFactor(this.#client)
      return `Passkey “${factor.label}” added. You can use it to confirm it's you.`
    }, true)
  }

  #renewBackupCodes (button: HTMLButtonElement): Promise<boolean> {
    this.#codesPanel.hidden = true
    return this.#change(button, async () => {
      const { codes } = await this.#client.renewBackupCodes()
      byId('backup-code-list', HTMLOListElement).replaceChildren(...codes.map((code) => h('li', {}, h('code', {}, code))))
      this.#codesPanel.hidden = false
      return 'New backup codes made: the old ones no longer work.'
    })
  }

  async #setPin (): Promise<void> {
    const input = byId('new-pin', HTMLInputElement)
    const pin = input.value.trim()
    if (!/^\d{4,12}$/.test(pin)) {
      this.#say(undefined, 'A PIN is 4 to 12 digits.')
      input.focus()
      return
    }
    const saved = await this.#change(byId('pin-submit', HTMLButtonElement), async () => {
      await this.#client.setPin(pin)
      return 'PIN saved.'
    })
    if (saved) input.value = ''
  }

  #remove (factor: FactorSummary, button: HTMLButtonElement): Promise<boolean> {
    return this.#change(button, async () => {
      await this.#client.removeFactor(factor.id)
      return `“${factor.label}” removed. It no longer works to confirm it's you.`
    })
  }
}
