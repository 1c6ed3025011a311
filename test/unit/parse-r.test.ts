import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createParser } from '../../src/parse/parser.js';
import { rModuleOf } from '../../src/parse/r.js';
import type { CodeParser, ExtractedSymbol, ParsedFile } from '../../src/parse/types.js';

let parser: CodeParser;

before(async () => {
  parser = await createParser();
});

function parse(source: string, path = 'R/stats.R'): ParsedFile {
  return parser.parse(path, source, ['']);
}

function sym(file: ParsedFile, name: string): ExtractedSymbol {
  const s = file.symbols.find((x) => x.name === name);
  assert.ok(s, `no symbol ${name}; have ${file.symbols.map((x) => x.name).join(', ')}`);
  return s;
}

/** Line numbers in the tests are the array index + 1. */
const src = (...lines: string[]) => lines.join('\n') + '\n';

describe('r: functions', () => {
  test('roxygen block, signature, parameters, returns and exact lines', () => {
    const f = parse(
      src(
        'library(dplyr)', // 1
        '', // 2
        "#' Weighted mean", // 3
        "#'", // 4
        "#' Averages with weights.", // 5
        "#' @param x numeric values", // 6
        "#' @param w weights,", // 7
        "#'   same length as x", // 8
        "#' @param ... passed to sum()", // 9
        "#' @return A single number.", // 10
        "#' @export", // 11
        'wmean <- function(x, w = rep(1, length(x)), ..., na.rm = FALSE) {', // 12
        '  # weights are normalised', // 13
        '  s <- sum(w * x, ...)', // 14
        '', // 15
        '  s / sum(w)', // 16
        '}', // 17
      ),
    );
    assert.equal(f.language, 'r');
    assert.equal(f.module, 'R.stats');
    const s = sym(f, 'wmean');
    assert.equal(s.kind, 'function');
    assert.equal(s.localName, 'wmean');
    assert.equal(s.parent, null);
    assert.equal(s.startLine, 12);
    assert.equal(s.endLine, 17);
    assert.equal(s.signature, 'wmean <- function(x, w = rep(1, length(x)), ..., na.rm = FALSE)');
    assert.equal(
      s.docstring,
      'Weighted mean\n\nAverages with weights.\n@param x numeric values\n@param w weights,\n  same length as x\n@param ... passed to sum()\n@return A single number.\n@export',
    );
    assert.deepEqual(
      s.parameters.map((p) => [p.name, p.kind, p.default, p.description]),
      [
        ['x', 'positional', null, 'numeric values'],
        ['w', 'positional', 'rep(1, length(x))', 'weights, same length as x'],
        ['...', 'var_positional', null, 'passed to sum()'],
        // After "..." an argument can only be given by name.
        ['na.rm', 'keyword_only', 'FALSE', null],
      ],
    );
    assert.equal(s.returns, 'A single number.');
    assert.deepEqual(s.calls, ['sum']);
    assert.equal(s.bodyLines, 2);
    assert.ok(s.code.startsWith('wmean <- function(x'));
    assert.ok(s.code.endsWith('s / sum(w)\n}'));
  });

  test('= and <<- bindings, backtick names, one-line bodies; no functions nested in calls or functions', () => {
    const f = parse(
      src(
        'sq = function(x) x^2', // 1
        '`%+%` <- function(a, b) paste0(a, b)', // 2
        'counter <<- function() {', // 3
        '  inner <- function() 1', // 4
        '  inner()', // 5
        '}', // 6
        'setMethod("show", "A", function(object) cat("A"))', // 7
        'x <- 5', // 8
      ),
    );
    assert.deepEqual(
      f.symbols.map((s) => [s.name, s.startLine, s.endLine]),
      [
        ['sq', 1, 1],
        ['%+%', 2, 2],
        ['counter', 3, 6],
      ],
    );
    assert.equal(sym(f, 'sq').signature, 'sq = function(x)');
    assert.equal(sym(f, '%+%').signature, '`%+%` <- function(a, b)');
    assert.equal(sym(f, 'counter').signature, 'counter <<- function()');
    assert.equal(sym(f, 'sq').bodyLines, 1);
    assert.equal(sym(f, 'sq').docstring, null);
  });

  test('a plain comment or code between the roxygen block and the function breaks the link', () => {
    const f = parse(
      src(
        "#' Orphan docs",
        'x <- 1',
        'a <- function() 1',
        '# just a comment',
        'b <- function() 2',
        "#' Attached",
        '',
        'c <- function() 3',
      ),
    );
    assert.equal(sym(f, 'a').docstring, null);
    assert.equal(sym(f, 'b').docstring, null);
    // roxygen2 tolerates blank lines between the block and the object.
    assert.equal(sym(f, 'c').docstring, 'Attached');
  });

  test('calls and identifiers, with namespaces and $ accessors', () => {
    const f = parse(
      src(
        'fit <- function(df, formula) {',
        '  m <- stats::lm(formula, data = df)',
        '  out <- broom::tidy(m)',
        '  out$estimate <- round(out$estimate, digits = 2)',
        '  model$predict(df)',
        '}',
      ),
    );
    const s = sym(f, 'fit');
    assert.deepEqual(s.calls, ['stats::lm', 'broom::tidy', 'round', 'model$predict']);
    for (const name of ['stats', 'formula', 'df', 'broom', 'm', 'out', 'model']) {
      assert.ok(s.identifiers.includes(name), `missing ${name} in ${s.identifiers.join(',')}`);
    }
    for (const name of ['lm', 'tidy', 'data', 'digits', 'estimate', 'predict']) {
      assert.ok(!s.identifiers.includes(name), `unexpected ${name}`);
    }
  });
});

describe('r: module level', () => {
  test('imports from library/require/requireNamespace and pkg:: usage', () => {
    const f = parse(
      src(
        'library(ggplot2)', // 1
        'suppressPackageStartupMessages(require("data.table"))', // 2
        'if (!requireNamespace("jsonlite", quietly = TRUE)) stop("need jsonlite")', // 3
        'library(pkg, character.only = TRUE)', // 4
        'f <- function() {', // 5
        '  stats::median(1:3) + stats::sd(1:3) + utils:::head(1)', // 6
        '}', // 7
      ),
    );
    assert.deepEqual(
      f.imports.map((i) => [i.module, i.names, i.line, i.text]),
      [
        ['ggplot2', ['ggplot2'], 1, 'library(ggplot2)'],
        ['data.table', ['data.table'], 2, 'require("data.table")'],
        ['jsonlite', ['jsonlite'], 3, 'requireNamespace("jsonlite", quietly = TRUE)'],
        ['stats', ['stats'], 6, 'stats::median'],
        ['utils', ['utils'], 6, 'utils:::head'],
      ],
    );
    assert.equal(f.moduleDocstring, null);
    assert.equal(f.allExports, null);
  });

  test('module path from the file path', () => {
    assert.equal(rModuleOf('R/utils.R'), 'R.utils');
    assert.equal(rModuleOf('inst/scripts/run.r'), 'inst.scripts.run');
    assert.equal(parse('', 'analysis.R').module, 'analysis');
  });

  test('an empty file', () => {
    const f = parse('');
    assert.deepEqual([f.symbols, f.imports, f.errors], [[], [], []]);
  });

  test('a syntax error is reported and the other functions survive', () => {
    const f = parse(
      src(
        'ok1 <- function(a) a + 1', // 1
        'broken <- function(x) {', // 2
        '  if (x > 1 {', // 3
        '    x', // 4
        '  }', // 5
        '}', // 6
        "#' Still documented", // 7
        'ok2 <- function(b) {', // 8
        '  b * 2', // 9
        '}', // 10
      ),
    );
    assert.ok(f.errors.length >= 1, 'expected a syntax error');
    assert.ok(f.errors.every((e) => e.line >= 2 && e.line <= 10), JSON.stringify(f.errors));
    assert.deepEqual(
      f.symbols.map((s) => [s.name, s.startLine, s.endLine]),
      [
        ['ok1', 1, 1],
        ['ok2', 8, 10],
      ],
    );
    assert.equal(sym(f, 'ok2').docstring, 'Still documented');
  });

  test('a missing closing brace at the end of the file points at a line that exists', () => {
    const f = parse(src('h <- function(x) {', '  x'));
    assert.ok(f.errors.length >= 1);
    for (const e of f.errors) assert.ok(e.line >= 1 && e.line <= 2, JSON.stringify(e));
  });
});
