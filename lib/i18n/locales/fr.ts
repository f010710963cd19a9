// Français.
import type { Catalog } from '../messages.js'
import { fromLine } from './shared.js'

const notMe = 'Si ce n’était pas vous, changez votre mot de passe et vérifiez vos paramètres de sécurité.'

export const fr: Catalog = {
  'code.subject': () => 'Votre code de vérification',
  'code.text': ({ code, minutes = 5, summary }, f) => [
    `Votre code de vérification est ${code}`,
    '',
    ...(summary === undefined ? [] : [`Il sert à : ${summary}`, 'Ne le saisissez que si c’est bien ce que vous faites : il ne sert à rien d’autre.', '']),
    `Il expire dans ${f.minutes(Number(minutes))} et ne fonctionne qu’une fois.`,
    'Si vous ne l’avez pas demandé, quelqu’un utilise peut-être votre compte : changez votre mot de passe.'
  ].join('\n'),
  'code.sms': ({ code, minutes = 5, summary }) => summary === undefined
    ? `Votre code de vérification est ${code}. Il expire dans ${minutes} min. Ne le communiquez pas.`
    : `${summary} : votre code est ${code}. Il expire dans ${minutes} min. Ne le communiquez pas.`,

  'action.summary': ({ action, fields }) => fields === undefined ? `Approuver ${action}` : `Approuver ${action} : ${fields}`,

  'method.email': () => 'un code par e-mail',
  'method.sms': () => 'un code par SMS',
  'method.totp': () => 'une application d’authentification',
  'method.backup-code': () => 'un code de secours',
  'method.password': () => 'votre mot de passe',
  'method.pin': () => 'votre code PIN',
  'method.security-questions': () => 'vos questions de sécurité',
  'method.passkey': () => 'une clé d’accès',

  'factor.totp': () => 'une application d’authentification',
  'factor.passkey': () => 'une clé d’accès',
  'factor.backup-codes': () => 'des codes de secours',
  'factor.pin': () => 'un code PIN',

  'notify.failures.subject': () => 'Tentatives de vérification échouées',
  'notify.failures.text': ({ count = 0, method, time, ...where }, f) => [
    f.plural(Number(count), {
      one: `Quelqu’un a échoué une fois à se vérifier en votre nom avec ${method}, le ${f.time(Number(time))}.`,
      other: `Quelqu’un a échoué ${f.number(Number(count))} fois à se vérifier en votre nom avec ${method} ; la dernière le ${f.time(Number(time))}.`
    }),
    ...fromLine('Depuis', where),
    '',
    notMe
  ].join('\n'),
  'notify.locked.subject': () => 'La vérification est bloquée sur votre compte',
  'notify.locked.text': ({ minutes = 15, time, ...where }, f) => [
    `Après trop de tentatives échouées, la vérification de votre identité est bloquée pendant ${f.minutes(Number(minutes))} (depuis le ${f.time(Number(time))}).`,
    ...fromLine('Depuis', where),
    '',
    notMe
  ].join('\n'),
  'notify.factor-added.subject': () => 'Une méthode de connexion a été ajoutée à votre compte',
  'notify.factor-added.text': ({ factor, time, ...where }, f) => [`Cette méthode de connexion a été ajoutée à votre compte le ${f.time(Number(time))} : ${factor}.`, ...fromLine('Depuis', where), '', notMe].join('\n'),
  'notify.factor-removed.subject': () => 'Une méthode de connexion a été retirée de votre compte',
  'notify.factor-removed.text': ({ factor, time, ...where }, f) => [`Cette méthode de connexion a été retirée de votre compte le ${f.time(Number(time))} : ${factor}.`, ...fromLine('Depuis', where), '', notMe].join('\n'),
  'notify.backup-codes-renewed.subject': () => 'De nouveaux codes de secours ont été créés',
  'notify.backup-codes-renewed.text': ({ count = 0, time, ...where }, f) => [
    `${f.plural(Number(count), { one: 'Un nouveau code de secours a été créé', other: `${f.number(Number(count))} nouveaux codes de secours ont été créés` })} le ${f.time(Number(time))} ; les anciens ne fonctionnent plus.`,
    ...fromLine('Depuis', where),
    '',
    notMe
  ].join('\n'),
  'notify.pin-changed.subject': () => 'Votre code PIN a été modifié',
  'notify.pin-changed.text': ({ time, ...where }, f) => [`Votre code PIN a été modifié le ${f.time(Number(time))}.`, ...fromLine('Depuis', where), '', notMe].join('\n'),
  'notify.new-device.subject': () => 'Votre identité a été vérifiée depuis un nouvel appareil',
  'notify.new-device.text': ({ method, time, ...where }, f) => [
    `Vous avez vérifié votre identité avec ${method} le ${f.time(Number(time))}, depuis un appareil ou un lieu inconnu jusqu’ici.`,
    ...fromLine('Depuis', where),
    '',
    notMe
  ].join('\n'),

  'error.FST_STEP_UP_UNAUTHENTICATED': () => 'Connectez-vous avant de confirmer votre identité',
  'error.FST_STEP_UP_INVALID_REQUEST': () => 'La requête n’est pas valide',
  'error.FST_STEP_UP_METHOD_UNAVAILABLE': () => 'Cette méthode de vérification n’est pas disponible pour ce compte',
  'error.FST_STEP_UP_DESTINATION_NOT_ALLOWED': () => 'Cette adresse ne peut pas recevoir de codes pour ce compte',
  'error.FST_STEP_UP_RESEND_TOO_SOON': () => 'Un code vient d’être envoyé ; patientez avant d’en demander un autre',
  'error.FST_STEP_UP_SEND_LIMIT': () => 'Trop de codes ont été envoyés à ce compte ; réessayez plus tard',
  'error.FST_STEP_UP_VERIFY_LIMIT': () => 'Trop de vérifications par mot de passe, code PIN ou questions de sécurité ; réessayez plus tard',
  'error.FST_STEP_UP_LOCKED': () => 'La vérification est bloquée après trop de tentatives échouées ; réessayez plus tard',
  'error.FST_STEP_UP_CHALLENGE_NOT_FOUND': () => 'Cette vérification n’existe plus ; recommencez',
  'error.FST_STEP_UP_CODE_INVALID': () => 'Le code n’est pas correct',
  'error.FST_STEP_UP_CREDENTIAL_INVALID': () => 'Ce n’est pas correct',
  'error.FST_STEP_UP_CODE_EXPIRED': () => 'Le code a expiré ; demandez-en un nouveau',
  'error.FST_STEP_UP_CODE_USED': () => 'Le code a déjà été utilisé ; demandez-en un nouveau',
  'error.FST_STEP_UP_ATTEMPTS_EXHAUSTED': () => 'Trop de codes erronés ; demandez un nouveau code',
  'error.FST_STEP_UP_PASSKEY_INVALID': () => 'La clé d’accès n’a pas été acceptée',
  'error.FST_STEP_UP_TOKEN_MISSING': () => 'Cette action demande de confirmer à nouveau votre identité',
  'error.FST_STEP_UP_TOKEN_INVALID': () => 'Votre vérification n’est pas valable pour cette session ; vérifiez-vous à nouveau',
  'error.FST_STEP_UP_TOKEN_EXPIRED': () => 'Votre vérification a expiré ; vérifiez-vous à nouveau',
  'error.FST_STEP_UP_TOKEN_USED': () => 'Cette vérification a déjà servi pour cette action ; vérifiez-vous à nouveau',
  'error.FST_STEP_UP_INSUFFICIENT': () => 'Cette action demande une vérification plus forte ou plus récente',
  'error.FST_STEP_UP_SEND_FAILED': () => 'Le code n’a pas pu être envoyé ; réessayez',
  'error.FST_STEP_UP_STORE_UNAVAILABLE': () => 'La vérification est indisponible pour le moment ; réessayez dans un instant',
  'error.FST_STEP_UP_FACTOR_NOT_FOUND': () => 'Cette méthode de connexion n’existe pas sur ce compte',
  'error.FST_STEP_UP_FACTOR_LIMIT': () => 'Ce compte a déjà autant de méthodes de ce type qu’il peut en avoir ; retirez-en une d’abord',
  'error.FST_STEP_UP_FACTOR_BUSY': () => 'Une autre modification de vos méthodes de connexion est en cours ; réessayez dans un instant',
  'error.FST_STEP_UP_ACTION_MISMATCH': () => 'Cette vérification a été commencée pour autre chose ; recommencez'
}
