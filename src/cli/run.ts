import { main } from './main.js';

// Process entry: `bin/h3edge.js` runs the compiled copy of this file.
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
