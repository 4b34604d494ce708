import { Ajv, type ErrorObject } from 'ajv';
import { BadRequest } from '../http/errors.js';

/** Body of POST /v1/playback, as JSON Schema: the documentation and the validator in one. */
export const PLAYBACK_REQUEST_SCHEMA = {
  $id: 'https://h3edge.local/schemas/playback-request.json',
  type: 'object',
  additionalProperties: false,
  required: ['profileId', 'titleId', 'device'],
  properties: {
    profileId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' },
    titleId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' },
    device: {
      type: 'object',
      additionalProperties: false,
      required: ['platform', 'maxHeight'],
      properties: {
        platform: { type: 'string', minLength: 1, maxLength: 64 },
        maxHeight: { type: 'integer', minimum: 144, maximum: 4320 },
        codecs: { type: 'array', maxItems: 32, items: { type: 'string', maxLength: 64 } },
        hdr: { type: 'boolean' },
        drm: { type: 'array', maxItems: 8, items: { enum: ['clearkey', 'widevine', 'playready', 'fairplay'] } },
      },
    },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        rttMs: { type: 'number', minimum: 0, maximum: 60_000 },
        downlinkKbps: { type: 'number', minimum: 0, maximum: 10_000_000 },
      },
    },
  },
} as const;

export type DrmSystem = 'clearkey' | 'widevine' | 'playready' | 'fairplay';

export interface PlaybackRequest {
  profileId: string;
  titleId: string;
  device: { platform: string; maxHeight: number; codecs?: string[]; hdr?: boolean; drm?: DrmSystem[] };
  network?: { rttMs?: number; downlinkKbps?: number };
}

/** Compiles the validator once; `parse` turns bad input into a 400 naming the field. */
export function playbackRequestParser(): (body: unknown) => PlaybackRequest {
  const validate = new Ajv({ allErrors: false }).compile<PlaybackRequest>(PLAYBACK_REQUEST_SCHEMA);
  return (body) => {
    if (validate(body)) return body;
    throw new BadRequest('invalid_request', describe(validate.errors?.[0]));
  };
}

function describe(e: ErrorObject | undefined): string {
  if (!e) return 'Invalid request';
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '';
  if (e.keyword === 'required') return `Missing field ${where ? `${where}.` : ''}${String(e.params.missingProperty)}`;
  if (e.keyword === 'additionalProperties') return `Unknown field ${where ? `${where}.` : ''}${String(e.params.additionalProperty)}`;
  return `Field ${where || '(body)'} ${e.message ?? 'is invalid'}`;
}
