// The demo page: sign in with the example app's /login, open a document behind requireStepUp, and
// let fastify-step-up/client turn its 401 into the step-up dialog and a retry. The "Send money" page
// pays with a step-up for exactly that payment. The security settings page changes the user's
// factors through the plugin's factor routes, with the same dialog.
import { createStepUpClient, createStepUpFetch, readStepUpChallenge, type StepUpChallenge } from 'fastify-step-up/client'
import { startDevTools } from './dev-panel.js'
import { StepUpDialog } from './dialog.js'
import { byId } from './dom.js'
import { inWords } from './messages.js'
import { reasons } from './texts.js'
import { PaymentPage } from './payments.js'
import { SecuritySettings } from './settings.js'

/** The login lives in memory only: a reload signs out, which suits a demo. */
const session = { accessToken: '', email: '', stepUpToken: '' }
const authorization = () => ({ authorization: `Bearer ${session.accessToken}` })

/** What the dialog says a change to the user's factors needs. */
function changeReason (challenge: StepUpChallenge): string {
  return reasons.change(challenge.maxAge === undefined ? undefined : inWords(challenge.maxAge))
}

// A refused factor change opens the dialog; the client then sends the change again with its token.
const client = createStepUpClient({ headers: authorization, prompt: (challenge) => dialog.run(challenge, changeReason(challenge)) })
const dialog = new StepUpDialog(client)
const settings = new SecuritySettings(client)
const payments = new PaymentPage(dialog, authorization, () => signOut('Your session has ended. Sign in again.'))

const signIn = byId('sign-in', HTMLElement)
const signInForm = byId('sign-in-form', HTMLFormElement)
const signInError = byId('sign-in-error', HTMLParagraphElement)
const documents = byId('documents', HTMLElement)
const documentsStatus = byId('documents-status', HTMLParagraphElement)
const documentView = byId('document', HTMLElement)
const sessionBar = byId('session', HTMLDivElement)
const security = byId('security', HTMLElement)
const paymentsPage = byId('payments', HTMLElement)
const navDocuments = byId('nav-documents', HTMLButtonElement)
const navPayments = byId('nav-payments', HTMLButtonElement)
const navSecurity = byId('nav-security', HTMLButtonElement)

/** Shows one of the pages of the signed-in user. */
function showPage (page: 'documents' | 'payments' | 'security'): void {
  documents.hidden = page !== 'documents'
  documentView.hidden = true
  paymentsPage.hidden = page !== 'payments'
  security.hidden = page !== 'security'
  for (const [button, name] of [[navDocuments, 'documents'], [navPayments, 'payments'], [navSecurity, 'security']] as const) {
    if (name === page) button.setAttribute('aria-current', 'page')
    else button.removeAttribute('aria-current')
  }
  if (page === 'payments') payments.open()
  if (page === 'security') {
    byId('security-title', HTMLElement).focus()
    settings.open().catch(() => {})
  }
}

navDocuments.addEventListener('click', () => showPage('documents'))
navPayments.addEventListener('click', () => showPage('payments'))
navSecurity.addEventListener('click', () => showPage('security'))

function show (element: HTMLElement, text?: string): void {
  element.hidden = text === undefined
  element.textContent = text ?? ''
}

signInForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  const email = byId('email', HTMLInputElement).value.trim()
  const password = byId('password', HTMLInputElement).value
  if (!email || !password) {
    show(signInError, 'Enter your email and password.')
    return
  }
  show(signInError)
  const button = signInForm.querySelector('button')!
  button.disabled = true
  try {
    const response = await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })
    if (!response.ok) {
      show(signInError, response.status === 401 ? 'Wrong email or password.' : 'Enter a valid email and password.')
      byId('password', HTMLInputElement).select()
      return
    }
    Object.assign(session, { accessToken: (await response.json() as { accessToken: string }).accessToken, email, stepUpToken: '' })
    byId('password', HTMLInputElement).value = ''
    signedIn()
  } catch {
    show(signInError, 'The server could not be reached. Try again.')
  } finally {
    button.disabled = false
  }
})

function signedIn (): void {
  signIn.hidden = true
  showPage('documents')
  show(documentsStatus)
  sessionBar.hidden = false
  byId('session-email', HTMLElement).textContent = session.email
  documents.querySelector<HTMLButtonElement>('[data-document]')!.focus()
}

function signOut (message?: string): void {
  Object.assign(session, { accessToken: '', email: '', stepUpToken: '' })
  documents.hidden = true
  documentView.hidden = true
  sessionBar.hidden = true
  paymentsPage.hidden = true
  security.hidden = true
  signIn.hidden = false
  show(signInError, message)
  byId('email', HTMLInputElement).focus()
}

byId('sign-out', HTMLButtonElement).addEventListener('click', () => signOut())

/** What the dialog says the step-up is for. */
function reason (challenge: StepUpChallenge): string {
  const again = challenge.code === 'FST_STEP_UP_TOKEN_EXPIRED' || challenge.code === 'FST_STEP_UP_INSUFFICIENT'
  return reasons.document(challenge.maxAge === undefined ? undefined : inWords(challenge.maxAge), again)
}

interface OpenedDocument {
  id: string
  title: string
  text: string
  steppedUpAt: string
}

function showDocument (opened: OpenedDocument): void {
  byId('document-title', HTMLElement).textContent = opened.title
  byId('document-text', HTMLElement).textContent = opened.text
  byId('document-id', HTMLElement).textContent = `#${opened.id}`
  byId('document-verified', HTMLElement).textContent = `Verified at ${new Date(opened.steppedUpAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
  documentView.hidden = false
  documentView.focus()
}

async function openDocument (id: string, button: HTMLButtonElement): Promise<void> {
  let steppedUp = false
  // The token of the last step-up goes along while it lasts; once it is too old, the 401 brings the dialog back.
  const stepUpFetch = createStepUpFetch({
    prompt: async (challenge) => {
      const token = await dialog.run(challenge, reason(challenge))
      if (token) {
        session.stepUpToken = token
        steppedUp = true
      }
      return token
    }
  })
  button.disabled = true
  show(documentsStatus)
  documentView.hidden = true
  try {
    const headers = new Headers(authorization())
    if (session.stepUpToken) headers.set('x-step-up-token', session.stepUpToken)
    const response = await stepUpFetch(`/documents/${encodeURIComponent(id)}`, { headers })
    if (response.ok) {
      showDocument(await response.json() as OpenedDocument)
      return
    }
    if (await readStepUpChallenge(response)) {
      show(documentsStatus, steppedUp
        ? 'That verification does not cover this document.'
        : 'You did not confirm it\'s you, so the document stays closed.')
    } else if (response.status === 401) {
      signOut('Your session has ended. Sign in again.')
    } else {
      show(documentsStatus, `The document could not be opened (HTTP ${response.status}). Try again.`)
    }
  } catch {
    show(documentsStatus, 'The server could not be reached. Try again.')
  } finally {
    button.disabled = false
  }
}

for (const button of documents.querySelectorAll<HTMLButtonElement>('[data-document]')) {
  button.addEventListener('click', () => { openDocument(button.dataset.document!, button) })
}

startDevTools().then((tools) => { dialog.devTools = tools }, () => {})
