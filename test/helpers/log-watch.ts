import { EventEmitter } from 'node:events';

/** One parsed pino line. */
export type LogLine = Record<string, unknown>;

export type LogMatch = (line: LogLine) => boolean;

/**
 * The log lines of a server under test as they are written, and waits on them: a test waits
 * for the line that announces what it needs (a worker listening, a reload, an access line)
 * instead of polling. Every wait is bounded by `limitMs` and fails at once if the log ends
 * (the process exited) first.
 */
export class LogWatch {
  /** Lines written so far, in order. */
  readonly lines: LogLine[] = [];
  private readonly written = new EventEmitter();
  private endedBecause: string | null = null;
  private partial = '';

  /** Feeds raw output (newline-separated JSON, as pino writes it); other lines are ignored. */
  feed(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    let added = false;
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      try {
        this.lines.push(JSON.parse(part) as LogLine);
        added = true;
      } catch {
        // A line another writer interleaved into: not a log line.
      }
    }
    if (added) this.written.emit('line');
  }

  /** No more lines will come (the process exited): pending waits fail with `reason`. */
  end(reason: string): void {
    this.endedBecause = reason;
    this.written.emit('line');
  }

  /** Resolves with the first `count` lines that match (written before or after the call). */
  logged(match: LogMatch, count = 1, limitMs = 20_000): Promise<LogLine[]> {
    return this.wait(0, match, count, limitMs);
  }

  /** Resolves with the first matching line written after the call. */
  async nextLog(match: LogMatch, limitMs = 20_000): Promise<LogLine> {
    const [line] = await this.wait(this.lines.length, match, 1, limitMs);
    return line as LogLine;
  }

  private wait(from: number, match: LogMatch, count: number, limitMs: number): Promise<LogLine[]> {
    return new Promise((resolve, reject) => {
      const found = (): LogLine[] => this.lines.slice(from).filter(match);
      const stop = (): void => {
        clearTimeout(timer);
        this.written.off('line', check);
      };
      const check = (): void => {
        const lines = found();
        if (lines.length >= count) {
          stop();
          resolve(lines.slice(0, count));
        } else if (this.endedBecause !== null) {
          stop();
          reject(new Error(`${this.endedBecause} before ${count} matching log line(s) (found ${lines.length})`));
        }
      };
      const timer = setTimeout(() => {
        this.written.off('line', check);
        reject(new Error(`waited ${limitMs} ms for ${count} matching log line(s), found ${found().length}`));
      }, limitMs);
      this.written.on('line', check);
      check();
    });
  }
}
