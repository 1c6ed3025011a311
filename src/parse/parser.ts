/**
 * The parse stage: tree-sitter (WebAssembly) grammars behind one CodeParser. Repository code is only read,
 * never imported or run.
 *
 * The grammars belong to the parser object, not to this module. web-tree-sitter itself keeps one wasm instance
 * per process (Parser.init() sets it up once and is cheap to call again), and every Grammar.load links one more
 * copy of a grammar into it that is never freed: so create one parser per process (app.ts does) and hand it on.
 */
import { Language as Grammar, Parser, type Node, type Tree } from 'web-tree-sitter';
import type { Language } from '../domain/block.js';
import { CodedistillError, errorMessage } from '../kernel/errors.js';
import { languageSupports, supportForPath } from './languages.js';
import { lineCount, normaliseSource, syntaxErrors } from './nodes.js';
import type { ModuleRoot } from '../python/modules.js';
import { createParsePool } from './pool.js';
import type { CodeParser, LanguageSupport, ParsedFile } from './types.js';

/**
 * Loads every known grammar in one go, whatever the caller asked for: a grammar loaded after parses have run
 * took 4.5–15 s on this kind of machine, against about 100 ms for all of them up front.
 */
async function loadGrammars(): Promise<Map<Language, Grammar>> {
  await Parser.init();
  const grammars = new Map<Language, Grammar>();
  for (const support of languageSupports()) {
    try {
      grammars.set(support.language, await Grammar.load(support.grammarPath));
    } catch (cause) {
      throw new CodedistillError(
        'internal',
        `Could not load the ${support.language} grammar: ${errorMessage(cause)}.`,
        'Reinstall the dependencies (npm ci); the grammar packages ship the .wasm files.',
        { cause },
      );
    }
  }
  return grammars;
}

/**
 * `workers`: worker threads that parse beside this one in parseAll (pool.ts), each loading its own grammars on
 * first use; 0 (the default) parses on this thread alone.
 */
export async function createParser(opts: { languages?: Language[]; workers?: number; minChars?: number } = {}): Promise<CodeParser> {
  const all = languageSupports();
  const wanted = opts.languages ?? all.map((s) => s.language);
  const unknown = wanted.filter((l) => !all.some((s) => s.language === l));
  if (unknown.length > 0) {
    throw new CodedistillError(
      'invalid_input',
      `No parser for ${unknown.join(', ')}.`,
      `Supported languages: ${all.map((s) => s.language).join(', ')}.`,
    );
  }
  const grammars = await loadGrammars();
  const supports = all.filter((s) => wanted.includes(s.language));
  const parsers = new Map<Language, Parser>();
  for (const s of supports) {
    const p = new Parser();
    p.setLanguage(grammars.get(s.language)!);
    parsers.set(s.language, p);
  }

  const parse = (relPath: string, source: string, importRoots: readonly ModuleRoot[]): ParsedFile => {
    const support = supportForPath(relPath, supports);
    if (!support) {
      throw new CodedistillError('invalid_input', `No parser for ${relPath}.`, 'Parse only files for which languageOf() is not null.');
    }
    return parseWith(parsers.get(support.language)!, support, relPath, source, importRoots);
  };
  const pool = createParsePool((j) => parse(j.relPath, j.source, j.importRoots), {
    workers: opts.workers ?? 0,
    ...(opts.minChars !== undefined ? { minChars: opts.minChars } : {}),
  });
  return {
    languages: () => supports.map((s) => s.language),
    languageOf: (relPath) => supportForPath(relPath, supports)?.language ?? null,
    parse,
    parseAll: (jobs, o) => pool.parseAll(jobs, o),
    close: () => pool.close(),
  };
}

function treeOf(parser: Parser, text: string, relPath: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new CodedistillError('internal', `The parser returned no tree for ${relPath}.`, 'Report this file.');
  return tree;
}

function parseWith(parser: Parser, support: LanguageSupport, relPath: string, source: string, importRoots: readonly ModuleRoot[]): ParsedFile {
  const text = normaliseSource(source);
  const module = support.moduleOf(relPath, importRoots);
  const head = { path: relPath, language: support.language, module };
  const extract = (root: Node, src: string) => {
    try {
      return support.extract(root, src, relPath, module);
    } catch (cause) {
      throw new CodedistillError(
        'internal',
        `Extracting ${relPath} failed: ${errorMessage(cause)}.`,
        'Report this file; the rest of the repository can still be parsed.',
        { cause },
      );
    }
  };

  let repaired: string | null = null;
  let errors: ParsedFile['errors'];
  const tree = treeOf(parser, text, relPath);
  try {
    if (!tree.rootNode.hasError) return { ...head, ...extract(tree.rootNode, text) };
    errors = syntaxErrors(tree.rootNode, lineCount(text));
    repaired = support.statementStarts ? blankBrokenStatements(parser, tree.rootNode, text, support) : null;
    if (repaired === null) return { ...head, ...extract(tree.rootNode, text), errors };
  } finally {
    tree.delete();
  }
  const second = treeOf(parser, repaired, relPath);
  try {
    // Errors are those of the file as written; the repaired text only serves to recover definitions.
    return { ...head, ...extract(second.rootNode, repaired), errors };
  } finally {
    second.delete();
  }
}

function endRow(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row - 1 : row;
}

/**
 * Tree-sitter's recovery often folds everything after a syntax error into one ERROR node, losing intact
 * definitions further down. Each top-level statement in the damaged stretch is parsed alone; those that fail are
 * replaced by empty lines (rows are kept, so line numbers stay exact) and the rest survive. Returns null when
 * nothing could be isolated.
 */
function blankBrokenStatements(parser: Parser, root: Node, text: string, support: LanguageSupport): string | null {
  const lines = text.split('\n');
  const ranges: [number, number][] = [];
  const pieces = root.isError ? [] : root.children;
  if (root.isError) ranges.push([0, lines.length - 1]);
  for (const child of pieces) {
    if (!(child.hasError || child.isError || child.isMissing)) continue;
    const a = child.startPosition.row;
    const b = Math.max(a, endRow(child));
    const last = ranges[ranges.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else ranges.push([a, b]);
  }
  let changed = false;
  for (const [a, b] of ranges) {
    const starts = support.statementStarts!(lines, a, b);
    for (let k = 0; k < starts.length; k++) {
      const from = starts[k]!;
      const to = (starts[k + 1] ?? b + 1) - 1;
      const piece = parser.parse(lines.slice(from, to + 1).join('\n'));
      const broken = !piece || piece.rootNode.hasError;
      piece?.delete();
      if (!broken) continue;
      for (let r = from; r <= to; r++) lines[r] = '';
      changed = true;
    }
  }
  return changed ? lines.join('\n') : null;
}
