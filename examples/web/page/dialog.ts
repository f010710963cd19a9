// The step-up dialog: a modal <dialog> that lists the methods this user has, sends a code, asks
// for the credential or runs the passkey ceremony, checks it, and gives the token back to
// fastify-step-up/client's fetch, which then retries the request. Keyboard: focus moves into the dialog, Enter submits each step,
// Escape cancels, and focus goes back where it was when the dialog closes. For a step-up for an
// action (a payment), every call names the action, and the dialog shows what the person approves as
// the server words it (the send reply's summary, or the passkey options'), as text.
import {
  runPasskeyCeremony,
  type AvailableMethod,
  type CodeMethodName,
  type CredentialMethodName,
  type FieldMethodName,
  type StepUpActionInput,
  type StepUpChallenge,
  type StepUpClient,
  type StepUpMethodName
} from 'fastify-step-up/client'
import type { DevTools } from './dev-panel.js'
import { byId, h } from './dom.js'
import { clock, errorMessage, inWords } from './messages.js'
import { texts } from './texts.js'

/** The methods this dialog can run: all of them (a passkey only where the browser has WebAuthn). */
type DialogMethod = StepUpMethodName

const METHODS: Record<DialogMethod, { label: string, hint: string }> = texts.method

/** How each credential method asks: one field, or one per question. */
const CREDENTIAL_FIELDS: Record<FieldMethodName, { label: string, attributes: Record<string, string> }> = {
  password: { label: texts.field.password, attributes: { type: 'password', autocomplete: 'current-password' } },
  pin: { label: texts.field.pin, attributes: { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '12' } },
  totp: { label: texts.field.totp, attributes: { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '8' } },
  'backup-code': { label: texts.field['backup-code'], attributes: { autocomplete: 'off', autocapitalize: 'characters', maxlength: '16' } }
}

const isCodeMethod = (method: StepUpMethodName): method is CodeMethodName => method === 'email' || method === 'sms'
const isDialogMethod = (method: StepUpMethodName): method is DialogMethod =>
  Object.hasOwn(METHODS, method) && (method !== 'passkey' || typeof window.PublicKeyCredential === 'function')

type Step =
  | { kind: 'choose' }
  | { kind: 'code', method: CodeMethodName, destinationId: string, challengeId: string, destination: string }
  | { kind: 'credential', method: CredentialMethodName }

export class StepUpDialog {
  readonly #client: StepUpClient
  readonly #dialog = byId('step-up', HTMLDialogElement)
  readonly #form = byId('step-up-form', HTMLFormElement)
  readonly #reason = byId('step-up-reason', HTMLParagraphElement)
  readonly #transaction = byId('step-up-transaction', HTMLDivElement)
  readonly #summary = byId('step-up-summary', HTMLElement)
  /** The action this step-up is for (a payment), sent with every call; undefined for a plain step-up. */
  #action: StepUpActionInput | undefined
  readonly #body = byId('step-up-body', HTMLDivElement)
  readonly #info = byId('step-up-info', HTMLParagraphElement)
  readonly #error = byId('step-up-error', HTMLParagraphElement)
  readonly #submit = byId('step-up-submit', HTMLButtonElement)
  #methods: AvailableMethod[] = []
  #step: Step = { kind: 'choose' }
  #result: string | null = null
  #settle: ((token: string | null) => void) | undefined
  #busy = false
  /** Counting down a 429: the button it holds, the label to give back, and the timer. */
  #wait: { button: HTMLButtonElement, label: string, timer: number } | undefined
  #returnFocus: Element | null = null
  /** Set in dev mode: the code step then offers to move the step-up clock, to try an expired code. */
  devTools: DevTools | undefined

  constructor (client: StepUpClient) {
    this.#client = client
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.#submitStep()
    })
    // The dialog speaks the browser's language (the demo's pages around it stay English).
    this.#dialog.lang = texts.locale
    byId('step-up-title', HTMLHeadingElement).textContent = texts.title
    this.#transaction.querySelector('.transaction-label')!.textContent = texts.approving
    const cancel = byId('step-up-cancel', HTMLButtonElement)
    cancel.textContent = texts.cancel
    cancel.addEventListener('click', () => this.#finish(null))
    // Escape closes a modal dialog by itself; every way of closing ends up here.
    this.#dialog.addEventListener('close', () => this.#closed())
    // Enter on a radio button or a select submits the step too, as it does in a text field.
    this.#form.addEventListener('keydown', (event) => {
      const target = event.target as HTMLElement
      if (event.key === 'Enter' && (target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.type === 'radio'))) {
        event.preventDefault()
        this.#form.requestSubmit()
      }
    })
  }

  /**
   * Runs one step-up, for `action` when given. Resolves with the token, or null when the person
   * cancels.
   */
  run (challenge: StepUpChallenge, reason: string, action?: StepUpActionInput): Promise<string | null> {
    if (this.#settle) return Promise.resolve(null) // one at a time
    this.#returnFocus = document.activeElement
    this.#result = null
    this.#action = action
    this.#reason.textContent = reason
    this.#showSummary()
    this.#showMessage()
    this.#body.replaceChildren(h('p', { class: 'muted' }, texts.loading))
    this.#setSubmit(null)
    this.#dialog.showModal()
    const settled = new Promise<string | null>((resolve) => { this.#settle = resolve })
    this.#load(challenge)
    return settled
  }

  async #load (challenge: StepUpChallenge): Promise<void> {
    try {
      const all = await this.#client.methods()
      // Only what the route accepts and this dialog can run, in the server's order.
      this.#methods = all.filter(({ method }) => isDialogMethod(method) && (challenge.methods.length === 0 || challenge.methods.includes(method)))
    } catch (err) {
      this.#body.replaceChildren()
      this.#showMessage(errorMessage(err).text)
      return
    }
    if (!this.#dialog.open) return // cancelled while loading
    if (this.#methods.length === 0) {
      this.#body.replaceChildren(h('p', {}, texts.noMethod))
      return
    }
    this.#choose()
  }

  #choose (preferred?: DialogMethod): void {
    this.#releaseResend()
    this.#step = { kind: 'choose' }
    const selected = this.#methods.find(({ method }) => method === preferred) ?? this.#methods[0]!
    const radios = this.#methods.map(({ method }) => method as DialogMethod).map((method) => {
      const radio = h('input', { type: 'radio', name: 'method', value: method, checked: method === selected.method })
      radio.addEventListener('change', () => this.#showDestinations(method))
      return h('label', { class: 'choice' }, radio, h('span', { class: 'choice-text' },
        h('span', { class: 'choice-label' }, METHODS[method].label),
        h('span', { class: 'choice-hint' }, METHODS[method].hint)))
    })
    this.#body.replaceChildren(
      h('fieldset', { class: 'choices' }, h('legend', {}, texts.chooseHow), ...radios),
      h('div', { class: 'field', id: 'destination-field', hidden: true },
        h('label', { for: 'step-up-destination', id: 'destination-label' }, texts.sendTo('email')),
        h('select', { id: 'step-up-destination', name: 'destination' }))
    )
    this.#showDestinations(selected.method)
    radios[this.#methods.indexOf(selected)]!.querySelector('input')!.focus()
  }

  #showDestinations (method: StepUpMethodName): void {
    const field = byId('destination-field', HTMLDivElement)
    const select = byId('step-up-destination', HTMLSelectElement)
    const destinations = this.#methods.find((m) => m.method === method)?.destinations ?? []
    field.hidden = !isCodeMethod(method)
    this.#setSubmit(method === 'passkey' ? texts.usePasskey : texts.continue)
    byId('destination-label', HTMLLabelElement).textContent = texts.sendTo(method === 'sms' ? 'sms' : 'email')
    select.replaceChildren(...destinations.map(({ id, masked }) => h('option', { value: id }, masked)))
  }

  async #submitStep (): Promise<void> {
    if (this.#busy || this.#wait?.button === this.#submit) return
    const step = this.#step
    if (step.kind === 'choose') {
      const method = new FormData(this.#form).get('method') as DialogMethod | null
      if (!method) return
      if (method === 'passkey') {
        await this.#call(texts.waitingForPasskey, method, async () => {
          const action = this.#action
          // The browser's prompt says nothing of the payment: the dialog shows it while the prompt is up.
          this.#finish((await runPasskeyCeremony(this.#client, action ? { action, onSummary: (summary) => this.#showSummary(summary) } : {})).token)
        })
        return
      }
      if (!isCodeMethod(method)) {
        this.#credential(method)
        return
      }
      const destinationId = byId('step-up-destination', HTMLSelectElement).value
      await this.#call(texts.sending, method, async () => {
        const sent = await this.#client.send(method, { destinationId }, this.#action)
        this.#showSummary(sent.summary)
        this.#code({ kind: 'code', method, destinationId, challengeId: sent.challengeId, destination: sent.destination }, sent.expiresIn)
      })
      return
    }
    if (step.kind === 'code') {
      const input = byId('step-up-code', HTMLInputElement)
      const code = input.value.replace(/\s+/g, '')
      if (!/^\d{4,10}$/.test(code)) {
        this.#showMessage(texts.digitsOnly)
        input.focus()
        return
      }
      await this.#call(texts.checking, step.method, async () => {
        this.#finish((await this.#client.verify(step.method, step.challengeId, code, this.#action)).token)
      }, input)
      return
    }
    const method = step.method
    const data = new FormData(this.#form)
    const value = (name: string) => String(data.get(name) ?? '')
    const first = this.#body.querySelector('input')!
    if ([...this.#body.querySelectorAll('input')].some((input) => input.value.trim() === '')) {
      this.#showMessage(texts.fillEveryField)
      first.focus()
      return
    }
    const action = this.#action ? { action: this.#action } : {}
    await this.#call(texts.checking, method, async () => {
      const issued = method === 'security-questions'
        ? await this.#client.verifyCredential(method, {
          answers: (this.#methods.find((m) => m.method === method)?.questions ?? []).map(({ id }) => ({ questionId: id, answer: value(`answer-${id}`) })),
          ...action
        })
        : method === 'password'
          ? await this.#client.verifyCredential(method, { password: value('credential'), ...action })
          : method === 'pin'
            ? await this.#client.verifyCredential(method, { pin: value('credential'), ...action })
            : await this.#client.verifyCredential(method, { code: value('credential'), ...action })
      this.#finish(issued.token)
    }, first)
  }

  /** Runs one call with the submit button busy; a refusal becomes a message, and focus goes where the person can act on it. */
  async #call (busyLabel: string, method: StepUpMethodName, work: () => Promise<void>, input?: HTMLInputElement): Promise<void> {
    const label = this.#submit.textContent ?? ''
    this.#busy = true
    this.#form.setAttribute('aria-busy', 'true')
    this.#submit.textContent = busyLabel
    this.#showMessage()
    try {
      await work()
    } catch (err) {
      if (!this.#dialog.open) return
      const message = errorMessage(err, method)
      this.#showMessage(message.text)
      this.#error.scrollIntoView({ block: 'nearest' }) // a long list of methods can hide it below the fold
      const resend = document.getElementById('step-up-resend')
      if (message.retryAfter !== undefined) {
        // A lock stops every method: hold the submit button. A send limit or cooldown stops sending
        // only: hold the resend button when there is one (another method still works).
        if (message.locked) {
          this.#submit.textContent = label
          this.#holdFor(this.#submit, message.retryAfter)
        } else if (resend instanceof HTMLButtonElement) {
          this.#holdFor(resend, message.retryAfter)
        }
        return
      }
      if (message.signedOut) {
        this.#setSubmit(null) // nothing here can help: only Cancel, then sign in again
        byId('step-up-cancel', HTMLButtonElement).focus()
      } else if (message.needsNewCode && resend instanceof HTMLButtonElement) {
        resend.focus()
      } else if (input) {
        input.select()
        input.focus()
      }
    } finally {
      this.#busy = false
      this.#form.removeAttribute('aria-busy')
      if (this.#wait?.button !== this.#submit && this.#submit.textContent === busyLabel) this.#submit.textContent = label
    }
  }

  #code (step: Extract<Step, { kind: 'code' }>, expiresIn: number): void {
    this.#step = step
    const input = h('input', {
      id: 'step-up-code',
      name: 'code',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      maxlength: '10',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'step-up-sent'
    })
    const resend = h('button', { type: 'button', class: 'link', id: 'step-up-resend' }, texts.sendNewCode)
    resend.addEventListener('click', () => { this.#resend() })
    const back = h('button', { type: 'button', class: 'link', id: 'step-up-back' }, texts.chooseAnother)
    back.addEventListener('click', () => {
      this.#showMessage()
      this.#choose(step.method)
    })
    this.#body.replaceChildren(
      this.#sentText(step, expiresIn),
      h('div', { class: 'field' }, h('label', { for: 'step-up-code' }, texts.codeLabel), input),
      h('div', { class: 'links' }, resend, back),
      ...(this.devTools ? [this.devTools.clockControl()] : [])
    )
    this.#setSubmit(texts.verify)
    input.focus()
  }

  #sentText (step: Extract<Step, { kind: 'code' }>, expiresIn: number): HTMLElement {
    const { before, after } = texts.codeSent(step.method, inWords(expiresIn))
    return h('p', { id: 'step-up-sent' }, before, h('strong', {}, step.destination), after)
  }

  async #resend (): Promise<void> {
    const step = this.#step
    if (step.kind !== 'code' || this.#busy) return
    await this.#call(texts.sending, step.method, async () => {
      const sent = await this.#client.send(step.method, { destinationId: step.destinationId }, this.#action)
      this.#showSummary(sent.summary)
      this.#step = { ...step, challengeId: sent.challengeId }
      byId('step-up-sent', HTMLParagraphElement).replaceWith(this.#sentText(this.#step as typeof step, sent.expiresIn))
      const input = byId('step-up-code', HTMLInputElement)
      input.value = ''
      this.#body.querySelector('.dev-strip-status')?.replaceChildren()
      this.#showMessage(undefined, texts.newCodeSent(sent.destination))
      input.focus()
    })
  }

  #credential (method: CredentialMethodName): void {
    this.#releaseResend()
    this.#step = { kind: 'credential', method }
    const fields = method === 'security-questions'
      ? (this.#methods.find((m) => m.method === method)?.questions ?? []).map(({ id, question }) => h('div', { class: 'field' },
          h('label', { for: `answer-${id}` }, question),
          h('input', { id: `answer-${id}`, name: `answer-${id}`, autocomplete: 'off', maxlength: '256' })))
      : [h('div', { class: 'field' },
          h('label', { for: 'step-up-credential' }, CREDENTIAL_FIELDS[method].label),
          h('input', { id: 'step-up-credential', name: 'credential', spellcheck: 'false', ...CREDENTIAL_FIELDS[method].attributes }))]
    const back = h('button', { type: 'button', class: 'link' }, texts.chooseAnother)
    back.addEventListener('click', () => {
      this.#showMessage()
      this.#choose(method)
    })
    this.#body.replaceChildren(h('p', {}, METHODS[method].hint + '.'), ...fields, h('div', { class: 'links' }, back))
    this.#setSubmit(texts.verify)
    this.#body.querySelector('input')?.focus()
  }

  /** Shows the button with this label, or hides it (null). */
  #setSubmit (label: string | null): void {
    this.#submit.hidden = label === null
    if (label !== null && this.#wait?.button !== this.#submit) this.#submit.textContent = label
  }

  /** Disables a button for `seconds`, its label counting down, and gives it back afterwards. */
  #holdFor (button: HTMLButtonElement, seconds: number): void {
    this.#release()
    const label = button.textContent ?? ''
    const until = Date.now() + seconds * 1000
    const tick = () => {
      const left = (until - Date.now()) / 1000
      if (left <= 0) {
        this.#release()
        return
      }
      button.textContent = button === this.#submit ? texts.tryAgainIn(clock(left)) : texts.newCodeIn(clock(left))
    }
    button.disabled = true
    this.#wait = { button, label, timer: window.setInterval(tick, 1000) }
    tick()
  }

  /** A wait on the resend button ends with the code step; a lock on the submit button holds for every method. */
  #releaseResend (): void {
    if (this.#wait && this.#wait.button !== this.#submit) this.#release()
  }

  #release (): void {
    if (!this.#wait) return
    window.clearInterval(this.#wait.timer)
    this.#wait.button.disabled = false
    this.#wait.button.textContent = this.#wait.label
    this.#wait = undefined
  }

  /** What the person approves, as the server worded it: always as text (a payee may hold markup); hidden without one. */
  #showSummary (summary?: string): void {
    this.#summary.textContent = summary ?? ''
    this.#transaction.hidden = summary === undefined
  }

  /** One error and one piece of news at most; none when called without arguments. */
  #showMessage (error?: string, info?: string): void {
    this.#error.textContent = error ?? ''
    this.#error.hidden = error === undefined
    this.#info.textContent = info ?? ''
    this.#info.hidden = info === undefined
  }

  #finish (token: string | null): void {
    this.#result = token
    this.#dialog.close()
  }

  #closed (): void {
    this.#release()
    const settle = this.#settle
    this.#settle = undefined
    this.#body.replaceChildren()
    if (this.#returnFocus instanceof HTMLElement && this.#returnFocus.isConnected) this.#returnFocus.focus()
    settle?.(this.#result)
  }
}
