// Hashing a PIN for the app to store, and checking one against that hash (for the `pin.verify`
// callback). The PIN is hashed exactly as given.
import { acceptable, checkForHashing, hashSecret, verifySecret } from '../secret-hash.js'

/** scrypt (memory-hard, node:crypto) with a random 16-byte salt; the string carries its parameters: `scrypt$N$r$p$salt$hash` (base64url). The PIN is hashed exactly as given. */
export async function hashPin (pin: string): Promise<string> {
  checkForHashing(pin, 'PIN')
  return await hashSecret(pin)
}

/** False for a wrong PIN, an input over 1024 characters, or a stored value that is not ours; never throws. */
export async function verifyPin (pin: string, stored: string): Promise<boolean> {
  if (!acceptable(pin)) return false
  return await verifySecret(pin, stored)
}
