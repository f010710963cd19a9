// The "Send money" page: a payment form whose POST needs a step-up for exactly this payment. The
// dialog is opened with the payment as the step-up's action, so the code or passkey it asks for
// approves this amount, currency and payee only, and the server words what the person sees.
import { createStepUpFetch, readStepUpChallenge, type StepUpActionInput, type StepUpChallenge } from 'fastify-step-up/client'
import type { StepUpDialog } from './dialog.js'
import { byId } from './dom.js'
import { reasons } from './texts.js'

interface Paid {
  id: string
  amount: string
  currency: string
  payee: string
  approvedAt: string
}

/** "120" or "120.5" or "1,200.00" as the route takes it: digits, a dot, two decimals; undefined when it is no amount. */
export function normalAmount (typed: string): string | undefined {
  const plain = typed.trim().replace(/[\s,]/g, '')
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(plain) || Number(plain) === 0) return undefined
  return Number(plain).toFixed(2)
}

export class PaymentPage {
  readonly #dialog: StepUpDialog
  readonly #authorization: () => Record<string, string>
  readonly #onSignedOut: () => void
  readonly #form = byId('payment-form', HTMLFormElement)
  readonly #error = byId('payment-error', HTMLParagraphElement)
  readonly #submit = byId('payment-submit', HTMLButtonElement)
  readonly #receipt = byId('payment-receipt', HTMLDivElement)

  constructor (dialog: StepUpDialog, authorization: () => Record<string, string>, onSignedOut: () => void) {
    this.#dialog = dialog
    this.#authorization = authorization
    this.#onSignedOut = onSignedOut
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.#pay()
    })
  }

  /** Shown: a fresh form. */
  open (): void {
    this.#showError()
    this.#receipt.hidden = true
    byId('payments-title', HTMLElement).focus()
  }

  async #pay (): Promise<void> {
    this.#showError()
    this.#receipt.hidden = true
    const amountInput = byId('payment-amount', HTMLInputElement)
    const payeeInput = byId('payment-payee', HTMLInputElement)
    const amount = normalAmount(amountInput.value)
    const payee = payeeInput.value.trim()
    if (amount === undefined) return this.#invalid('Enter an amount, for example 120.00.', amountInput)
    if (payee === '') return this.#invalid('Enter who to pay.', payeeInput)
    const payment = { amount, currency: byId('payment-currency', HTMLSelectElement).value, payee }
    const action: StepUpActionInput = { name: 'payment', data: payment }
    let steppedUp = false
    // No token goes with the first try: each payment gets its own step-up, and its token pays once.
    const stepUpFetch = createStepUpFetch({
      prompt: async (challenge: StepUpChallenge) => {
        // The page does not echo the payee itself: what the person approves is the server's summary,
        // cleaned of control and bidi characters, which the dialog shows once a code is sent or a passkey asked.
        const token = await this.#dialog.run(challenge, reasons.payment, action)
        steppedUp = token !== null
        return token
      }
    })
    this.#submit.disabled = true
    try {
      const response = await stepUpFetch('/payments', {
        method: 'POST',
        headers: { ...this.#authorization(), 'content-type': 'application/json' },
        body: JSON.stringify(payment)
      })
      if (response.ok) return this.#paid(await response.json() as Paid)
      if (await readStepUpChallenge(response)) {
        this.#showError(steppedUp ? 'That approval does not cover this payment. Nothing was paid.' : 'You did not approve the payment, so nothing was paid.')
      } else if (response.status === 401) {
        this.#onSignedOut()
      } else {
        this.#showError(`The payment was not made (HTTP ${response.status}). Check it and try again.`)
      }
    } catch {
      this.#showError('The server could not be reached. Nothing was paid.')
    } finally {
      this.#submit.disabled = false
    }
  }

  #paid (paid: Paid): void {
    byId('payment-receipt-text', HTMLParagraphElement).textContent =
      `${paid.amount} ${paid.currency} sent to ${paid.payee}. Approved at ${new Date(paid.approvedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.`
    this.#receipt.hidden = false
    this.#receipt.focus()
  }

  #invalid (message: string, input: HTMLInputElement): void {
    this.#showError(message)
    input.focus()
  }

  #showError (message?: string): void {
    this.#error.textContent = message ?? ''
    this.#error.hidden = message === undefined
  }
}
