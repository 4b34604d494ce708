/**
 * Why packaging a title failed. Each subclass carries a stable `code` (for scripts and tests to
 * branch on) and a one-line message that is safe to print; the CLI maps every one of them to a
 * non-zero exit code without a stack trace.
 */
export class PackagingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input path does not exist or cannot be read. */
export class InputNotFound extends PackagingError {
  constructor(input: string) {
    super('input_not_found', `input not found: ${input}`);
  }
}

/** The input exists but ffprobe finds no video stream in it (an audio file, text, garbage). */
export class InputNotVideo extends PackagingError {
  constructor(input: string, detail: string) {
    super('input_not_video', `input is not a video: ${input} (${detail})`);
  }
}

/** A ladder that cannot be encoded: unparsable, duplicate heights, or above the source. */
export class InvalidLadder extends PackagingError {
  constructor(detail: string) {
    super('invalid_ladder', `invalid ladder: ${detail}`);
  }
}

/** A command-line or option value the packager cannot use. */
export class InvalidPackageOption extends PackagingError {
  constructor(detail: string) {
    super('invalid_option', detail);
  }
}

/** ffmpeg exited non-zero; `stderrTail` holds its last lines for the operator. */
export class EncodeFailed extends PackagingError {
  constructor(
    exitCode: number | null,
    readonly stderrTail: string,
  ) {
    const last = stderrTail.trim().split('\n').pop() ?? '';
    super('encode_failed', `ffmpeg failed (exit ${exitCode ?? 'signal'}): ${last}`);
  }
}

/** An encoded file is not the fragmented MP4 we asked ffmpeg for. */
export class MalformedMp4 extends PackagingError {
  constructor(detail: string) {
    super('malformed_mp4', `unexpected MP4 structure: ${detail}`);
  }
}

/** A subtitle file that is not WebVTT we can read. */
export class InvalidSubtitles extends PackagingError {
  constructor(detail: string) {
    super('invalid_subtitles', `invalid subtitles: ${detail}`);
  }
}
