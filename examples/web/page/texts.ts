// The dialog's words in the browser's language (fastify-step-up/client's catalogs), with this
// demo's own wording where it says more than the generic one.
import { dialogTexts } from 'fastify-step-up/client'

const LOCAL: Record<string, Parameters<typeof dialogTexts>[1]> = {
  en: {
    refusals: {
      'passkey-insecure': () => 'Passkeys do not work on this address. Open the page at the site\'s own address (localhost).',
      FST_STEP_UP_ACTION_MISMATCH: () => 'That verification was for another payment, so it no longer works. Start again.'
    }
  },
  fr: {
    refusals: {
      FST_STEP_UP_ACTION_MISMATCH: () => 'Cette vérification était pour un autre paiement : elle ne fonctionne plus. Recommencez.'
    }
  }
}

const base = dialogTexts(navigator.languages)
export const texts = dialogTexts(base.locale, LOCAL[base.locale])

/** What the dialog says each step-up is for: this demo's own sentences, in the dialog's language. */
interface Reasons {
  /** `within` is a wait in words, when the route names one; `again` when the last verification was too old. */
  document (within: string | undefined, again: boolean): string
  change (within: string | undefined): string
  payment: string
}

const REASONS: Record<string, Reasons> = {
  en: {
    document: (within, again) => `${again ? 'Your last verification is too old for this document. ' : ''}“Quarterly payroll” is confidential: it needs a verification${within === undefined ? '' : ` from the last ${within}`}.`,
    change: (within) => `Changing how you sign in needs a verification${within === undefined ? '' : ` from the last ${within}`} with your strongest method.`,
    payment: 'Sending money needs your approval. Check the payment shown before you approve it.'
  },
  fr: {
    document: (within, again) => `${again ? 'Votre dernière vérification est trop ancienne pour ce document. ' : ''}« Paie trimestrielle » est confidentiel : il faut une vérification${within === undefined ? '' : ` datant de moins de ${within}`}.`,
    change: (within) => `Modifier vos méthodes de connexion demande une vérification${within === undefined ? '' : ` datant de moins de ${within}`} avec votre méthode la plus forte.`,
    payment: 'Envoyer de l’argent demande votre accord. Vérifiez le paiement affiché avant de l’approuver.'
  },
  de: {
    document: (within, again) => `${again ? 'Ihre letzte Bestätigung ist für dieses Dokument zu alt. ' : ''}„Quartalsgehälter“ ist vertraulich: Es braucht eine Bestätigung${within === undefined ? '' : ` aus den letzten ${within}`}.`,
    change: (within) => `Um Ihre Anmeldemethoden zu ändern, brauchen Sie eine Bestätigung${within === undefined ? '' : ` aus den letzten ${within}`} mit Ihrer stärksten Methode.`,
    payment: 'Eine Überweisung braucht Ihre Freigabe. Prüfen Sie die angezeigte Zahlung, bevor Sie sie freigeben.'
  },
  es: {
    document: (within, again) => `${again ? 'Su última verificación es demasiado antigua para este documento. ' : ''}«Nómina trimestral» es confidencial: requiere una verificación${within === undefined ? '' : ` de los últimos ${within}`}.`,
    change: (within) => `Cambiar sus métodos de inicio de sesión requiere una verificación${within === undefined ? '' : ` de los últimos ${within}`} con su método más fuerte.`,
    payment: 'Enviar dinero requiere su aprobación. Revise el pago mostrado antes de aprobarlo.'
  }
}

export const reasons = REASONS[texts.locale] ?? REASONS.en!
