#!/usr/bin/env node
// Entry point of the `h3edge` command; the compiled CLI lives in dist/ (`make build`).
await import('../dist/cli/run.js');
