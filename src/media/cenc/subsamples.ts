/** One CENC subsample: clear bytes followed by protected bytes (ISO/IEC 23001-7 §7.2). */
export interface Subsample {
  clear: number;
  protected: number;
}

const AES_BLOCK = 16;

/**
 * Subsamples for an AVC sample (length-prefixed NAL units): parameter sets, SEI and other
 * non-VCL units stay entirely clear; in slice NAL units the length field, the NAL header and a
 * short remainder stay clear so the protected part is a whole number of AES blocks, as CENC
 * §10.2 and CMAF ask for video. Adjacent clear runs are merged.
 */
export function avcSubsamples(sample: Buffer, lengthSize: number): Subsample[] {
  const out: Subsample[] = [];
  let clear = 0;
  let at = 0;
  while (at < sample.length) {
    if (at + lengthSize > sample.length) throw new Error('truncated NAL length');
    const nalSize = sample.readUIntBE(at, lengthSize);
    const end = at + lengthSize + nalSize;
    if (end > sample.length) throw new Error('NAL unit overruns its sample');
    const nalType = (sample[at + lengthSize] ?? 0) & 0x1f;
    const isSlice = nalType >= 1 && nalType <= 5;
    const body = nalSize - 1; // after the one-byte NAL header
    const protectedBytes = isSlice ? body - (body % AES_BLOCK) : 0;
    clear += lengthSize + nalSize - protectedBytes;
    if (protectedBytes > 0) {
      out.push({ clear, protected: protectedBytes });
      clear = 0;
    }
    at = end;
  }
  if (clear > 0) out.push({ clear, protected: 0 });
  return splitLargeClear(out);
}

/** The clear count field is 16 bits: longer clear runs become several subsamples. */
function splitLargeClear(list: Subsample[]): Subsample[] {
  const out: Subsample[] = [];
  for (const s of list) {
    let clear = s.clear;
    while (clear > 0xffff) {
      out.push({ clear: 0xffff, protected: 0 });
      clear -= 0xffff;
    }
    out.push({ clear, protected: s.protected });
  }
  return out;
}
