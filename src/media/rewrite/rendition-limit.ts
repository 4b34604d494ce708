/** What a playback session may see: renditions above either bound are removed from its manifests. */
export interface RenditionLimit {
  maxHeight: number;
  maxBandwidth: number;
}

/** True if a rendition with these attributes fits the limit (unknown attributes fit). */
export function fits(limit: RenditionLimit, height: number | undefined, bandwidth: number | undefined): boolean {
  return (height === undefined || height <= limit.maxHeight) && (bandwidth === undefined || bandwidth <= limit.maxBandwidth);
}
