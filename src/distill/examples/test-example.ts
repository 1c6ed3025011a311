/**
 * One test function as a runnable example: the imports its body needs (absolute, public), the module
 * constants, helper functions and simple fixtures it uses inlined, the first parametrize case as an
 * assignment, then the body with its asserts.
 */
import type { ExtractedSymbol } from '../../parse/types.js';
import { bodyOf, boundNames, dedent, freeNames, identifiersIn, logicalLines, mask, splitDocstring, splitTopLevel, statementGroups } from '../../python/syntax.js';
import { renderImport } from '../../python/imports.js';
import type { CallResolver } from './call-resolver.js';
import { importsPackage, mergeImports, publicBinding } from './import-rewrite.js';
import type { ModuleInfo } from './module-info.js';
import { decoratorName } from '../../python/syntax.js';
import { dropExpectedFailures, hasTopLevelReturn, inlineParametrize, rewriteUnittestAsserts } from './test-rewrite.js';
import { testSlices } from './test-slice.js';
import { helperAsFunction, readTestClass, sliceSetup, unself, type TestClass } from './test-class.js';

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
 * (tmp_path, monkeypatch, mocks, a `self.` no setup assigns, a file beside the test, ...).
 */
export function buildTestExample(test: ExtractedSymbol, testModule: ModuleInfo, env: TestEnv): TestExample | null {
  const prepared = prepare(test, testModule);
  if (typeof prepared === 'string') return null;
  const built = build(test, testModule, env, prepared, prepared.body);
  return typeof built === 'string' ? null : built;
}

/**
 * The test as one example, or, when it is too long for one, one example per paragraph of its body with the
 * earlier statements that paragraph needs (test-slice.ts). The body is read out of the test once for all of them.
 */
export function buildTestExamples(test: ExtractedSymbol, testModule: ModuleInfo, env: TestEnv): TestExample[] {
  const prepared = prepare(test, testModule);
  if (typeof prepared === 'string') return [];
  const whole = prepared.body;
  const built = build(test, testModule, env, prepared, whole);
  if (built !== 'too long') return typeof built === 'string' ? [] : [built];
  const out: TestExample[] = [];
  for (const piece of testSlices(whole)) {
    const one = build(test, testModule, env, prepared, piece, true);
    if (typeof one !== 'string') out.push(one);
  }
  return out;
}

/** What a test gives before any part of its body is chosen: parametrize cases, its body rewritten, its class's setup. */
interface Prepared {
  assigns: string[];
  body: string;
  cls: TestClass | null;
  classHelpers: string[];
  setupCode: string;
}

/** The test's body out of its def, rewritten to run as a script; a string says why there is no example. */
function prepare(test: ExtractedSymbol, testModule: ModuleInfo): Prepared | string {
  const assigns: string[] = [];
  for (const d of test.decorators) {
    const name = decoratorName(d);
    if (/(^|\.)parametrize$/.test(name)) {
      const a = inlineParametrize(d);
      if (!a) return 'unusable';
      assigns.push(a);
      continue;
    }
    // skipif and usefixtures say when and with what pytest runs it; the example runs where it runs.
    if (/(^|\.)mark\.(skip|xfail)$/.test(name)) return 'unusable';
    if (/(^|\.)mark\.\w+$/.test(name)) continue; // slow, filterwarnings, timeout...: no effect on a snippet
    return 'unusable'; // hypothesis @given, mock.patch, custom decorators
  }
  let body = splitDocstring(bodyOf(test.code).body).rest;
  body = dedent(body).replace(/^\n+|\s+$/g, '');
  let cls: TestClass | null = null;
  const classHelpers: string[] = [];
  let setupCode = '';
  if (test.kind === 'method') {
    const rewritten = rewriteUnittestAsserts(body);
    if (rewritten === null) return 'unusable';
    const dropped = dropExpectedFailures(rewritten);
    if (dropped === null) return 'unusable';
    body = dropped;
    cls = test.parent ? readTestClass(test.parent, testModule) : null;
    if (/\bself\b/.test(mask(body))) {
      if (!cls) return 'unusable';
      const inClass = fromClass(body, cls);
      if (!inClass) return 'unusable';
      ({ body, setupCode } = inClass);
      classHelpers.push(...inClass.helpers);
    }
  } else {
    const dropped = dropExpectedFailures(body);
    if (dropped === null) return 'unusable';
    body = dropped;
  }
  return { assigns, body, cls, classHelpers, setupCode };
}

/** `body` is the part of the prepared body to keep; a string result says why there is no example. */
function build(
  test: ExtractedSymbol,
  testModule: ModuleInfo,
  env: TestEnv,
  prepared: Prepared,
  body: string,
  sliced = false,
): TestExample | string {
  const { assigns, classHelpers, setupCode } = prepared;
  const { cls } = prepared;
  const maskedBody = mask(body);
  if (DISALLOWED_IN_TEST.test(maskedBody) || hasTopLevelReturn(body)) return 'unusable';
  // Paths next to the test file do not exist beside a snippet run elsewhere.
  if (/\b__file__\b/.test(maskedBody)) return 'unusable';
  if (body.trim() === '' || body.trim() === 'pass') return 'unusable';

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
    // A fixture the test's class defines comes before the module's and conftest's, as pytest looks them up.
    const own = where === testModule ? cls?.fixtures.get(name) : undefined;
    const found = own ? { sym: own, info: testModule } : env.findFixture(name, where);
    if (!found) return false;
    const { sym, info } = found;
    const made = fixtureAssignment(name, sym);
    if (!made) return false;
    // The fixture's locals become module-level names of the snippet; they must not clash with the test's.
    const locals = [...boundNames(made.code)].filter((n) => n !== name);
    if (locals.some((n) => bodyNames.has(n))) return false;
    visiting.add(key);
    for (const p of made.params) if (!needFixture(p, info)) return false;
    if (!needNames(made.code, info, new Set(made.params))) return false;
    visiting.delete(key);
    done.add(key);
    pieces.push({ key, code: made.code, isDef: false });
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
  for (const a of assigns) if (!needNames(a.slice(a.indexOf('=') + 1), testModule, skip)) return 'unusable';
  if (setupCode) {
    if (!needNames(setupCode, testModule)) return 'unusable';
    pieces.push({ key: 'setup', code: setupCode, isDef: false });
  }
  for (const [k, h] of classHelpers.entries()) {
    if (!needNames(h, testModule)) return 'unusable';
    pieces.push({ key: `helper:${k}`, code: h, isDef: true });
  }
  if (!needNames(body, testModule, skip)) return 'unusable';
  for (const p of params) {
    if (paramNames.has(p)) continue;
    // A paragraph of a long test needs only the fixtures it reads.
    if (sliced && !bodyNames.has(p)) continue;
    if (!needFixture(p, testModule)) return 'unusable';
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
  if (!importsPackage(code, env.calls.packageNames)) return 'unusable';
  if (code.split('\n').length > MAX_TEST_EXAMPLE_LINES) return 'too long';
  const hasAsserts = /^\s*assert\b/m.test(mask(code)) || /\bassert_\w*\s*\(|\btesting\.assert/.test(mask(code));
  return { code, hasAsserts, needsPytest, path: testModule.file.path, line: test.startLine };
}

/**
 * A pytest fixture as `name = value`: its statements before the `return` (or `yield`: what follows it is
 * teardown, not for a snippet), the first of its `params` for `request.param`, a method fixture's `self`
 * dropped. Null when it needs what a script has no value for.
 */
function fixtureAssignment(name: string, sym: ExtractedSymbol): { code: string; params: string[] } | null {
  // A method's parameters come without self.
  let params = sym.parameters.map((x) => x.name).filter((n) => n !== 'self' && n !== 'cls');
  let stmts = dedent(splitDocstring(bodyOf(sym.code).body).rest).replace(/^\n+|\s+$/g, '');
  const paramsArg = sym.decorators.map((d) => /params\s*=\s*([^]*)$/.exec(d)?.[1]).find((x) => x !== undefined);
  if (paramsArg !== undefined) {
    const first = firstListItem(paramsArg);
    if (first === null) return null;
    stmts = stmts.replace(/\brequest\s*\.\s*param\b/g, `(${first})`);
    params = params.filter((p) => p !== 'request');
  }
  if (/\brequest\b/.test(mask(stmts))) return null;
  const groups = statementGroups(stmts);
  const k = groups.findIndex((g) => /^(return|yield)\b/.test(g.lines[0]!.masked.trim()) && g.lines[0]!.indent === groups[0]!.lines[0]!.indent);
  if (k < 0) return null;
  const retText = groups[k]!.text.trim();
  if (/^return\b/.test(retText) && k !== groups.length - 1) return null;
  const value = retText.replace(/^(return|yield)\s*/, '').trim();
  if (!value) return null;
  const prefix = dedent(groups.slice(0, k).map((g) => g.text).join('\n'));
  if (hasTopLevelReturn(prefix)) return null;
  const code = `${prefix ? prefix + '\n' : ''}${name} = ${value}`;
  if (/\b(self|cls)\b/.test(mask(code))) return null;
  return { code, params };
}

/** The first element of a list or tuple literal (`pytest.param(x, id=...)` gives `x`), or null. */
function firstListItem(text: string): string | null {
  const t = text.trim();
  const m = mask(t);
  if (m[0] !== '[' && m[0] !== '(') return null;
  let depth = 0;
  let end = -1;
  for (let i = 0; i < m.length && end < 0; i++) {
    if ('([{'.includes(m[i]!)) depth++;
    else if (')]}'.includes(m[i]!) && --depth === 0) end = i;
  }
  if (end < 0) return null;
  const inner = t.slice(1, end);
  const r = splitTopLevel(m.slice(1, end), ',')[0];
  if (!r) return null;
  let first = inner.slice(r[0], r[1]).trim();
  const param = /^pytest\.param\s*\(([^]*)\)$/.exec(first);
  if (param) {
    const pr = splitTopLevel(mask(param[1]!), ',')[0];
    if (!pr) return null;
    first = param[1]!.slice(pr[0], pr[1]).trim();
    if (/^\w+\s*=(?!=)/.test(first)) return null;
  }
  return first || null;
}

/**
 * A test method's body out of its class: `x = self.x` lines dropped, `self.x` made `x`, the setup
 * statements the attributes it reads depend on, and the helper methods it calls as functions.
 */
function fromClass(body: string, cls: TestClass): { body: string; setupCode: string; helpers: string[] } | null {
  const names = new Set([...cls.attributes, ...cls.helpers.keys()]);
  body = body
    .split('\n')
    .filter((l) => !/^\s*([A-Za-z_]\w*)\s*=\s*self\s*\.\s*\1\s*$/.test(l))
    .join('\n');
  const selfRefs = (code: string) => new Set([...mask(code).matchAll(/\bself\s*\.\s*([A-Za-z_]\w*)/g)].map((m) => m[1]!));
  const helpers: string[] = [];
  const attrs = new Set<string>();
  const seen = new Set<string>();
  const visit = (refs: Set<string>): boolean => {
    for (const r of refs) {
      if (cls.attributes.has(r)) attrs.add(r);
      const h = cls.helpers.get(r);
      if (!h || seen.has(r)) continue;
      seen.add(r);
      if (h.endLine - h.startLine + 1 > MAX_INLINED_HELPER_LINES) return false;
      const fn = helperAsFunction(h, names);
      if (fn === null) return false;
      helpers.push(fn);
      if (!visit(selfRefs(h.code))) return false;
    }
    return true;
  };
  if (!visit(selfRefs(body))) return null;
  // `psms = np.array(self.psms)` is fine (the attribute is read before the name is bound); a read of
  // `self.psms` after it, or in a helper, would get the local.
  const bound = boundNames(body);
  if ([...seen].some((n) => bound.has(n))) return null;
  const lls = logicalLines(body);
  for (const a of attrs) {
    // A bare `a` that meant a module-level name would read the attribute once `self.a` is `a`.
    const firstBind = lls.findIndex((l) => boundNames(l.text).has(a));
    const before = firstBind < 0 ? lls : lls.slice(0, firstBind);
    if (before.some((l) => identifiersIn(l.text).has(a))) return null;
    if (firstBind >= 0) {
      const l = lls[firstBind]!;
      const eq = l.masked.search(/[^=!<>]=(?!=)/);
      if (eq >= 0 && identifiersIn(l.text.slice(eq + 2)).has(a)) return null;
    }
    if (!bound.has(a)) continue;
    if (helpers.some((h) => identifiersIn(h).has(a))) return null;
    const first = lls.findIndex((l) => boundNames(l.text).has(a));
    if (first < 0 || lls[first]!.indent !== 0) return null;
    const readAgain = lls.slice(first + 1).some((l) => new RegExp(`\\bself\\s*\\.\\s*${a}\\b`).test(l.masked));
    if (readAgain) return null;
  }
  const plain = unself(body, names);
  if (plain === null) return null;
  const setup = sliceSetup(cls.setup, attrs);
  if (setup === null) return null;
  return { body: plain, setupCode: setup.map((s) => s.code!).join('\n'), helpers };
}
