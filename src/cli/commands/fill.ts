import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../config/errors.js';
import { LOG_LEVELS, type LogLevel } from '../../config/config.js';
import { createLogger } from '../../observe/logger.js';
import { loadKeySet } from '../../playback/keyset.js';
import { runFill } from '../../edge/fill/fill-run.js';
import { insideWindow, parseFillWindow } from '../../edge/fill/fill-window.js';
import { upstreamPathFor } from '../../edge/upstream-path.js';
import type { CommandIo } from '../io.js';

export const FILL_USAGE = `h3edge fill --upstream https://origin:8443 --media DIR [--upstream-ca F] [--token-keys F]
             [--plan plan.json] [--window 02:00-06:00 | --now] [--rate-bits-per-sec N] [--disk-budget-bytes N]`;

/**
 * `h3edge fill`: pre-positions titles from an upstream before anyone asks. Prints progress to
 * stderr and a JSON summary to stdout; exits 0 when every file is in place and verified, 1 when
 * some were rejected or failed, 2 for usage errors. Safe to kill and run again.
 */
export async function runFillCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parse(argv);
  if (!values.upstream || !values.media) throw new ConfigError(`--upstream and --media are required (usage: ${FILL_USAGE})`);
  let window;
  try {
    window = parseFillWindow(values.window ?? '02:00-06:00');
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (!values.now && !insideWindow(window, new Date())) {
    io.stderr.write(`h3edge fill: outside the fill window ${values.window ?? '02:00-06:00'}; nothing to do (--now to fill anyway)\n`);
    return 0;
  }
  const level = (values['log-level'] ?? 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const keys = values['token-keys'] ? loadKeySet(values['token-keys']) : null;
  const plan = values.plan ? (JSON.parse(readFileSync(values.plan, 'utf8')) as { titles: string[] }).titles : undefined;
  let lastTenth = -1;
  const summary = await runFill({
    upstream: values.upstream.replace(/\/+$/, ''),
    extraCa: values['upstream-ca'] ? [readFileSync(values['upstream-ca'])] : [],
    root: values.media,
    upstreamPath: upstreamPathFor(keys ? () => keys : null, Date.now),
    plan,
    rateBitsPerSec: number(values['rate-bits-per-sec']),
    diskBudgetBytes: number(values['disk-budget-bytes']),
    windowClosed: () => !values.now && !insideWindow(window, new Date()),
    onProgress: (p) => {
      const tenth = Math.floor((p.doneBytes / Math.max(1, p.totalBytes)) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      io.stderr.write(`fill: ${tenth * 10}% (${p.title})\n`);
    },
    logger: createLogger(level, undefined),
    clock: Date.now,
  });
  io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.filesFailed === 0 ? 0 : 1;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        upstream: { type: 'string' },
        media: { type: 'string' },
        'upstream-ca': { type: 'string' },
        'token-keys': { type: 'string' },
        plan: { type: 'string' },
        window: { type: 'string' },
        now: { type: 'boolean' },
        'rate-bits-per-sec': { type: 'string' },
        'disk-budget-bytes': { type: 'string' },
        'log-level': { type: 'string' },
      },
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (see h3edge fill --help)`);
  }
}

function number(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d+$/.test(text)) throw new ConfigError(`expected a non-negative integer, got "${text}"`);
  return Number(text);
}
