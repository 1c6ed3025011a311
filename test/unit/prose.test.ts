import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BLOCKS_FILE, readBlocks, writeLibrary } from '../../src/library/files.js';
import { testManifest } from '../helpers/manifest.js';
import { memoryRepo } from '../helpers/mine-repo.js';
import type { Block, ProseNote } from '../../src/domain/block.js';
import type { FileRole, ResolvedSource } from '../../src/ingest/types.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser } from '../../src/parse/types.js';
import { symbolBlocks } from '../../src/distill/blocks.js';
import { selectSymbols } from '../../src/distill/select.js';
import { createMiningContext, type MineInput } from '../../src/distill/examples/context.js';
import { mine } from '../../src/distill/examples/mine.js';
import { MAX_NOTE_CHARS, MAX_NOTES, MAX_PROSE_CHARS, pickNotes, proseByBlock } from '../../src/distill/prose.js';
import { bodyComments } from '../../src/distill/prose/comments.js';
import { moduleLead } from '../../src/distill/prose/module.js';
import { introduction } from '../../src/distill/prose/notebooks.js';
import { codeMentions, plainText } from '../../src/distill/prose/text.js';
import { readDocPage } from '../../src/distill/examples/doc-fences.js';
import type { ProseFinding } from '../../src/distill/prose/collector.js';

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

const SUN_INIT = '"""Sun and sky."""\nfrom .position import get_position, spa, Site\n';
const SUN_POSITION = `"""
Solar position algorithms: where the sun is in the sky for a place and time.
"""

def get_position(time, latitude, longitude, method="spa"):
    """Solar zenith and azimuth."""
    # Dispatch to the chosen algorithm; each returns degrees.
    # x = spa(time, latitude, longitude)
    return spa(time, latitude, longitude)  # noqa: E501

def spa(time, latitude, longitude):
    """The NREL solar position algorithm."""
    return (time, latitude, longitude)

def airmass(zenith):
    """Relative optical airmass for a zenith angle."""
    return 1.0 / zenith

class Site:
    """A place on the ground."""

    def __init__(self, latitude, longitude):
        self.latitude = latitude
        self.longitude = longitude

    def position(self, time):
        """Where the sun is, seen from here."""
        return get_position(time, self.latitude, self.longitude)
`;

const source: ResolvedSource = {
  kind: 'local', location: '/nowhere', root: '/nowhere', repo: 'sunkit', ref: null, commit: 'sha256:0', url: null, description: null, licenceHint: null, topics: [],
};

interface Repo {
  input: MineInput;
  blocks: Block[];
}

function repo(extra: Record<string, [FileRole, string]>): Repo {
  const files: Record<string, [FileRole, string]> = { 'sun/__init__.py': ['library', SUN_INIT], 'sun/position.py': ['library', SUN_POSITION], ...extra };
  const input = memoryRepo(parser, files, ['sun']);
  const roles = new Map(input.files.map((f) => [f.path, f.role]));
  const selected = selectSymbols(input.parsedFiles, roles);
  const blocks = symbolBlocks(selected, new Map(), new Map(), { library: 'sunkit', source, licence: 'MIT', citation: null, declared: [], packages: ['sun'], roles });
  return { input, blocks };
}

async function proseOf(r: Repo): Promise<Map<string, ProseNote[]>> {
  const ctx = createMiningContext(r.input);
  const mined = await mine(r.input, ctx);
  return proseByBlock(ctx, r.blocks, mined);
}

const notesOf = (m: Map<string, ProseNote[]>, qn: string, src: ProseNote['source']) => (m.get(qn) ?? []).filter((n) => n.source === src);

describe('prose: docs pages', () => {
  test('an autosummary section gives its heading and the paragraphs before the directive to each entry', async () => {
    const page = [
      '.. currentmodule:: sun',
      '',
      'Solar Position',
      '==============',
      '',
      'Functions for calculating solar position.',
      '',
      'Use these unless you know you need another one.',
      '',
      '.. autosummary::',
      '   :toctree: generated/',
      '',
      '   position.get_position',
      '   position.spa',
      '',
      'Airmass',
      '=======',
      '',
      '.. autofunction:: sun.position.airmass',
    ].join('\n');
    const m = await proseOf(repo({ 'docs/api.rst': ['docs', page] }));
    const [note] = notesOf(m, 'sun.position.get_position', 'docs');
    assert.equal(note?.text, 'Solar Position: Functions for calculating solar position. Use these unless you know you need another one.');
    assert.equal(note?.path, 'docs/api.rst');
    assert.equal(notesOf(m, 'sun.position.spa', 'docs')[0]?.text, note?.text);
    // A section with nothing but a one-word heading says no more than the name.
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'docs'), []);
  });

  test('a paragraph naming a block as code is that block’s note, under its headings; one naming many blocks is no one’s', async () => {
    const page = [
      '# User guide',
      '',
      '## Where is the sun',
      '',
      'The `get_position()` function finds the sun for any time and place.',
      '',
      'Compare `get_position`, `spa`, `airmass` and `Site` to see the differences between them all.',
      '',
      'A `time` column is required.',
    ].join('\n');
    const m = await proseOf(repo({ 'docs/guide.md': ['docs', page] }));
    const notes = notesOf(m, 'sun.position.get_position', 'docs');
    assert.deepEqual(notes.map((n) => n.text), ['User guide > Where is the sun: The get_position() function finds the sun for any time and place.']);
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'docs'), []);
  });

  test('the paragraph just before a snippet that calls a block is its note; one separated by another snippet is not', async () => {
    const page = [
      'Tutorial',
      '========',
      '',
      'First find the sun over Golden, Colorado at noon.',
      '',
      '.. code-block:: python',
      '',
      '   from sun import get_position',
      '   print(get_position(12, 39.7, -105.2))',
      '',
      '.. code-block:: python',
      '',
      '   from sun.position import airmass',
      '   print(airmass(2.0))',
    ].join('\n');
    const m = await proseOf(repo({ 'docs/tutorial.rst': ['docs', page] }));
    assert.deepEqual(notesOf(m, 'sun.position.get_position', 'docs').map((n) => n.text), ['Tutorial: First find the sun over Golden, Colorado at noon.']);
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'docs'), []);
  });

  test('prose that names other blocks is theirs: before a snippet, and under a heading that is a block’s name', async () => {
    const page = [
      'Guide',
      '=====',
      '',
      'The ``spa`` function is the most accurate.',
      '',
      '.. code-block:: python',
      '',
      '   from sun.position import spa, airmass',
      '   print(airmass(spa(1, 2, 3)[0]))',
      '',
      'Site',
      '----',
      '',
      'A site is where ``get_position`` is asked from.',
    ].join('\n');
    const m = await proseOf(repo({ 'docs/guide.rst': ['docs', page] }));
    assert.ok(notesOf(m, 'sun.position.spa', 'docs').some((n) => n.text === 'Guide: The spa function is the most accurate.'));
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'docs'), []);
    assert.deepEqual(notesOf(m, 'sun.position.get_position', 'docs'), []);
  });

  test('an automodule section goes to every block of its module, its page description too, after what names the block', async () => {
    const page = [
      'Solar geometry (sun.position)',
      '=============================',
      '',
      '    .. meta::',
      '      :description: Where the sun is, by several algorithms.',
      '',
      '.. automodule:: sun.position',
      '   :members:',
    ].join('\n');
    const m = await proseOf(repo({ 'docs/sun.position.rst': ['docs', page] }));
    const text = 'Solar geometry (sun.position): Where the sun is, by several algorithms.';
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'docs').map((n) => n.text), [text]);
    assert.deepEqual(notesOf(m, 'sun.position.Site.position', 'docs').map((n) => n.text), [text]);
    // Its comments are about the block itself: they come first.
    const notes = m.get('sun.position.get_position')!;
    assert.ok(notes.findIndex((n) => n.source === 'comments') < notes.findIndex((n) => n.text === text));
  });

  test('release notes and developer notes are not prose about what a block does', async () => {
    const page = ['v1.2', '====', '', '* Fixed `get_position()` for times before 1900.'].join('\n');
    const m = await proseOf(repo({ 'docs/whatsnew/v1.2.rst': ['docs', page], 'doc/develop.rst': ['docs', 'Naming\n======\n\nLong names are shortened, as in ``get_position()``.\n'] }));
    assert.deepEqual(notesOf(m, 'sun.position.get_position', 'docs'), []);
  });
});

describe('prose: README', () => {
  test('a README section naming a block gives heading and paragraph as readme notes', async () => {
    const readme = ['# sunkit', '', '## Airmass', '', 'Call `sun.position.airmass` with the zenith angle in degrees.'].join('\n');
    const m = await proseOf(repo({ 'README.md': ['docs', readme] }));
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'readme'), [{ source: 'readme', text: 'sunkit > Airmass: Call sun.position.airmass with the zenith angle in degrees.', path: 'README.md' }]);
  });
});

describe('prose: notebooks', () => {
  const nb = (cells: [string, string][]) =>
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { language: 'python', name: 'python3' } },
      cells: cells.map(([type, src]) => (type === 'code' ? { cell_type: 'code', source: src, outputs: [], execution_count: null, metadata: {} } : { cell_type: 'markdown', source: src, metadata: {} })),
    });

  test('the markdown before a cell goes to the blocks that cell calls, methods on values made earlier too', async () => {
    const text = nb([
      ['markdown', '# Tour'],
      ['code', 'from sun import Site\nhere = Site(39.7, -105.2)'],
      ['markdown', '## Noon\n\nThe sun seen from a site at noon, in degrees.'],
      ['code', 'print(here.position(12))'],
      ['code', 'from sun.position import airmass\nprint(airmass(1.0))'],
    ]);
    const m = await proseOf(repo({ 'examples/tour.ipynb': ['notebook', text] }));
    assert.deepEqual(notesOf(m, 'sun.position.Site.position', 'notebook').map((n) => n.text), ['Noon: The sun seen from a site at noon, in degrees.']);
    // The heading alone is one word: nothing to say of the class it constructs.
    assert.deepEqual(notesOf(m, 'sun.position.Site', 'notebook'), []);
    // A cell with no markdown before it has no introduction.
    assert.deepEqual(notesOf(m, 'sun.position.airmass', 'notebook'), []);
  });

  test('introduction keeps the heading and the last paragraphs, without images or HTML', () => {
    assert.equal(introduction(['## Clear sky\n\n![plot](a.png)\n\nFirst paragraph here.', 'Then **this** [one](http://x).']), 'Clear sky: First paragraph here. Then this one.');
    assert.equal(introduction(['# Setup']), null);
  });
});

describe('prose: module docstrings and comments', () => {
  test('every block of a module, methods too, gets the module docstring’s first paragraph', async () => {
    const m = await proseOf(repo({}));
    const text = 'Solar position algorithms: where the sun is in the sky for a place and time.';
    assert.deepEqual(notesOf(m, 'sun.position.spa', 'module'), [{ source: 'module', text, path: 'sun/position.py' }]);
    assert.equal(notesOf(m, 'sun.position.Site.position', 'module')[0]?.text, text);
  });

  test('moduleLead skips authorship and licence lines and keeps an rst title', () => {
    assert.equal(moduleLead('Created on Mon Jan 5\n\n@author: someone\n\nThermal\n=======\n\nHeat transfer correlations for pipes.\n'), 'Thermal: Heat transfer correlations for pipes.');
    assert.equal(moduleLead('Copyright (c) 2020 Someone. MIT licence.'), null);
    assert.equal(moduleLead('pint.facets.group\n~~~~~~~~~~~~~~~~~\n\nterm.py : Groups of units.\n'), 'Groups of units.');
  });

  test('body comments: prose kept and joined, commented-out code and pragmas left out', async () => {
    const m = await proseOf(repo({}));
    assert.deepEqual(notesOf(m, 'sun.position.get_position', 'comments'), [{ source: 'comments', text: 'Dispatch to the chosen algorithm; each returns degrees.', path: null }]);
    const code = [
      'def f(x):',
      '    # Newton iterations on the residual,',
      '    # started from the ideal-gas guess',
      '    y = x  # type: ignore',
      '    # y = g(x) + 1',
      '    # -----------',
      '    # TODO make faster',
      '    # Newton iterations on the residual,',
      '    # started from the ideal-gas guess',
      '    s = "# not a comment at all here"',
      '    return y',
    ].join('\n');
    assert.equal(bodyComments(code), 'Newton iterations on the residual, started from the ideal-gas guess.');
  });
});

describe('prose: choosing notes', () => {
  const finding = (source: ProseNote['source'], text: string, priority: number, shared = 1): ProseFinding => ({ qualifiedName: 'p.f', note: { source, text, path: null }, priority, line: 0, shared });

  test('most specific first; repeats of the docstring or of a kept note are left out; caps hold', () => {
    const notes = pickNotes(
      [
        finding('module', 'Module about things.', 4),
        finding('docs', 'API: Functions for things, and more.', 0, 3),
        finding('docs', 'Guide: The f function does it all.', 1),
        finding('docs', 'Guide: Computes the thing fast.', 1),
        finding('readme', 'Intro: The f function does it all.', 1),
      ],
      'Computes the thing fast.\n\nParameters\n----------\nx : float',
    );
    assert.deepEqual(notes.map((n) => n.text), ['API: Functions for things, and more.', 'Guide: The f function does it all.', 'Module about things.']);
    const many = Array.from({ length: 20 }, (_, i) => finding(i % 2 ? 'docs' : 'notebook', `Section ${i}: ${'word '.repeat(150)}${i}`, 1));
    const capped = pickNotes(many, null);
    assert.ok(capped.length <= MAX_NOTES);
    assert.ok(capped.every((n) => n.text.length <= MAX_NOTE_CHARS));
    assert.ok(capped.reduce((s, n) => s + n.text.length, 0) <= MAX_PROSE_CHARS);
    assert.ok(capped.length >= 3);
  });

  test('plainText and codeMentions read rst and Markdown inline markup', () => {
    assert.equal(plainText('See :py:func:`~sun.position.spa` and ``airmass`` (:issue:`12`), `docs <http://x>`_ or [here](http://y).'), 'See spa and airmass, docs or here.');
    assert.deepEqual(codeMentions('Use :meth:`Site.position` or ``spa(t)`` with `x`.'), [
      { name: 'Site.position', call: true },
      { name: 'spa', call: true },
      { name: 'x', call: false },
    ]);
  });

  test('doc-fences records the headings and the lines of what a page documents', () => {
    const page = readDocPage(['Top', '===', '', 'Sub', '---', '', '.. autofunction:: a.b'].join('\n'), 'rst');
    assert.deepEqual(page.headings, [
      { section: 1, title: 'Top', level: 1, line: 1 },
      { section: 2, title: 'Sub', level: 2, line: 4 },
    ]);
    assert.equal(page.documented[0]?.line, 7);
    assert.equal(page.documented[0]?.section, 2);
  });
});

describe('prose: the library files', () => {
  const tmp = mkdtemp(path.join(os.tmpdir(), 'cd-prose-test-'));
  after(async () => rm(await tmp, { recursive: true, force: true }));
  const manifest = testManifest('sunkit', { source: { kind: 'local', location: '/nowhere', repo: 'sunkit', ref: null, commit: 'sha256:0', url: null } });

  test('the notes survive writing and loading; a library written before them loads with none', async () => {
    const r = repo({ 'README.md': ['docs', '# sunkit\n\n## Airmass\n\nCall `sun.position.airmass` with the zenith angle.\n'] });
    const prose = await proseOf(r);
    for (const b of r.blocks) b.prose = prose.get(b.qualifiedName) ?? [];
    const dir = await writeLibrary(await tmp, manifest, r.blocks, []);
    const loaded = await readBlocks(dir);
    const airmass = loaded.find((b) => b.qualifiedName === 'sun.position.airmass');
    assert.deepEqual(airmass?.prose, r.blocks.find((b) => b.qualifiedName === 'sun.position.airmass')!.prose);
    assert.ok(airmass!.prose.some((n) => n.source === 'readme'));
    // An older blocks.jsonl has no prose field at all.
    const file = path.join(dir, BLOCKS_FILE);
    const old = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const { prose: _prose, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify(rest);
      });
    await writeFile(file, old.join('\n') + '\n');
    const reloaded = await readBlocks(dir);
    assert.equal(reloaded.length, r.blocks.length);
    assert.ok(reloaded.every((b) => Array.isArray(b.prose) && b.prose.length === 0));
  });
});
