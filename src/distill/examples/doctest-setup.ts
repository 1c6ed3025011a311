/**
 * The names a project's own doctest runs provide before every doctest: Sphinx's `doctest_global_setup` in a
 * docs conf.py, and pytest's `doctest_namespace[...] = ...` in conftest.py files; and the output settings its
 * autouse conftest fixtures make (`np.set_printoptions(precision=4)`: the doctests' expected output assumes them). A doctest that uses `ct.tf`
 * because conf.py says `import control as ct` is runnable only with that setup in front of it. Read as text:
 * nothing of the repository runs.
 */
import type { RepoFile } from '../../ingest/types.js';
import { isImportStatement, parseImport } from '../../python/imports.js';
import { boundNames, dedent, freeNames, identifiersIn } from '../../python/syntax.js';

export interface DoctestSetup {
  /** Statements, one per line, in the order the project runs them. */
  lines: string[];
  /** Names they bind. */
  names: Set<string>;
  /**
   * What every doctest runs under whatever names it uses: output settings an autouse conftest fixture makes
   * (numpy's print options, pandas' display options), with the imports they need.
   */
  always: string[];
}

const GLOBAL_SETUP = /^doctest_global_setup\s*=\s*[rRuU]?("""|'''|"|')([\s\S]*?)\1/m;
const NAMESPACE = /doctest_namespace\s*\[\s*(['"])(\w+)\1\s*\]\s*=\s*([A-Za-z_][\w.]*)\s*$/gm;
/** An autouse fixture and its body (the indented lines after the def). */
const AUTOUSE = /@pytest\.fixture\(([^)]*\bautouse\s*=\s*True[^)]*)\)\s*\n\s*def\s+\w+\([^)]*\)\s*:\s*\n((?:[ \t]+\S.*(?:\n|$))+)/g;
/** Calls that change how values print, and with it a doctest's output. */
const OUTPUT_SETTING = /^([A-Za-z_]\w*)\.(?:set_printoptions|set_option)\(.*\)$/;

function boundBy(line: string): string[] {
  if (isImportStatement(line)) return parseImport(line).map((b) => b.local.split('.')[0]!).filter((n) => n !== '*');
  const m = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(line);
  return m ? [m[1]!] : [];
}

/** The project's doctest setup, or null when it has none. */
export async function projectDoctestSetup(files: readonly RepoFile[], read: (p: string) => Promise<string | null>): Promise<DoctestSetup | null> {
  const lines: string[] = [];
  for (const f of files) {
    if (!/(^|\/)conf\.py$/.test(f.path) || !/(^|\/)docs?\//.test(f.path)) continue;
    const m = GLOBAL_SETUP.exec((await read(f.path)) ?? '');
    if (m) lines.push(...dedent(m[2]!).split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() && !l.trim().startsWith('#')));
  }
  const always: string[] = [];
  for (const f of files) {
    if (!/(^|\/)conftest\.py$/.test(f.path)) continue;
    const text = (await read(f.path)) ?? '';
    const imports = text.split('\n').filter((l) => /^(import|from)\s/.test(l) && isImportStatement(l));
    for (const m of text.matchAll(AUTOUSE)) {
      for (const line of dedent(m[2]!).split('\n').map((l) => l.trim())) {
        const call = OUTPUT_SETTING.exec(line);
        if (!call) continue;
        const imp = imports.find((l) => parseImport(l).some((b) => b.local.split('.')[0] === call[1]));
        if (imp) always.push(imp.trim(), line);
      }
    }
    for (const m of text.matchAll(NAMESPACE)) {
      const [, , name, expr] = m;
      const top = expr!.split('.')[0]!;
      const imp = imports.find((l) => parseImport(l).some((b) => b.local.split('.')[0] === top));
      if (!imp) continue;
      lines.push(imp.trim());
      if (name !== expr) lines.push(`${name} = ${expr}`);
    }
  }
  // Only top-level statements (no blocks): what a doctest's globals receive.
  const kept = [...new Set(lines)].filter((l) => !/^\s/.test(l) && !l.endsWith(':'));
  if (!kept.length && !always.length) return null;
  return { lines: kept, names: new Set(kept.flatMap(boundBy)), always: [...new Set(always)] };
}

/**
 * The setup lines a snippet needs: those binding the names it uses, and the statements that act on them
 * (`ct.reset_defaults()` after `import control as ct`); the rest of the setup stays out of the example.
 */
export function setupLinesFor(setup: DoctestSetup, needed: Set<string>): string[] {
  if (needed.size === 0) return [];
  const want = new Set(needed);
  const keeps = (l: string) => {
    const binds = [...boundNames(l)];
    if (binds.length > 0 && /^\s*(import|from)\s/.test(l)) return binds.some((n) => want.has(n));
    return [...identifiersIn(l)].some((n) => want.has(n));
  };
  // What a kept line reads is needed too (`ureg = pint.UnitRegistry()` needs `import pint`).
  for (let size = -1; size !== want.size; ) {
    size = want.size;
    for (const l of setup.lines) if (keeps(l)) for (const n of freeNames(l)) want.add(n);
  }
  return setup.lines.filter(keeps);
}
