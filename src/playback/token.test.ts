import t from 'tap';
import { randomBytes } from 'node:crypto';
import { signToken, verifyToken, type TokenClaims } from './token.js';
import { keySetFromJson } from './keyset.js';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const old = keySetFromJson({ current: 'k1', keys: { k1 } }, 'test');
const rotated = keySetFromJson({ current: 'k2', keys: { k1, k2 } }, 'test');
const claims: TokenClaims = { tid: 'film', sid: 's1', exp: 2000, maxH: 540, maxBw: 2_000_000, api: 'api.example:8443' };
const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

t.test('a valid token verifies and returns its claims', async (t) => {
  t.same(verifyToken(signToken(claims, old), 'film', old, 1000), claims);
});

t.test('rotation: old tokens verify while their key is in the set; new ones use the new key', async (t) => {
  const before = signToken(claims, old);
  t.same(verifyToken(before, 'film', rotated, 1000), claims);
  const after = signToken(claims, rotated);
  t.match(after, /\.k2\./);
  t.equal(code(() => verifyToken(after, 'film', old, 1000)), 'token_unknown_key');
});

t.test('every way a token can be wrong is a 403 with its own code', async (t) => {
  const good = signToken(claims, old);
  const [payload, kid, sig] = good.split('.') as [string, string, string];
  const tampered = Buffer.from(JSON.stringify({ ...claims, maxH: 2160 })).toString('base64url');
  t.equal(code(() => verifyToken(undefined, 'film', old, 1000)), 'token_missing');
  t.equal(code(() => verifyToken('abc', 'film', old, 1000)), 'token_malformed');
  t.equal(code(() => verifyToken(`${tampered}.${kid}.${sig}`, 'film', old, 1000)), 'token_bad_signature');
  t.equal(code(() => verifyToken(`${payload}.${kid}.${sig.slice(0, -2)}xx`, 'film', old, 1000)), 'token_bad_signature');
  t.equal(code(() => verifyToken(`${payload}.nokey.${sig}`, 'film', old, 1000)), 'token_unknown_key');
  t.equal(code(() => verifyToken(good, 'film', old, 2000)), 'token_expired');
  t.equal(code(() => verifyToken(good, 'series-e1', old, 1000)), 'token_wrong_title');
  let status = 0;
  try {
    verifyToken(good, 'other', old, 1000);
  } catch (err) {
    status = (err as { status: number }).status;
  }
  t.equal(status, 403);
});

t.test('key sets refuse short secrets and a missing current key', async (t) => {
  t.throws(() => keySetFromJson({ current: 'a', keys: { a: 'c2hvcnQ=' } }, 'x'), /at least 32 bytes/);
  t.throws(() => keySetFromJson({ current: 'b', keys: { a: k1 } }, 'x'), /not in keys/);
});
