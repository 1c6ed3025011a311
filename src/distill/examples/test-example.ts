/**
 * One test function as a runnable example: the imports its body needs (absolute, public), the module
 * constants, helper functions and simple fixtures it uses inlined, the first parametrize case as an
 * assignment, then the body with its asserts.
 */
import type { ExtractedSymbol } from '../../parse/types.js';
import { bodyOf, boundNames, dedent, freeNames, identifiersIn, logicalLines, mask, splitDocstring } from '../../python/syntax.js';
import { renderImport } from '../../python/imports.js';
import type { CallResolver } from './call-resolver.js';
import { importsPackage, mergeImports, publicBinding } from './import-rewrite.js';
import type { ModuleInfo } from './module-info.js';
import { decoratorName } from '../../python/syntax.js';
import { hasTopLevelReturn, inlineParametrize, rewriteUnittestAsserts } from './test-rewrite.js';

const MAX_TEST_EXAMPLE_LINES = 80;
const MAX_INLINED_HELPER_LINES = 40;

const BUILTIN_FIXTURES =
  /^(tmp_path|tmpdir|tmp_path_factory|tmpdir_factory|monkeypatch|capsys|capfd|capsysbinary|capfdbinary|caplog|request|recwarn|pytestconfig|cache|record_property|record_testsuite_property|doctest_namespace|mocker|benchmark|subtests|event_loop)$/;
const DISALLOWED_IN_TEST =
  /\bpytest\.(raises|warns|deprecated_call|skip|fail|xfail|importorskip|exit)\b|\b(monkeypatch|capsys|capfd|caplog|tmp_path|tmpdir|mocker)\b|\bmock\.|\bMagicMock\b|\bMock\(|\bpatch(\.object)?\(|\bunittest\.mock\b|\bawait\b|\bself\.assertRaises\b|\bassertWarns\b/;

export interface TestExample {
  code: string;
  hasAsserts: boolean;
  needsPytest: boolean;
  path: string;
  line: number;
}

export interface TestEnv {
  calls: CallResolver;
  findFixture(name: string, from: ModuleInfo): { sym: ExtractedSymbol; info: ModuleInfo } | null;
  /** A test/example helper module (conftest, tests/helpers.py) by absolute name, seen from a file. */
  localModule(module: string, from: ModuleInfo): ModuleInfo | null;
}

interface Piece {
  key: string;
  code: string;
  /** Defs get blank lines around them; runs of assignments stay together. */
  isDef: boolean;
}

/**
 * Build a runnable example from one test function: the imports its body needs (absolute, public), the
 * module constants, helper functions and simple fixtures it uses inlined, the first parametrize case
 * as an assignment, then the body with its asserts. Null when the test needs what a snippet cannot give
 * (tmp_path, monkeypatch, mocks, pytest.raises, a fixture with a yield, ...).
 */
export function buildTestExample(test: ExtractedSymbol, testModule: ModuleInfo, env: TestEnv): TestExample | null {
  const assigns: string[] = [];
  for (const d of test.decorators) {
    const name = decoratorName(d);
    if (/(^|\.)parametrize$/.test(name)) {
      const a = inlineParametrize(d);
      if (!a) return null;
      assigns.push(a);
      continue;
    }
    if (/(^|\.)mark\.(skip|skipif|xfail|usefixtures)$/.test(name)) return null;
    if (/(^|\.)mark\.\w+$/.test(name)) continue; // slow, filterwarnings, timeout...: no effect on a snippet
    return null; // hypothesis @given, mock.patch, custom decorators
  }
  let body = splitDocstring(bodyOf(test.code).body).rest;
  body = dedent(body).replace(/^\n+|\s+$/g, '');
  if (test.kind === 'method') {
    const rewritten = rewriteUnittestAsserts(body);
    if (rewritten === null) return null;
    body = rewritten;
    if (/\bself\b/.test(mask(body))) return null;
  }
  const maskedBody = mask(body);
  if (DISALLOWED_IN_TEST.test(maskedBody) || hasTopLevelReturn(body)) return null;
  // Paths next to the test file do not exist beside a snippet run elsewhere.
  if (/\b__file__\b/.test(maskedBody)) return null;
  if (body.trim() === '' || body.trim() === 'pass') return null;

  const params = test.parameters.map((p) => p.name).filter((n) => n !== 'self' && n !== 'cls');
  const bodyNames = new Set([...identifiersIn(body), ...boundNames(body)]);
  const paramNames = new Set(assigns.flatMap((a) => a.split('=')[0]!.split(',').map((s) => s.trim())));
  const pieces: Piece[] = [];
  const imports: string[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();

  const needFixture = (name: string, where: ModuleInfo): boolean => {
    const key = `fixture:${name}`;
    if (done.has(key)) return true;
    if (visiting.has(key) || BUILTIN_FIXTURES.test(name)) return false;
    const found = env.findFixture(name, where);
    if (!found) return false;
    const { sym, info } = found;
    if (sym.decorators.some((d) => /params\s*=/.test(d))) return false;
    const stmts = splitDocstring(bodyOf(sym.code).body).rest;
    const lls = logicalLines(stmts);
    if (lls.length === 0 || lls.some((l) => l.indent !== lls[0]!.indent)) return false; // straight-line only
    const last = lls[lls.length - 1]!;
    const ret = /^return\s+([^]+)$/.exec(last.text.trim());
    if (!ret) return false;
    if (lls.slice(0, -1).some((l) => /^(return|yield|if|for|while|with|try|def|class)\b/.test(l.masked.trim()))) return false;
    const prefix = dedent(lls.slice(0, -1).map((l) => l.text).join('\n'));
    // The fixture's locals become module-level names of the snippet; they must not clash with the test's.
    const clash = [...boundNames(prefix)].some((n) => bodyNames.has(n));
    if (clash) return false;
    const code = `${prefix ? prefix + '\n' : ''}${name} = ${ret[1]!.trim()}`;
    visiting.add(key);
    for (const p of sym.parameters.map((x) => x.name)) if (!needFixture(p, info)) return false;
    if (!needNames(code, info, new Set(sym.parameters.map((x) => x.name)))) return false;
    visiting.delete(key);
    done.add(key);
    pieces.push({ key, code, isDef: false });
    return true;
  };

  // Resolve the free names of `code` in module `where`; false when something required is unresolvable.
  const needNames = (code: string, where: ModuleInfo, skip: Set<string> = new Set()): boolean => {
    for (const n of freeNames(code)) {
      if (skip.has(n)) continue;
      if (!needName(n, where)) return false;
    }
    return true;
  };

  // `required`: the name must be found in `where` (it was imported from there), not just possibly a local.
  const needName = (n: string, where: ModuleInfo, required = false): boolean => {
    const key = `${where.file.path}:${n}`;
    if (done.has(key) || visiting.has(key)) return true;
    const b = where.bindings.get(n);
    if (b) {
      done.add(key);
      const local = env.localModule(b.module, where);
      if (local) {
        if (b.name === null) return false; // `import helpers` then helpers.x: too indirect to inline
        return needName(b.name, local, true) && (b.local === b.name || aliasPiece(b.local, b.name));
      }
      if (b.relative && !env.calls.isPackageModule(b.module)) return false;
      const { relative: _relative, ...plain } = b;
      imports.push(renderImport(publicBinding(plain, env.calls)));
      return true;
    }
    if (where.constants.has(n)) {
      const c = where.constants.get(n);
      if (!c) return false;
      if (c.code.split('\n').length > MAX_INLINED_HELPER_LINES) return false;
      visiting.add(key);
      const ok = needNames(c.code, where, new Set(c.names));
      visiting.delete(key);
      if (!ok) return false;
      for (const name of c.names) done.add(`${where.file.path}:${name}`);
      pieces.push({ key, code: c.code, isDef: false });
      return true;
    }
    const fn = where.functions.get(n) ?? where.classes.get(n);
    if (fn) {
      if (fn.endLine - fn.startLine + 1 > MAX_INLINED_HELPER_LINES) return false;
      visiting.add(key);
      const ok = needNames(fn.code, where, new Set([n]));
      visiting.delete(key);
      if (!ok) return false;
      done.add(key);
      pieces.push({ key, code: dedent(fn.code), isDef: true });
      return true;
    }
    // `from pkg import *`: a name the package provides gets its own explicit import.
    for (const star of where.stars) {
      const hit = env.calls.lookup(`${star}.${n}`).find((h) => h.kind !== 'method');
      if (hit) {
        done.add(key);
        imports.push(`from ${hit.publicImport} import ${n}`);
        return true;
      }
    }
    return !required; // a local of the body, a builtin, or an attribute: nothing to bring in
  };

  const aliasPiece = (local: string, name: string): boolean => {
    pieces.push({ key: `alias:${local}`, code: `${local} = ${name}`, isDef: false });
    return true;
  };

  // Body names first, so module constants come before the fixtures in the snippet, as they would in a file.
  const skip = new Set([...params, ...paramNames]);
  for (const a of assigns) if (!needNames(a.slice(a.indexOf('=') + 1), testModule, skip)) return null;
  if (!needNames(body, testModule, skip)) return null;
  for (const p of params) {
    if (paramNames.has(p)) continue;
    if (!needFixture(p, testModule)) return null;
  }

  const importBlock = mergeImports(imports, env.calls.packageNames);
  let middle = '';
  pieces.forEach((p, k) => {
    const prev = pieces[k - 1];
    if (prev) middle += prev.isDef || p.isDef ? '\n\n' : '\n';
    middle += p.code.replace(/\s+$/, '');
  });
  const sections = [importBlock.join('\n'), middle, assigns.join('\n'), body].filter((s) => s.trim() !== '');
  let code = sections.join('\n\n') + '\n';
  const needsPytest = /\bpytest\./.test(mask(code));
  if (needsPytest && !importBlock.includes('import pytest')) code = `import pytest\n${code}`;
  if (needsPytest) code = `# needs pytest${/\bpytest\.approx\b/.test(code) ? ' (pytest.approx)' : ''}\n${code}`;
  if (!importsPackage(code, env.calls.packageNames)) return null;
  if (code.split('\n').length > MAX_TEST_EXAMPLE_LINES) return null;
  const hasAsserts = /^\s*assert\b/m.test(mask(code)) || /\bassert_\w*\s*\(|\btesting\.assert/.test(mask(code));
  return { code, hasAsserts, needsPytest, path: testModule.file.path, line: test.startLine };
}
