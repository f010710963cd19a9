// Registering a passkey from the page (the demo's enrolment, shown when the server has passkeys on):
// the app's registration options, navigator.credentials.create(), and the answer back as JSON.
// Step-up with the passkey is the dialog's part (runPasskeyCeremony of fastify-step-up/client).
import { base64urlToBytes } from 'fastify-step-up/client'
import { byId } from './dom.js'

interface CreationOptionsJSON {
  challenge: string
  user: { id: string, name: string, displayName: string }
  excludeCredentials?: Array<{ id: string, type: string, transports?: string[] }>
  [key: string]: unknown
}

type Parser = { parseCreationOptionsFromJSON?: (json: CreationOptionsJSON) => PublicKeyCredentialCreationOptions }

/** The browser's parser when it has one, else the byte fields decoded here. */
function creationOptions (json: CreationOptionsJSON): PublicKeyCredentialCreationOptions {
  const parser = (window.PublicKeyCredential as unknown as Parser | undefined)?.parseCreationOptionsFromJSON
  if (parser) return parser(json)
  return {
    ...json,
    challenge: base64urlToBytes(json.challenge),
    user: { ...json.user, id: base64urlToBytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials ?? []).map((credential) => ({ ...credential, id: base64urlToBytes(credential.id) }))
  } as unknown as PublicKeyCredentialCreationOptions
}

/** What to say when the browser refuses. */
function browserRefusal (err: unknown): string {
  const name = err instanceof DOMException ? err.name : ''
  if (name === 'NotAllowedError') return 'The passkey prompt was cancelled or timed out.'
  if (name === 'InvalidStateError') return 'This device already has a passkey for this account.'
  if (name === 'SecurityError') return 'Passkeys do not work on this address: open the page at localhost.'
  return 'The passkey could not be registered. Try again.'
}

/** Shows the passkey block when the server has passkeys on, and runs a registration when asked. */
export async function startPasskeys (authorization: () => Record<string, string>): Promise<void> {
  const block = byId('passkeys', HTMLDivElement)
  const button = byId('register-passkey', HTMLButtonElement)
  const status = byId('passkey-status', HTMLParagraphElement)
  const listed = await fetch('/account/passkeys', { headers: authorization() }).catch(() => undefined)
  block.hidden = !listed?.ok || !window.PublicKeyCredential
  if (block.hidden) return
  const count = (await listed!.json() as { passkeys: unknown[] }).passkeys.length
  status.textContent = count === 0 ? 'No passkey registered yet.' : `${count} passkey${count === 1 ? '' : 's'} registered.`
  button.onclick = async () => {
    button.disabled = true
    status.textContent = 'Follow your browser\'s prompt…'
    try {
      const started = await fetch('/account/passkeys/options', { method: 'POST', headers: authorization() })
      if (!started.ok) throw new Error(`HTTP ${started.status}`)
      const json = await started.json() as CreationOptionsJSON
      let credential: PublicKeyCredential
      try {
        credential = await navigator.credentials.create({ publicKey: creationOptions(json) }) as PublicKeyCredential
      } catch (err) {
        status.textContent = browserRefusal(err)
        return
      }
      const saved = await fetch('/account/passkeys', {
        method: 'POST',
        headers: { ...authorization(), 'content-type': 'application/json' },
        body: JSON.stringify(credential.toJSON())
      })
      const body = await saved.json() as { passkeys?: number, message?: string }
      status.textContent = saved.ok
        ? `Passkey registered (${body.passkeys} in all). Open the document and choose “Passkey”.`
        : `The passkey was refused: ${body.message ?? `HTTP ${saved.status}`}`
    } catch {
      status.textContent = 'The server could not be reached. Try again.'
    } finally {
      button.disabled = false
    }
  }
}
