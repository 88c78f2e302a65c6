// The benches run their TypeScript sources with Node's type stripping, and the sources
// import each other as `./x.js` (what tsc wants): resolve such a specifier to `./x.ts` when
// no `.js` file is there. Loaded first by each bench, by URL (a `.ts` specifier would not
// typecheck, and a `.js` one could not be found before this hook is in place).
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js'))
        return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
      throw err;
    }
  },
});
