/**
 * Private keys, decrypted once per process. A passphrase-protected OpenSSH key costs a bcrypt key
 * derivation on every parse (hundreds of milliseconds); a fleet run connects to many hosts with the
 * same key, so the parsed key is kept in memory, keyed by a digest of key and passphrase.
 */
import { createHash } from "crypto";
import { ParsedKey, utils } from "ssh2";
const parsed = new Map<string, ParsedKey>();

export class KeyError extends Error {}

export function parsedKey(privateKey: string, passphrase: string | undefined, owner: string): ParsedKey {
  const id = createHash("sha256")
    .update(privateKey)
    .update("\0")
    .update(passphrase ?? "")
    .digest("hex");
  const hit = parsed.get(id);
  if (hit) return hit;
  const key = utils.parseKey(privateKey, passphrase);
  if (key instanceof Error) {
    const hint = /encrypted|passphrase|bad decrypt|integrity/i.test(key.message)
      ? passphrase
        ? "the passphrase is wrong"
        : "the key is encrypted and no passphrase was given"
      : "it is not a private key in OpenSSH or PEM form";
    throw new KeyError(`${owner}: cannot use the private key: ${key.message} (${hint}). Fix: check privateKey and privateKeyPassphrase for this host.`);
  }
  const one = Array.isArray(key) ? key[0] : key;
  parsed.set(id, one);
  return one;
}
