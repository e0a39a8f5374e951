import {
  checkEnvelope,
  type Direction,
  decodeBase64url,
  type Envelope,
  type EnvelopeBinding,
  encodeBase64url,
  MAX_CIPHERTEXT_BYTES,
  openEnvelope,
  sealEnvelope,
} from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
// The spec's low-order list, not the source's: the tests do not trust the source list.
import { SPEC_LOW_ORDER_POINTS } from '../../vectors/spec.js';

/** Fixed secrets: the tests do not depend on a random draw. */
const NODE_SECRET = Uint8Array.from({ length: 32 }, (_, index) => (index * 7 + 1) & 0xff);
const CLIENT_EPHEMERAL = Uint8Array.from({ length: 32 }, (_, index) => (index * 11 + 3) & 0xff);
const NODE_EPHEMERAL = Uint8Array.from({ length: 32 }, (_, index) => (index * 13 + 5) & 0xff);
const OTHER_SECRET = Uint8Array.from({ length: 32 }, (_, index) => (index * 17 + 9) & 0xff);
const META = { key_id: 'tk-2026-11', node_id: 'node-alpha', model_id: 'meta/llama-3.1-8b:instruct', job_id: 'job-0001' };
/** 100 bytes: a body with distinct first, middle and last bytes, then the 16-byte tag. */
const PLAINTEXT = new TextEncoder().encode(
  `{"messages":[{"role":"user","content":"${'tamper-evident '.repeat(4)}padding"}]}`.padEnd(100, ' '),
);
const TAG_BYTES = 16;

interface Sealed {
  direction: Direction;
  recipientSecret: Uint8Array;
  binding: EnvelopeBinding;
  envelope: Envelope;
}

function bindingFor(direction: Direction): EnvelopeBinding {
  return direction === 'request' ? { key_id: META.key_id, node_id: META.node_id, model_id: META.model_id } : { ...META };
}

const REQUEST: Sealed = {
  direction: 'request',
  recipientSecret: NODE_SECRET,
  binding: bindingFor('request'),
  envelope: sealEnvelope('request', x25519.getPublicKey(NODE_SECRET), bindingFor('request'), PLAINTEXT, {
    ephemeralSecretKey: CLIENT_EPHEMERAL,
    nonce: Uint8Array.from({ length: 12 }, (_, index) => index),
  }).envelope,
};

const RESPONSE: Sealed = {
  direction: 'response',
  recipientSecret: CLIENT_EPHEMERAL,
  binding: bindingFor('response'),
  envelope: sealEnvelope('response', x25519.getPublicKey(CLIENT_EPHEMERAL), bindingFor('response'), PLAINTEXT, {
    ephemeralSecretKey: NODE_EPHEMERAL,
    nonce: Uint8Array.from({ length: 12 }, (_, index) => 12 + index),
  }).envelope,
};

const SEALED = [
  { case: 'request', sealed: REQUEST },
  { case: 'response', sealed: RESPONSE },
];

function bytes(text: string): Uint8Array {
  return Uint8Array.from(decodeBase64url(text)!);
}

/** Flips one bit of a base64url byte field; a negative index counts from the end. */
function flipBit(text: string, index: number, mask = 0x01): string {
  const field = bytes(text);
  const at = index < 0 ? field.length + index : index;
  field[at] = field[at]! ^ mask;
  return encodeBase64url(field);
}

function hexKey(hex: string, topBit: boolean): Uint8Array {
  const key = Uint8Array.from(Buffer.from(hex, 'hex'));
  if (topBit) key[31] = key[31]! | 0x80;
  return key;
}

type Tamper = (sealed: Sealed) => { envelope: unknown; binding?: EnvelopeBinding; direction?: Direction; secret?: Uint8Array };

/** `envelope` with `field` replaced. */
function withField(field: keyof Envelope, value: (envelope: Envelope) => string): Tamper {
  return ({ envelope }) => ({ envelope: { ...envelope, [field]: value(envelope) } });
}

/** `envelope` without its `aad_hash`, opened under another binding: only the AEAD can notice. */
function reboundWithoutHash(change: Partial<EnvelopeBinding>): Tamper {
  return ({ envelope, binding }) => {
    const { aad_hash: _hash, ...bare } = envelope;
    return { envelope: bare, binding: { ...binding, ...change } };
  };
}

const ctBytes = (envelope: Envelope) => bytes(envelope.ciphertext).length;
const bodyBytes = PLAINTEXT.length;

const TAMPERS: { case: string; tamper: Tamper; only?: Direction }[] = [
  // Every field changed to another well-formed value.
  { case: 'version changed', tamper: withField('version', () => 'b3iq-private-transport-v2') },
  { case: 'algorithm changed', tamper: withField('algorithm', () => 'x25519-hkdf-sha256-aes256gcm') },
  { case: 'key_id changed to another valid id', tamper: withField('key_id', () => 'tk-2026-12') },
  {
    case: 'key_id changed, aad_hash removed, no key_id in the binding',
    tamper: ({ envelope, binding }) => {
      const { aad_hash: _hash, ...bare } = envelope;
      const { key_id: _key, ...route } = binding;
      return { envelope: { ...bare, key_id: 'tk-2026-12' }, binding: route as EnvelopeBinding };
    },
  },
  {
    case: 'client_public_key_x25519 changed to another valid key',
    tamper: withField('client_public_key_x25519', () => encodeBase64url(x25519.getPublicKey(OTHER_SECRET))),
  },
  { case: 'nonce changed', tamper: withField('nonce', () => encodeBase64url(new Uint8Array(12).fill(0xa5))) },
  {
    case: 'ciphertext changed to other bytes of the same length',
    tamper: withField('ciphertext', (envelope) => encodeBase64url(new Uint8Array(ctBytes(envelope)).fill(0x5a))),
  },
  {
    case: 'aad_hash changed to another valid hash',
    tamper: withField('aad_hash', (envelope) => flipBit(envelope.aad_hash!, 0)),
  },
  // One flipped bit in each byte class of the ciphertext.
  { case: 'ciphertext: first body byte flipped', tamper: withField('ciphertext', (envelope) => flipBit(envelope.ciphertext, 0)) },
  {
    case: 'ciphertext: middle body byte flipped',
    tamper: withField('ciphertext', (envelope) => flipBit(envelope.ciphertext, Math.floor(bodyBytes / 2), 0x40)),
  },
  {
    case: 'ciphertext: last body byte flipped',
    tamper: withField('ciphertext', (envelope) => flipBit(envelope.ciphertext, bodyBytes - 1, 0x80)),
  },
  { case: 'ciphertext: first tag byte flipped', tamper: withField('ciphertext', (envelope) => flipBit(envelope.ciphertext, -TAG_BYTES)) },
  { case: 'ciphertext: last tag byte flipped', tamper: withField('ciphertext', (envelope) => flipBit(envelope.ciphertext, -1, 0x80)) },
  // One flipped bit in the nonce and in the public key.
  { case: 'nonce: first bit flipped', tamper: withField('nonce', (envelope) => flipBit(envelope.nonce, 0)) },
  { case: 'nonce: last bit flipped', tamper: withField('nonce', (envelope) => flipBit(envelope.nonce, -1, 0x80)) },
  {
    case: 'public key: lowest bit flipped',
    tamper: withField('client_public_key_x25519', (envelope) => flipBit(envelope.client_public_key_x25519, 0)),
  },
  {
    // X25519 ignores this bit, so the shared secret is unchanged: only the HKDF salt catches it.
    case: 'public key: top bit (ignored by X25519) flipped',
    tamper: withField('client_public_key_x25519', (envelope) => flipBit(envelope.client_public_key_x25519, 31, 0x80)),
  },
  // Length changes.
  {
    case: 'ciphertext truncated by one byte',
    tamper: withField('ciphertext', (envelope) => encodeBase64url(bytes(envelope.ciphertext).subarray(0, -1))),
  },
  {
    case: 'ciphertext truncated to the tag alone',
    tamper: withField('ciphertext', (envelope) => encodeBase64url(bytes(envelope.ciphertext).subarray(-TAG_BYTES))),
  },
  {
    case: 'ciphertext with the tag cut off',
    tamper: withField('ciphertext', (envelope) => encodeBase64url(bytes(envelope.ciphertext).subarray(0, -TAG_BYTES))),
  },
  {
    case: 'ciphertext with one byte appended',
    tamper: withField('ciphertext', (envelope) => encodeBase64url(Uint8Array.of(...bytes(envelope.ciphertext), 0))),
  },
  // Opened under another binding (aad_hash catches it), and the same without aad_hash (the AEAD catches it).
  { case: 'binding node_id swapped', tamper: ({ envelope, binding }) => ({ envelope, binding: { ...binding, node_id: 'node-beta' } }) },
  { case: 'binding model_id swapped', tamper: ({ envelope, binding }) => ({ envelope, binding: { ...binding, model_id: 'mistral-7b' } }) },
  { case: 'binding key_id swapped', tamper: ({ envelope, binding }) => ({ envelope, binding: { ...binding, key_id: 'tk-2026-12' } }) },
  {
    case: 'binding job_id swapped',
    only: 'response',
    tamper: ({ envelope, binding }) => ({ envelope, binding: { ...binding, job_id: 'job-0002' } }),
  },
  { case: 'binding node_id swapped, no aad_hash', tamper: reboundWithoutHash({ node_id: 'node-beta' }) },
  { case: 'binding model_id swapped, no aad_hash', tamper: reboundWithoutHash({ model_id: 'mistral-7b' }) },
  { case: 'binding key_id swapped, no aad_hash', tamper: reboundWithoutHash({ key_id: 'tk-2026-12' }) },
  { case: 'binding job_id swapped, no aad_hash', only: 'response', tamper: reboundWithoutHash({ job_id: 'job-0002' }) },
  // Wrong direction, wrong key.
  {
    case: 'opened in the other direction',
    tamper: ({ envelope, direction }) => ({
      envelope,
      direction: direction === 'request' ? 'response' : 'request',
      binding: { ...META },
    }),
  },
  {
    case: 'opened in the other direction, no aad_hash',
    tamper: ({ envelope, direction }) => {
      const { aad_hash: _hash, ...bare } = envelope;
      return { envelope: bare, direction: direction === 'request' ? 'response' : 'request', binding: { ...META } };
    },
  },
  { case: 'opened with an unrelated secret key', tamper: ({ envelope }) => ({ envelope, secret: OTHER_SECRET }) },
  {
    case: 'opened with the other party’s secret key',
    tamper: ({ envelope, direction }) => ({ envelope, secret: direction === 'request' ? CLIENT_EPHEMERAL : NODE_SECRET }),
  },
];

const TAMPER_CASES = SEALED.flatMap(({ case: kind, sealed }) =>
  TAMPERS.filter((entry) => entry.only === undefined || entry.only === sealed.direction).map((entry) => ({
    case: `${kind}: ${entry.case}`,
    sealed,
    tamper: entry.tamper,
  })),
);

const LOW_ORDER_CASES = SEALED.flatMap(({ case: kind, sealed }) =>
  SPEC_LOW_ORDER_POINTS.flatMap((hex, index) =>
    [false, true].map((topBit) => ({
      case: `${kind}: point ${index}${topBit ? ', top bit set' : ''}`,
      sealed,
      key: hexKey(hex, topBit),
    })),
  ),
);

describe('openEnvelope against tampering', () => {
  it.each(SEALED)('opens the untouched envelope to its plaintext (baseline $case)', ({ sealed }) => {
    // Act
    const opened = openEnvelope(sealed.direction, sealed.recipientSecret, sealed.envelope, sealed.binding);

    // Assess
    expect(opened).toEqual(PLAINTEXT);
    expect(checkEnvelope(sealed.envelope, sealed.direction, sealed.binding).ok).toBe(true);
  });

  it.each(TAMPER_CASES)('throws for a tampered envelope or binding ($case)', ({ sealed, tamper }) => {
    // Prepare
    const changed = tamper(sealed);
    const direction = changed.direction ?? sealed.direction;
    const secret = changed.secret ?? sealed.recipientSecret;
    const binding = changed.binding ?? sealed.binding;
    const untouched =
      JSON.stringify(changed.envelope) === JSON.stringify(sealed.envelope) &&
      direction === sealed.direction &&
      secret === sealed.recipientSecret &&
      JSON.stringify(binding) === JSON.stringify(sealed.binding);

    // Act
    const open = () => openEnvelope(direction, secret, changed.envelope, binding);

    // Assess
    expect(untouched).toBe(false);
    expect(open).toThrow();
  });
});

describe('low-order public keys', () => {
  it.each(LOW_ORDER_CASES)('are refused by checkEnvelope ($case)', ({ sealed, key }) => {
    // Prepare
    const envelope = { ...sealed.envelope, client_public_key_x25519: encodeBase64url(key) };

    // Act
    const check = checkEnvelope(envelope, sealed.direction, sealed.binding);

    // Assess
    expect(check).toEqual({ ok: false, tooLarge: false, reason: 'client_public_key_x25519 is a low-order point' });
  });

  it.each(LOW_ORDER_CASES)('are refused as the sender key by openEnvelope ($case)', ({ sealed, key }) => {
    // Prepare
    const envelope = { ...sealed.envelope, client_public_key_x25519: encodeBase64url(key) };

    // Act
    const open = () => openEnvelope(sealed.direction, sealed.recipientSecret, envelope, sealed.binding);

    // Assess
    expect(open).toThrow(/low-order/);
  });

  it.each(LOW_ORDER_CASES)('are refused as the recipient key by sealEnvelope ($case)', ({ sealed, key }) => {
    // Act
    const seal = () => sealEnvelope(sealed.direction, key, sealed.binding, PLAINTEXT, { ephemeralSecretKey: OTHER_SECRET });

    // Assess
    expect(seal).toThrow(/low-order/);
  });
});

describe('the 512 KiB ciphertext limit', () => {
  it('opens the largest envelope and refuses one byte more', () => {
    // Prepare: sealing refuses an oversized plaintext, so the oversized envelope is made by hand.
    const plaintext = new Uint8Array(MAX_CIPHERTEXT_BYTES - TAG_BYTES).fill(0x61);
    const { envelope } = sealEnvelope('request', x25519.getPublicKey(NODE_SECRET), REQUEST.binding, plaintext);
    const oversized = { ...envelope, ciphertext: Buffer.alloc(MAX_CIPHERTEXT_BYTES + 1).toString('base64url') };
    delete (oversized as { aad_hash?: string }).aad_hash;

    // Act
    const open = (sealed: object) => () => openEnvelope('request', NODE_SECRET, sealed, REQUEST.binding);

    // Assess
    expect(open(envelope)()).toEqual(plaintext);
    expect(open(oversized)).toThrow(/larger than 512 KiB/);
  });
});
