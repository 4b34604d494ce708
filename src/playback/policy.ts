import type { PlaybackRequest } from './request-schema.js';

/** Operator limits that apply to every session (a plan's ceiling). */
export interface PolicyLimits {
  maxHeight: number;
  maxBandwidth: number;
  tokenTtlSec: number;
}

export interface PlaybackPolicy {
  maxHeight: number;
  maxBandwidth: number;
  /** Where the player's ABR should start: conservative, so the first segments arrive fast. */
  startBitrateKbps: number;
  expiresAtSec: number;
}

/** Fallback start bitrate when nothing is known about the network. */
const DEFAULT_START_KBPS = 800;

/**
 * The session's policy: the lower of the device's and the operator's ceilings, and a start
 * bitrate of half the hinted downlink, capped by 70% of what this profile sustained before
 * (`historyKbps`, median of recent sessions) — starting low costs a little quality for a few
 * seconds; starting high costs a stall.
 */
export function decidePolicy(req: PlaybackRequest, limits: PolicyLimits, nowSec: number, historyKbps?: number): PlaybackPolicy {
  const candidates = [DEFAULT_START_KBPS * 4];
  if (req.network?.downlinkKbps !== undefined) candidates.push(req.network.downlinkKbps * 0.5);
  if (historyKbps !== undefined) candidates.push(historyKbps * 0.7);
  if (req.network?.downlinkKbps === undefined && historyKbps === undefined) candidates.push(DEFAULT_START_KBPS);
  const startBitrateKbps = Math.max(200, Math.round(Math.min(...candidates, limits.maxBandwidth / 1000)));
  return {
    maxHeight: Math.min(req.device.maxHeight, limits.maxHeight),
    maxBandwidth: limits.maxBandwidth,
    startBitrateKbps,
    expiresAtSec: nowSec + limits.tokenTtlSec,
  };
}
