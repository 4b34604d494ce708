import { ConfigError } from '../config/errors.js';
import type { CommandIo } from './io.js';
import { runServe, SERVE_USAGE } from './commands/serve.js';
import { PACKAGE_USAGE } from './commands/package.js';
import { FILL_USAGE } from './commands/fill.js';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

interface Subcommand {
  usage: string;
  /** One line on what it does, printed by `h3edge <command> --help`. */
  summary: string;
  readmeSection: string;
  load: () => Promise<Command>;
}

const COMMANDS: Readonly<Record<string, Subcommand>> = {
  serve: {
    usage: SERVE_USAGE,
    summary: 'Serves the media directory over HTTP/2 and HTTP/3 (same port, TCP and UDP) until SIGINT/SIGTERM; SIGHUP reloads.',
    readmeSection: 'Serving',
    load: async () => runServe,
  },
  package: {
    usage: PACKAGE_USAGE,
    summary: 'Packages one input into a title directory: CMAF renditions, HLS master.m3u8 and DASH manifest.mpd.',
    readmeSection: 'Packaging',
    load: async () => (await import('./commands/package.js')).runPackage,
  },
  fill: {
    usage: FILL_USAGE,
    summary: 'Pre-positions titles from an upstream on this edge before anyone asks; prints a JSON summary.',
    readmeSection: 'Nightly fill',
    load: async () => (await import('./commands/fill.js')).runFillCommand,
  },
};

const USAGE = `usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join('\n')}
  h3edge <command> --help`;

const HELP_FLAGS = new Set(['--help', '-h']);

function commandHelp(c: Subcommand): string {
  return `usage: ${c.usage}\n\n${c.summary}\nEvery flag, default and limit: README.md, section "${c.readmeSection}".\n`;
}

/** Runs one subcommand and returns the process exit code: 0 ok, 2 usage/config, 1 other failure. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  const helpFor = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
  if (helpFor) {
    io.stdout.write(commandHelp(helpFor));
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`h3edge: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  // Before the command parses anything: `--help` anywhere asks for this command's usage.
  if (rest.some((a) => HELP_FLAGS.has(a))) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`h3edge: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`h3edge: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
