// Runs pavise-ct-check built for wasm32-wasip1 inside V8, the engine Envoy runs the filters in.
// Usage: node run-wasi.mjs pavise-ct-check.wasm [SAMPLES]
import { readFile } from 'node:fs/promises';
import { argv, exit } from 'node:process';
import { WASI } from 'node:wasi';

const wasi = new WASI({
  version: 'preview1',
  args: ['pavise-ct-check', ...argv.slice(3)],
  env: {},
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(argv[2]));
// Linking pavise-auth also links the filter's proxy-wasm host imports; ct-check never calls
// them, so each is a function that throws if it ever were.
const imports = wasi.getImportObject();
imports.env = {};
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.module === 'env' && imp.kind === 'function') {
    imports.env[imp.name] = () => { throw new Error(`host call ${imp.name} is not available here`); };
  }
}
const instance = await WebAssembly.instantiate(module, imports);
// The linked filter also exports `_initialize` (a reactor's entry point), which WASI.start
// refuses next to `_start`; hand it only what a command needs.
const { memory, _start } = instance.exports;
exit(wasi.start({ exports: { memory, _start } }));
