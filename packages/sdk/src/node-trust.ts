/**
 * Which of a node's transport keys the client may seal to: only those that BOTH signatures vouch
 * for. The directory (KMS) signature over the record says the control plane enrolled the key for
 * this node and names the node's identity key; the node's own Ed25519 signature over its key
 * statement says the node holds it. A control plane, or anyone on its path, that swaps in a key of
 * its own would need the node's identity key as well. A node without an identity key gets none.
 */
import {
  KEY_RECORD_TYPE,
  type KeyDirectory,
  type NodeView,
  type PublishedTransportKey,
  type TransportKeyRecord,
  verifiesNodeKeyStatement,
} from '@b3iq/protocol';

/** A transport key the client may use, with its signed record as parsed. */
interface TrustedKey {
  key: PublishedTransportKey;
  record: TransportKeyRecord;
}

interface KeyVerdicts {
  trusted: TrustedKey[];
  /** Each key not used, and why (a sentence naming no secret). */
  rejected: { key_id: string; reason: string }[];
}

const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';

/** The record if `signed_record` is a JSON object of the right shape; `undefined` otherwise. */
function parseRecord(signedRecord: unknown): TransportKeyRecord | undefined {
  if (typeof signedRecord !== 'string') return undefined;
  let record: unknown;
  try {
    record = JSON.parse(signedRecord);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const fields = record as Record<string, unknown>;
  const wellFormed =
    fields.type === KEY_RECORD_TYPE &&
    ['node_id', 'key_id', 'public_key_x25519', 'issued_at'].every((name) => typeof fields[name] === 'string') &&
    isOptionalString(fields.valid_until) &&
    isOptionalString(fields.identity_public_key_ed25519) &&
    (fields.valid_until === undefined || !Number.isNaN(Date.parse(fields.valid_until as string)));
  return wellFormed ? (record as TransportKeyRecord) : undefined;
}

/** Why `key` may not be used, or `undefined` when both signatures vouch for it and its window is open at `now`. */
function keyProblem(
  key: PublishedTransportKey,
  nodeId: string,
  identityKey: string,
  directory: KeyDirectory,
  now: number,
): string | undefined {
  const record = parseRecord(key.signed_record);
  if (record === undefined) return 'its signed record is malformed';
  if (!directory.verifies(key, nodeId)) return 'its signed record does not verify against the key directory';
  if (record.identity_public_key_ed25519 !== identityKey) return "its signed record does not name the node's identity key";
  const claim = {
    node_id: nodeId,
    key_id: key.key_id,
    public_key_x25519: key.public_key_x25519,
    valid_until: record.valid_until ?? null,
  };
  if (!verifiesNodeKeyStatement(identityKey, claim, key.node_signature_ed25519)) {
    return "the node's signature of it does not verify with the node's identity key";
  }
  if (record.valid_until !== undefined && !(Date.parse(record.valid_until) > now)) return 'its signed window has ended';
  return undefined;
}

/**
 * Sorts the node's keys into those the client may use and those it may not. `identityKey` is the
 * identity key the client trusts for this node (its pin), or `null` when it has none: then no key
 * is used. `nodeId` is the node the client asked for.
 */
function verifyNodeKeys(node: NodeView, nodeId: string, identityKey: string | null, directory: KeyDirectory, now: number): KeyVerdicts {
  const verdicts: KeyVerdicts = { trusted: [], rejected: [] };
  for (const key of node.transport_keys) {
    const reason =
      identityKey === null ? 'the node has no identity key to vouch for it' : keyProblem(key, nodeId, identityKey, directory, now);
    if (reason === undefined) verdicts.trusted.push({ key, record: parseRecord(key.signed_record) as TransportKeyRecord });
    else verdicts.rejected.push({ key_id: String(key.key_id), reason });
  }
  return verdicts;
}

/** True when at least one record of the node that the directory signed names `identityKey`: the directory vouches for the pairing. */
function directoryVouchesFor(node: NodeView, nodeId: string, identityKey: string, directory: KeyDirectory): boolean {
  return node.transport_keys.some(
    (key) => parseRecord(key.signed_record)?.identity_public_key_ed25519 === identityKey && directory.verifies(key, nodeId),
  );
}

/** The named key, or the most recently issued one. */
function chooseKey(keys: TrustedKey[], keyId: string | undefined): TrustedKey | undefined {
  if (keyId !== undefined) return keys.find(({ key }) => key.key_id === keyId);
  return [...keys].sort((a, b) => (a.record.issued_at < b.record.issued_at ? 1 : -1))[0];
}

export type { KeyVerdicts, TrustedKey };
export { chooseKey, directoryVouchesFor, parseRecord, verifyNodeKeys };
