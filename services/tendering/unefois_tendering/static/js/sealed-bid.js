// Sealed bids in the supplier's browser (WebCrypto): the sealing format of
// unefois_tendering.bids.domain, version 1 (see its docstring and the README, "Sealed bids").
// The bid is encrypted here, for the consultation's public key, before anything is sent:
// the service never holds its plaintext before the bid deadline.
//
//   import { sealFile } from "/static/tendering/js/sealed-bid.js";
//   const sealed = await sealFile(publicKeyJwk, file, (done, total) => ...);   // a Blob
//   for await (const piece of sealChunks(publicKeyJwk, file, onProgress)) ... // streamed
//
// Format: header (122 bytes) = "UFSB" | version 1 | suite 1 | chunk size (u32 BE) |
// ephemeral P-256 public key (65, uncompressed) | content key wrapped with AES-KW (40) |
// nonce prefix (7); then chunks of AES-256-GCM(content key, nonce = prefix | counter (u32 BE)
// | last-chunk flag (1 byte), associated data = header), each ciphertext + 16-byte tag.
// Wrapping key = HKDF-SHA256(ECDH(ephemeral, consultation key), salt = E | R,
// info = "unefois sealed bid v1: content key wrapping").

const MAGIC = [0x55, 0x46, 0x53, 0x42]; // "UFSB"
const VERSION = 1;
const SUITE = 1;
export const CHUNK_SIZE = 64 * 1024;
export const HEADER_SIZE = 122;
const TAG_SIZE = 16;
const INFO = new TextEncoder().encode("unefois sealed bid v1: content key wrapping");
const P256 = { name: "ECDH", namedCurve: "P-256" };

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

function nonce(prefix, counter, last) {
  const value = new Uint8Array(12);
  value.set(prefix, 0);
  new DataView(value.buffer).setUint32(7, counter, false);
  value[11] = last ? 1 : 0;
  return value;
}

async function wrappingKey(ephemeralPrivate, ephemeralPoint, recipientKey, recipientPoint) {
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: recipientKey }, ephemeralPrivate, 256);
  const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: concat(ephemeralPoint, recipientPoint), info: INFO },
    ikm, { name: "AES-KW", length: 256 }, false, ["wrapKey"]);
}

// The header and the content key of one sealed bid. `fixed` (test vectors only) gives the
// ephemeral private key as a JWK, the raw content key and the nonce prefix.
async function start(publicKeyJwk, chunkSize, fixed) {
  const recipientKey = await crypto.subtle.importKey("jwk", publicKeyJwk, P256, true, []);
  const recipientPoint = new Uint8Array(await crypto.subtle.exportKey("raw", recipientKey));
  let ephemeral;
  if (fixed) {
    const privateKey = await crypto.subtle.importKey("jwk", fixed.ephemeral, P256, false, ["deriveBits"]);
    const { d, ...publicJwk } = fixed.ephemeral; // eslint-disable-line no-unused-vars
    const publicKey = await crypto.subtle.importKey("jwk", publicJwk, P256, true, []);
    ephemeral = { privateKey, publicKey };
  } else {
    ephemeral = await crypto.subtle.generateKey(P256, false, ["deriveBits"]);
  }
  const ephemeralPoint = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const contentKey = fixed
    ? await crypto.subtle.importKey("raw", fixed.contentKey, "AES-GCM", true, ["encrypt"])
    : await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  const kek = await wrappingKey(ephemeral.privateKey, ephemeralPoint, recipientKey, recipientPoint);
  const wrapped = new Uint8Array(await crypto.subtle.wrapKey("raw", contentKey, kek, "AES-KW"));
  const prefix = fixed ? new Uint8Array(fixed.prefix) : crypto.getRandomValues(new Uint8Array(7));
  const header = new Uint8Array(HEADER_SIZE);
  header.set(MAGIC, 0);
  header[4] = VERSION;
  header[5] = SUITE;
  new DataView(header.buffer).setUint32(6, chunkSize, false);
  header.set(ephemeralPoint, 10);
  header.set(wrapped, 75);
  header.set(prefix, 115);
  return { header, contentKey, prefix };
}

/** The sealed size of a plaintext of `size` bytes (what the deposit will receive). */
export function sealedSize(size, chunkSize = CHUNK_SIZE) {
  return HEADER_SIZE + size + Math.max(1, Math.ceil(size / chunkSize)) * TAG_SIZE;
}

/**
 * Seal a Blob or File chunk by chunk: yields the header, then one sealed chunk at a time
 * (at most one chunk of plaintext in memory). `onProgress(doneBytes, totalBytes)` after each.
 */
export async function* sealChunks(publicKeyJwk, blob, onProgress, { chunkSize = CHUNK_SIZE, fixed } = {}) {
  const { header, contentKey, prefix } = await start(publicKeyJwk, chunkSize, fixed);
  yield header;
  const total = blob.size;
  const count = Math.max(1, Math.ceil(total / chunkSize));
  for (let index = 0; index < count; index += 1) {
    const plain = await blob.slice(index * chunkSize, Math.min(total, (index + 1) * chunkSize)).arrayBuffer();
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce(prefix, index, index === count - 1), additionalData: header, tagLength: 128 },
      contentKey, plain);
    yield new Uint8Array(sealed);
    if (onProgress) onProgress(Math.min(total, (index + 1) * chunkSize), total);
  }
}

/** Seal a Blob or File; resolves to the sealed Blob (application/octet-stream). */
export async function sealFile(publicKeyJwk, blob, onProgress, options = {}) {
  const parts = [];
  for await (const part of sealChunks(publicKeyJwk, blob, onProgress, options)) parts.push(part);
  return new Blob(parts, { type: "application/octet-stream" });
}
