// Deutsch.
import type { Catalog } from '../messages.js'
import { fromLine } from './shared.js'

const notMe = 'Falls Sie das nicht waren, ändern Sie Ihr Passwort und prüfen Sie Ihre Sicherheitseinstellungen.'

export const de: Catalog = {
  'code.subject': () => 'Ihr Bestätigungscode',
  'code.text': ({ code, minutes = 5, summary }, f) => [
    `Ihr Bestätigungscode lautet ${code}`,
    '',
    ...(summary === undefined ? [] : [`Er gilt für: ${summary}`, 'Geben Sie ihn nur ein, wenn Sie genau das tun: Für nichts anderes ist er gültig.', '']),
    `Er läuft in ${f.minutes(Number(minutes))} ab und gilt nur einmal.`,
    'Falls Sie ihn nicht angefordert haben, nutzt vielleicht jemand Ihr Konto: Ändern Sie Ihr Passwort.'
  ].join('\n'),
  'code.sms': ({ code, minutes = 5, summary }) => summary === undefined
    ? `Ihr Bestätigungscode lautet ${code}. Er läuft in ${minutes} Min. ab. Geben Sie ihn nicht weiter.`
    : `${summary}: Ihr Code lautet ${code}. Er läuft in ${minutes} Min. ab. Geben Sie ihn nicht weiter.`,

  'action.summary': ({ action, fields }) => fields === undefined ? `${action} freigeben` : `${action} freigeben: ${fields}`,

  'method.email': () => 'einem Code per E-Mail',
  'method.sms': () => 'einem Code per SMS',
  'method.totp': () => 'einer Authenticator-App',
  'method.backup-code': () => 'einem Backup-Code',
  'method.password': () => 'Ihrem Passwort',
  'method.pin': () => 'Ihrer PIN',
  'method.security-questions': () => 'Ihren Sicherheitsfragen',
  'method.passkey': () => 'einem Passkey',

  'factor.totp': () => 'eine Authenticator-App',
  'factor.passkey': () => 'ein Passkey',
  'factor.backup-codes': () => 'Backup-Codes',
  'factor.pin': () => 'eine PIN',

  'notify.failures.subject': () => 'Fehlgeschlagene Bestätigungsversuche',
  'notify.failures.text': ({ count = 0, method, time, ...where }, f) => [
    f.plural(Number(count), {
      one: `Jemand hat am ${f.time(Number(time))} einmal erfolglos versucht, sich mit ${method} als Sie zu bestätigen.`,
      other: `Jemand hat ${f.number(Number(count))}-mal erfolglos versucht, sich mit ${method} als Sie zu bestätigen, zuletzt am ${f.time(Number(time))}.`
    }),
    ...fromLine('Von', where),
    '',
    notMe
  ].join('\n'),
  'notify.locked.subject': () => 'Die Bestätigung ist für Ihr Konto gesperrt',
  'notify.locked.text': ({ minutes = 15, time, ...where }, f) => [
    `Nach zu vielen Fehlversuchen ist die Bestätigung Ihrer Identität für ${f.minutes(Number(minutes))} gesperrt (seit ${f.time(Number(time))}).`,
    ...fromLine('Von', where),
    '',
    notMe
  ].join('\n'),
  'notify.factor-added.subject': () => 'Ihrem Konto wurde eine Anmeldemethode hinzugefügt',
  'notify.factor-added.text': ({ factor, time, ...where }, f) => [`Diese Anmeldemethode wurde Ihrem Konto am ${f.time(Number(time))} hinzugefügt: ${factor}.`, ...fromLine('Von', where), '', notMe].join('\n'),
  'notify.factor-removed.subject': () => 'Eine Anmeldemethode wurde aus Ihrem Konto entfernt',
  'notify.factor-removed.text': ({ factor, time, ...where }, f) => [`Diese Anmeldemethode wurde am ${f.time(Number(time))} aus Ihrem Konto entfernt: ${factor}.`, ...fromLine('Von', where), '', notMe].join('\n'),
  'notify.backup-codes-renewed.subject': () => 'Für Ihr Konto wurden neue Backup-Codes erstellt',
  'notify.backup-codes-renewed.text': ({ count = 0, time, ...where }, f) => [
    `${f.plural(Number(count), { one: 'Ein neuer Backup-Code wurde', other: `${f.number(Number(count))} neue Backup-Codes wurden` })} am ${f.time(Number(time))} erstellt; die alten gelten nicht mehr.`,
    ...fromLine('Von', where),
    '',
    notMe
  ].join('\n'),
  'notify.pin-changed.subject': () => 'Ihre PIN wurde geändert',
  'notify.pin-changed.text': ({ time, ...where }, f) => [`Ihre PIN wurde am ${f.time(Number(time))} geändert.`, ...fromLine('Von', where), '', notMe].join('\n'),
  'notify.new-device.subject': () => 'Ihre Identität wurde auf einem neuen Gerät bestätigt',
  'notify.new-device.text': ({ method, time, ...where }, f) => [
    `Sie haben Ihre Identität am ${f.time(Number(time))} mit ${method} bestätigt, von einem Gerät oder Ort, den wir noch nicht kannten.`,
    ...fromLine('Von', where),
    '',
    notMe
  ].join('\n'),

  'error.FST_STEP_UP_UNAUTHENTICATED': () => 'Melden Sie sich an, bevor Sie Ihre Identität bestätigen',
  'error.FST_STEP_UP_INVALID_REQUEST': () => 'Die Anfrage ist ungültig',
  'error.FST_STEP_UP_METHOD_UNAVAILABLE': () => 'Diese Bestätigungsmethode ist für dieses Konto nicht verfügbar',
  'error.FST_STEP_UP_DESTINATION_NOT_ALLOWED': () => 'An dieses Ziel können für dieses Konto keine Codes gesendet werden',
  'error.FST_STEP_UP_RESEND_TOO_SOON': () => 'Eben wurde ein Code gesendet; warten Sie, bevor Sie einen neuen anfordern',
  'error.FST_STEP_UP_SEND_LIMIT': () => 'An dieses Konto wurden zu viele Codes gesendet; versuchen Sie es später erneut',
  'error.FST_STEP_UP_VERIFY_LIMIT': () => 'Zu viele Bestätigungen mit Passwort, PIN oder Sicherheitsfragen; versuchen Sie es später erneut',
  'error.FST_STEP_UP_LOCKED': () => 'Die Bestätigung ist nach zu vielen Fehlversuchen gesperrt; versuchen Sie es später erneut',
  'error.FST_STEP_UP_CHALLENGE_NOT_FOUND': () => 'Diese Bestätigung gibt es nicht mehr; beginnen Sie von vorn',
  'error.FST_STEP_UP_CODE_INVALID': () => 'Der Code ist nicht richtig',
  'error.FST_STEP_UP_CREDENTIAL_INVALID': () => 'Das ist nicht richtig',
  'error.FST_STEP_UP_CODE_EXPIRED': () => 'Der Code ist abgelaufen; fordern Sie einen neuen an',
  'error.FST_STEP_UP_CODE_USED': () => 'Der Code wurde schon verwendet; fordern Sie einen neuen an',
  'error.FST_STEP_UP_ATTEMPTS_EXHAUSTED': () => 'Zu viele falsche Codes; fordern Sie einen neuen Code an',
  'error.FST_STEP_UP_PASSKEY_INVALID': () => 'Der Passkey wurde nicht akzeptiert',
  'error.FST_STEP_UP_TOKEN_MISSING': () => 'Für diese Aktion müssen Sie Ihre Identität erneut bestätigen',
  'error.FST_STEP_UP_TOKEN_INVALID': () => 'Ihre Bestätigung gilt nicht für diese Sitzung; bestätigen Sie sich erneut',
  'error.FST_STEP_UP_TOKEN_EXPIRED': () => 'Ihre Bestätigung ist abgelaufen; bestätigen Sie sich erneut',
  'error.FST_STEP_UP_TOKEN_USED': () => 'Diese Bestätigung wurde für diese Aktion schon verwendet; bestätigen Sie sich erneut',
  'error.FST_STEP_UP_INSUFFICIENT': () => 'Diese Aktion braucht eine stärkere oder aktuellere Bestätigung',
  'error.FST_STEP_UP_SEND_FAILED': () => 'Der Code konnte nicht gesendet werden; versuchen Sie es erneut',
  'error.FST_STEP_UP_STORE_UNAVAILABLE': () => 'Die Bestätigung ist gerade nicht verfügbar; versuchen Sie es gleich erneut',
  'error.FST_STEP_UP_FACTOR_NOT_FOUND': () => 'Diese Anmeldemethode gibt es bei diesem Konto nicht',
  'error.FST_STEP_UP_FACTOR_LIMIT': () => 'Dieses Konto hat schon so viele Methoden dieser Art wie erlaubt; entfernen Sie zuerst eine',
  'error.FST_STEP_UP_FACTOR_BUSY': () => 'Eine andere Änderung Ihrer Anmeldemethoden läuft gerade; versuchen Sie es gleich erneut',
  'error.FST_STEP_UP_ACTION_MISMATCH': () => 'Diese Bestätigung wurde für etwas anderes begonnen; beginnen Sie von vorn'
}
