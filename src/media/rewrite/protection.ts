/** Where a session's players get licenses, per DRM system, and which key the content uses. */
export interface ProtectionSignal {
  /** 16-byte default key id, hex. */
  kid: string;
  scheme: 'cenc' | 'cbcs';
  clearKeyUrl?: string;
  /**
   * Where a player GETs the 16 raw key bytes (HLS `KEYFORMAT="identity"`, RFC 8216bis §5.1):
   * Shaka's HLS parser knows ClearKey only in this form.
   */
  identityKeyUrl?: string;
  widevineUrl?: string;
  playreadyUrl?: string;
  fairplayUrl?: string;
}

export const SYSTEM_IDS = {
  clearkey: 'e2719d58a985b3c9781ab030af78d30e',
  widevine: 'edef8ba979d64acea3c827dcd51d21ed',
  playready: '9a04f07998404286ab92e65be0885f95',
} as const;

/**
 * A version-1 `pssh` box (ISO/IEC 23001-7 §8.1) listing the key id. Widevine's data is the
 * minimal WidevinePsshData protobuf (field 2 = key_id); other systems carry no data and take
 * what they need from the key id and the license URL signalled beside it.
 */
export function psshBox(systemIdHex: string, kidHex: string): Buffer {
  const kid = Buffer.from(kidHex, 'hex');
  const data = systemIdHex === SYSTEM_IDS.widevine ? Buffer.concat([Buffer.from([0x12, 0x10]), kid]) : Buffer.alloc(0);
  const size = 8 + 4 + 16 + 4 + 16 + 4 + data.length;
  const box = Buffer.alloc(size);
  let o = box.writeUInt32BE(size, 0);
  o += box.write('pssh', o, 'latin1');
  o = box.writeUInt32BE(0x01000000, o); // version 1, flags 0
  o += Buffer.from(systemIdHex, 'hex').copy(box, o);
  o = box.writeUInt32BE(1, o);
  o += kid.copy(box, o);
  o = box.writeUInt32BE(data.length, o);
  data.copy(box, o);
  return box;
}

export function uuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
