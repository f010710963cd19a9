// Español.
import type { Catalog } from '../messages.js'
import { fromLine } from './shared.js'

const notMe = 'Si no fue usted, cambie su contraseña y revise su configuración de seguridad.'

export const es: Catalog = {
  'code.subject': () => 'Su código de verificación',
  'code.text': ({ code, minutes = 5, summary }, f) => [
    `Su código de verificación es ${code}`,
    '',
    ...(summary === undefined ? [] : [`Sirve para: ${summary}`, 'Introdúzcalo solo si es lo que está haciendo: no sirve para nada más.', '']),
    `Caduca en ${f.minutes(Number(minutes))} y solo funciona una vez.`,
    'Si no lo ha pedido, puede que alguien esté usando su cuenta: cambie su contraseña.'
  ].join('\n'),
  'code.sms': ({ code, minutes = 5, summary }) => summary === undefined
    ? `Su código de verificación es ${code}. Caduca en ${minutes} min. No lo comparta.`
    : `${summary}: su código es ${code}. Caduca en ${minutes} min. No lo comparta.`,

  'action.summary': ({ action, fields }) => fields === undefined ? `Aprobar ${action}` : `Aprobar ${action}: ${fields}`,

  'method.email': () => 'un código por correo electrónico',
  'method.sms': () => 'un código por SMS',
  'method.totp': () => 'una aplicación de autenticación',
  'method.backup-code': () => 'un código de respaldo',
  'method.password': () => 'su contraseña',
  'method.pin': () => 'su PIN',
  'method.security-questions': () => 'sus preguntas de seguridad',
  'method.passkey': () => 'una llave de acceso',

  'factor.totp': () => 'una aplicación de autenticación',
  'factor.passkey': () => 'una llave de acceso',
  'factor.backup-codes': () => 'códigos de respaldo',
  'factor.pin': () => 'un PIN',

  'notify.failures.subject': () => 'Intentos fallidos de verificar su identidad',
  'notify.failures.text': ({ count = 0, method, time, ...where }, f) => [
    f.plural(Number(count), {
      one: `Alguien falló una vez al verificarse como usted con ${method} el ${f.time(Number(time))}.`,
      other: `Alguien falló ${f.number(Number(count))} veces al verificarse como usted con ${method}; la última el ${f.time(Number(time))}.`
    }),
    ...fromLine('Desde', where),
    '',
    notMe
  ].join('\n'),
  'notify.locked.subject': () => 'La verificación está bloqueada en su cuenta',
  'notify.locked.text': ({ minutes = 15, time, ...where }, f) => [
    `Tras demasiados intentos fallidos, la verificación de su identidad queda bloqueada durante ${f.minutes(Number(minutes))} (desde el ${f.time(Number(time))}).`,
    ...fromLine('Desde', where),
    '',
    notMe
  ].join('\n'),
  'notify.factor-added.subject': () => 'Se añadió un método de inicio de sesión a su cuenta',
  'notify.factor-added.text': ({ factor, time, ...where }, f) => [`Este método de inicio de sesión se añadió a su cuenta el ${f.time(Number(time))}: ${factor}.`, ...fromLine('Desde', where), '', notMe].join('\n'),
  'notify.factor-removed.subject': () => 'Se quitó un método de inicio de sesión de su cuenta',
  'notify.factor-removed.text': ({ factor, time, ...where }, f) => [`Este método de inicio de sesión se quitó de su cuenta el ${f.time(Number(time))}: ${factor}.`, ...fromLine('Desde', where), '', notMe].join('\n'),
  'notify.backup-codes-renewed.subject': () => 'Se crearon nuevos códigos de respaldo para su cuenta',
  'notify.backup-codes-renewed.text': ({ count = 0, time, ...where }, f) => [
    `${f.plural(Number(count), { one: 'Se creó un nuevo código de respaldo', other: `Se crearon ${f.number(Number(count))} nuevos códigos de respaldo` })} el ${f.time(Number(time))}; los anteriores ya no funcionan.`,
    ...fromLine('Desde', where),
    '',
    notMe
  ].join('\n'),
  'notify.pin-changed.subject': () => 'Se cambió su PIN',
  'notify.pin-changed.text': ({ time, ...where }, f) => [`Su PIN se cambió el ${f.time(Number(time))}.`, ...fromLine('Desde', where), '', notMe].join('\n'),
  'notify.new-device.subject': () => 'Su identidad se verificó desde un dispositivo nuevo',
  'notify.new-device.text': ({ method, time, ...where }, f) => [
    `Verificó su identidad con ${method} el ${f.time(Number(time))}, desde un dispositivo o lugar que no conocíamos.`,
    ...fromLine('Desde', where),
    '',
    notMe
  ].join('\n'),

  'error.FST_STEP_UP_UNAUTHENTICATED': () => 'Inicie sesión antes de verificar su identidad',
  'error.FST_STEP_UP_INVALID_REQUEST': () => 'La solicitud no es válida',
  'error.FST_STEP_UP_METHOD_UNAVAILABLE': () => 'Este método de verificación no está disponible para esta cuenta',
  'error.FST_STEP_UP_DESTINATION_NOT_ALLOWED': () => 'Este destino no puede recibir códigos para esta cuenta',
  'error.FST_STEP_UP_RESEND_TOO_SOON': () => 'Se acaba de enviar un código; espere antes de pedir otro',
  'error.FST_STEP_UP_SEND_LIMIT': () => 'Se enviaron demasiados códigos a esta cuenta; inténtelo más tarde',
  'error.FST_STEP_UP_VERIFY_LIMIT': () => 'Demasiadas verificaciones con contraseña, PIN o preguntas de seguridad; inténtelo más tarde',
  'error.FST_STEP_UP_LOCKED': () => 'La verificación está bloqueada tras demasiados intentos fallidos; inténtelo más tarde',
  'error.FST_STEP_UP_CHALLENGE_NOT_FOUND': () => 'Esta verificación ya no existe; empiece de nuevo',
  'error.FST_STEP_UP_CODE_INVALID': () => 'El código no es correcto',
  'error.FST_STEP_UP_CREDENTIAL_INVALID': () => 'No es correcto',
  'error.FST_STEP_UP_CODE_EXPIRED': () => 'El código ha caducado; pida uno nuevo',
  'error.FST_STEP_UP_CODE_USED': () => 'El código ya se ha usado; pida uno nuevo',
  'error.FST_STEP_UP_ATTEMPTS_EXHAUSTED': () => 'Demasiados códigos incorrectos; pida un código nuevo',
  'error.FST_STEP_UP_PASSKEY_INVALID': () => 'La llave de acceso no fue aceptada',
  'error.FST_STEP_UP_TOKEN_MISSING': () => 'Esta acción requiere que verifique su identidad de nuevo',
  'error.FST_STEP_UP_TOKEN_INVALID': () => 'Su verificación no es válida para esta sesión; verifíquese de nuevo',
  'error.FST_STEP_UP_TOKEN_EXPIRED': () => 'Su verificación ha caducado; verifíquese de nuevo',
  'error.FST_STEP_UP_TOKEN_USED': () => 'Esa verificación ya se usó para esta acción; verifíquese de nuevo',
  'error.FST_STEP_UP_INSUFFICIENT': () => 'Esta acción requiere una verificación más fuerte o más reciente',
  'error.FST_STEP_UP_SEND_FAILED': () => 'No se pudo enviar el código; inténtelo de nuevo',
  'error.FST_STEP_UP_STORE_UNAVAILABLE': () => 'La verificación no está disponible ahora; inténtelo en un momento',
  'error.FST_STEP_UP_FACTOR_NOT_FOUND': () => 'Ese método de inicio de sesión no existe en esta cuenta',
  'error.FST_STEP_UP_FACTOR_LIMIT': () => 'Esta cuenta ya tiene tantos métodos de este tipo como puede tener; quite uno primero',
  'error.FST_STEP_UP_FACTOR_BUSY': () => 'Hay otro cambio de sus métodos de inicio de sesión en curso; inténtelo en un momento',
  'error.FST_STEP_UP_ACTION_MISMATCH': () => 'Esta verificación se inició para otra cosa; empiece de nuevo'
}
