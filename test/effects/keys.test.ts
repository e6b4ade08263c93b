/** Private keys: parsed once per key and passphrase, and a key that cannot be used is one clear error naming the host. */
import test from "ava";
import { utils } from "ssh2";
import { KeyError, parsedKey } from "../../provider/effects/keys";

const plain = utils.generateKeyPairSync("ed25519").private;
const encrypted = utils.generateKeyPairSync("ed25519", { passphrase: "right", cipher: "aes256-ctr", rounds: 1 }).private;

test("a key is parsed once: the same key and passphrase give the same parsed key", (t) => {
  const a = parsedKey(plain, undefined, "host a");
  t.is(parsedKey(plain, undefined, "host b"), a);
  t.is(a.type, "ssh-ed25519");
  t.is(parsedKey(encrypted, "right", "host a").type, "ssh-ed25519");
});

test("an encrypted key without its passphrase, a wrong passphrase and a non-key are each named with the fix", (t) => {
  const cases: Array<[string, string | undefined, RegExp]> = [
    [encrypted, undefined, /^epyc-01: cannot use the private key: .*\(the key is encrypted and no passphrase was given\)\. Fix: check privateKey/],
    [encrypted, "wrong", /\(the passphrase is wrong\)/],
    ["not a key", undefined, /\(it is not a private key in OpenSSH or PEM form\)/],
  ];
  for (const [key, passphrase, message] of cases) {
    const err = t.throws(() => parsedKey(key, passphrase, "epyc-01"), { instanceOf: KeyError });
    t.regex(err!.message, message);
    t.false(err!.message.includes("right"), "no passphrase in the message");
  }
});
