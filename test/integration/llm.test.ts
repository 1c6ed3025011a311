/**
 * The optional language-model features against a scripted OpenAI-compatible server on loopback: answers
 * are queued per test and every request is recorded, so the tests check both what we send and how we cope
 * with what comes back. Runs go through a fake Runner (no Python needed), and once through the real one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { Block, Example } from '../../src/domain/block.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { summarize } from '../../src/distill/summary.js';
import { CodedistillError } from '../../src/kernel/errors.js';
import { createLlmClient, LlmError, type LlmClient, type LlmClientOptions } from '../../src/enrich/client.js';
import { extractPythonCode, orderExamples } from '../../src/enrich/common.js';
import { enrichBlocks, SUMMARY_TAG } from '../../src/enrich/enrich.js';
import { EXAMPLE_TAG, generateExamples, type GenerateOptions, type GenerationLimits } from '../../src/enrich/generate.js';
import { callsBlock } from '../../src/enrich/common.js';
import { repairExample, repairLibraryExamples } from '../../src/enrich/repair.js';
import { createLogger, type Logger } from '../../src/kernel/log.js';
import type { RunRequest, Runner } from '../../src/validate/types.js';
import { tempDir, testEnv } from '../helpers/tmp.js';
import { runnerServices } from '../helpers/runner.js';

const KEY = 'sk-test-SECRET-4f9a2c';
const MODEL = 'tiny-test-model';

// ---------------------------------------------------------------------------------------------
// scripted server

interface Recorded {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; max_tokens?: number; temperature?: number };
}
type Reply = { status?: number; headers?: Record<string, string>; body?: unknown } | { hang: true };

const script: Reply[] = [];
const requests: Recorded[] = [];
const hanging: http.ServerResponse[] = [];
let arrived: (() => void) | null = null;
let server: http.Server;
let baseUrl = '';

const chat = (content: string | null, usage?: { prompt_tokens: number; completion_tokens: number }): Reply => ({
  body: {
    id: 'cmpl-1',
    object: 'chat.completion',
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  },
});
const fence = (code: string) => '```python\n' + code.trim() + '\n```';

before(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Recorded['body'] });
      arrived?.();
      // An empty script is a test bug (more requests than expected): say so loudly instead of guessing.
      const reply = script.shift() ?? { status: 599, body: { error: { message: 'no scripted reply left' } } };
      if ('hang' in reply) {
        hanging.push(res);
        return;
      }
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

beforeEach(() => {
  script.length = 0;
  requests.length = 0;
});

afterEach(() => {
  for (const res of hanging.splice(0)) res.destroy();
  arrived = null;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function nextRequest(): Promise<void> {
  return new Promise((r) => (arrived = r));
}

function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', (l) => lines.push(l)), lines };
}

function client(over: Partial<LlmClientOptions> = {}, cfg: { apiKey?: string | null; baseUrl?: string } = {}): LlmClient {
  return createLlmClient(
    { baseUrl: cfg.baseUrl ?? baseUrl, apiKey: cfg.apiKey === undefined ? KEY : cfg.apiKey, model: MODEL },
    // No waiting between retries: the tests are about whether we retry, not how long we wait.
    { logger: captureLogger().logger, retryBaseDelayMs: 0, maxRetries: 2, ...over },
  );
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<CodedistillError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CodedistillError, `expected CodedistillError(${code}), got ${e instanceof Error ? e.stack : String(e)}`);
    assert.equal(e.code, code, `${e.message} ${e.hint}`);
    return e;
  }
  assert.fail(`expected an error with code ${code}`);
}

// ---------------------------------------------------------------------------------------------
// fixtures: blocks and a fake runner

function makeBlock(over: Partial<Block> & { name: string }): Block {
  const module = over.module ?? 'flowkit.beds';
  const docstring = over.docstring ?? null;
  const kind = over.kind ?? 'function';
  return {
    id: `flowkit:${module}.${over.name}`,
    library: 'flowkit',
    language: 'python',
    kind,
    qualifiedName: `${module}.${over.name}`,
    module,
    signature: `def ${over.name}(velocity, diameter, porosity=0.4):`,
    docstring,
    summary: summarize(docstring, over.name, kind),
    code: `def ${over.name}(velocity, diameter, porosity=0.4):\n    return 150 * (1 - porosity) ** 2 * velocity / (porosity ** 3 * diameter ** 2)\n`,
    decorators: [],
    parameters: [],
    returns: null,
    imports: ['import math'],
    calls: [],
    requirements: [],
    licence: 'MIT',
    citation: null,
    provenance: { repo: 'acme/flowkit', url: null, commit: 'a'.repeat(40), path: 'flowkit/beds.py', startLine: 1, endLine: 2 },
    examples: [],
    validation: null,
    compute: { gpu: false, network: false, dataFiles: false },
    rank: 1,
    tags: ['library'],
    prose: [],
    ...over,
  };
}

function record(status: RunRecord['status'], over: Partial<RunRecord> = {}): RunRecord {
  return {
    status,
    exitCode: status === 'passed' ? 0 : 1,
    durationMs: 5,
    stdout: '',
    stderr: '',
    error: null,
    message: status,
    sandbox: 'none',
    ranAt: new Date(0).toISOString(),
    ...over,
  };
}

function example(code: string, source: Example['source'], run: RunRecord | null = null): Example {
  return { code, source, path: source === 'import' || source === 'generated' ? null : 'tests/test_beds.py', startLine: null, expectedOutput: null, run };
}

/** Answers run requests from a script, in order, and keeps them for inspection. */
function fakeRunner(records: RunRecord[], available = true): Runner & { calls: RunRequest[] } {
  const calls: RunRequest[] = [];
  return {
    calls,
    async run(req) {
      calls.push(req);
      const next = records.shift();
      if (!next) throw new Error('fake runner: no scripted record left');
      return next;
    },
    async info() {
      return { sandbox: 'none', interpreter: null, available, reason: available ? null : 'no sandbox here' };
    },
  };
}

const ROOTS = ['/repo/src'];

// ---------------------------------------------------------------------------------------------
// enrichment

describe('enrichBlocks', () => {
  test('a block without a docstring gets a model summary and the summary:llm tag; documented blocks are left alone', async () => {
    const bare = makeBlock({ name: 'ergun', code: 'def ergun(v, d):\n' + '    x = v * d  # step\n'.repeat(400) });
    const documented = makeBlock({ name: 'kozeny', docstring: 'Kozeny-Carman pressure drop.' });
    script.push(chat('Summary: computes the Ergun pressure drop across a packed bed. It is vectorised.\nMore chatter.'));

    const r = await enrichBlocks([bare, documented], client());

    assert.deepEqual(r.warnings, []);
    assert.equal(r.summarized, 1);
    assert.equal(bare.summary, 'Computes the Ergun pressure drop across a packed bed.');
    assert.ok(bare.tags.includes(SUMMARY_TAG));
    assert.equal(documented.summary, 'Kozeny-Carman pressure drop.');
    assert.ok(!documented.tags.includes(SUMMARY_TAG));
    assert.equal(requests.length, 1, 'only the undocumented block is asked about');
    const req = requests[0]!;
    assert.equal(req.url, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.body.model, MODEL);
    const prompt = req.body.messages.map((m) => m.content).join('\n');
    assert.ok(prompt.includes(bare.signature));
    // The 12 kB body must be cut to about 4 kB so one huge function cannot blow the context window.
    assert.ok(prompt.length < 6_000, `prompt of ${prompt.length} characters`);
    assert.match(prompt, /more lines not shown/);
    Block.parse(bare);
  });

  test('a refused key stops enrichment after one request; blocks keep their own text', async () => {
    const a = makeBlock({ name: 'ergun', rank: 2 });
    const b = makeBlock({ name: 'blake', rank: 1 });
    const before = [a.summary, b.summary];
    script.push({ status: 401, body: { error: { message: 'Invalid API key' } } });

    const r = await enrichBlocks([a, b], client(), { concurrency: 1 });

    assert.equal(requests.length, 1, 'a wrong key fails every call: asking again is pointless');
    assert.equal(r.summarized, 0);
    assert.deepEqual([a.summary, b.summary], before);
    assert.match(r.warnings.join('\n'), /CODEDISTILL_LLM_API_KEY/);
  });
});

// ---------------------------------------------------------------------------------------------
// generation within a budget

describe('generateExamples', () => {
  const USAGE = { prompt_tokens: 100, completion_tokens: 50 };
  const limits = (over: Partial<GenerationLimits> = {}): GenerationLimits => ({ blocks: 10, tokens: null, usd: null, repairs: 2, ...over });
  const opts = (over: Partial<GenerateOptions> = {}): GenerateOptions => ({ limits: limits(), price: null, importRoots: ROOTS, ...over });
  const ok = (name: string) => chat(fence(`from flowkit.beds import ${name}\nprint(${name}(0.1, 0.002))`), USAGE);

  test('the most central block without an example that ran is asked first; the example that ran is kept as generated, with tokens and cost counted', async () => {
    const central = makeBlock({ name: 'ergun', rank: 5, docstring: 'Ergun pressure drop.', examples: [example('import flowkit.beds\n', 'import', record('passed'))] });
    const minor = makeBlock({ name: 'blake', rank: 1 });
    const ran = makeBlock({ name: 'kozeny', rank: 9, examples: [example('from flowkit.beds import kozeny\nkozeny(1, 2)\n', 'test', record('passed'))] });
    const code = 'from flowkit.beds import ergun\nprint(ergun(0.1, 0.002))';
    script.push(chat(`Here you go:\n${fence(code)}\nOr, with numpy:\n${fence('import numpy')}`, USAGE));
    const runner = fakeRunner([record('passed', { stdout: '3.6e5\n', level: 'checked' })]);

    const r = await generateExamples([minor, central, ran], client(), runner, opts({ limits: limits({ blocks: 1 }), price: { input: 2, output: 10 } }));

    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.report, {
      model: MODEL,
      wanted: 2,
      attempted: 1,
      kept: 1,
      requests: 1,
      runs: 1,
      inputTokens: 100,
      outputTokens: 50,
      costUsd: (100 * 2 + 50 * 10) / 1e6,
      stoppedBy: 'blocks',
    });
    assert.equal(minor.examples.length, 0, 'a budget of 1 block goes to the most central one');
    assert.equal(ran.examples.length, 1, 'a block with an example that ran is not asked about');
    assert.deepEqual(central.examples.map((e) => e.source), ['generated', 'import']);
    const gen = central.examples[0]!;
    assert.equal(gen.code, code + '\n');
    assert.equal(gen.run?.level, 'ran', 'a generated example never claims checked');
    assert.equal(central.validation?.status, 'passed');
    assert.ok(central.tags.includes(EXAMPLE_TAG));
    assert.deepEqual(runner.calls[0]!.importRoots, ROOTS);
    const prompt = requests[0]!.body.messages.map((m) => m.content).join('\n');
    for (const part of ['from flowkit.beds import ergun', central.signature, 'Ergun pressure drop.', 'import math', 'return 150']) {
      assert.ok(prompt.includes(part), `prompt lacks ${part}`);
    }
    Block.parse(central);
  });

  test('a failing generated example is repaired; one still failing after the repairs is not kept, and every attempt is counted', async () => {
    const a = makeBlock({ name: 'ergun', rank: 2, examples: [example('from flowkit.beds import ergun\nergun()\n', 'doctest', record('failed'))] });
    const b = makeBlock({ name: 'blake', rank: 1 });
    const failed = () => record('failed', { error: { type: 'TypeError', message: 'missing 2 required positional arguments', line: 2 } });
    script.push(chat(fence('from flowkit.beds import ergun\nprint(ergun())'), USAGE), ok('ergun'));
    script.push(chat(fence('from flowkit.beds import blake\nprint(blake())'), USAGE), chat(fence('from flowkit.beds import blake\nprint(blake(1))'), USAGE));
    const runner = fakeRunner([failed(), record('passed'), failed(), failed()]);

    const r = await generateExamples([a, b], client(), runner, opts({ limits: limits({ repairs: 1 }) }));

    assert.equal(r.report.attempted, 2, 'a block whose mined example failed is asked about too');
    assert.equal(r.report.kept, 1);
    assert.equal(r.report.requests, 4);
    assert.equal(r.report.runs, 4);
    assert.equal(r.report.inputTokens, 400);
    assert.equal(r.report.costUsd, null, 'no price: no cost');
    assert.equal(r.report.stoppedBy, 'done');
    const gen = a.examples.find((e) => e.source === 'generated')!;
    assert.match(gen.repairedFrom ?? '', /ergun\(\)/);
    assert.equal(gen.repairAttempts, 1);
    assert.equal(gen.run?.status, 'passed');
    assert.equal(a.examples[0]!.source, 'doctest', 'mined examples stay first');
    assert.equal(b.examples.length, 0, 'a generated example that never ran is not kept');
    assert.match(requests[1]!.body.messages.map((m) => m.content).join('\n'), /TypeError: missing 2 required/);
  });

  test('an answer that does not call the block is asked again once, then dropped without a run', async () => {
    const b = makeBlock({ name: 'ergun' });
    // Importing and printing the function runs, and shows nothing; a call in a comment is no call.
    script.push(chat(fence('from flowkit.beds import ergun\nprint(ergun)  # ergun(1, 2)')), chat('I cannot.'));
    const runner = fakeRunner([]);
    const r = await generateExamples([b], client(), runner, opts());
    assert.equal(r.report.requests, 2);
    assert.equal(r.report.kept, 0);
    assert.equal(runner.calls.length, 0, 'code that does not use the block is never run');
    assert.equal(b.examples.length, 0);
    assert.match(r.warnings.join('\n'), /no usable example for flowkit\.beds\.ergun/);
    assert.match(r.warnings.join('\n'), /estimated from their length/, 'answers without usage are estimated and said so');
    assert.ok(r.report.inputTokens > 0);
  });

  test('a token budget stops before the request that would start past it', async () => {
    const blocks = ['ergun', 'blake', 'kozeny'].map((name, i) => makeBlock({ name, rank: 3 - i }));
    script.push(ok('ergun'), ok('blake'));
    const r = await generateExamples(blocks, client(), fakeRunner([record('passed'), record('passed')]), opts({ limits: limits({ tokens: 200 }) }));
    assert.equal(r.report.stoppedBy, 'tokens');
    assert.equal(r.report.attempted, 2);
    assert.equal(r.report.kept, 2);
    assert.equal(requests.length, 2);
    assert.equal(r.report.inputTokens + r.report.outputTokens, 300, 'the last request may pass the budget by its own answer');
    assert.equal(blocks[2]!.examples.length, 0);
  });

  test('a dollar budget is kept at the configured price, and needs one', async () => {
    const blocks = ['ergun', 'blake'].map((name, i) => makeBlock({ name, rank: 2 - i }));
    script.push(ok('ergun'));
    // 100 * 10 + 50 * 20 = 2000 micro-dollars per request.
    const r = await generateExamples(blocks, client(), fakeRunner([record('passed')]), opts({ limits: limits({ usd: 0.002 }), price: { input: 10, output: 20 } }));
    assert.equal(r.report.stoppedBy, 'usd');
    assert.equal(r.report.kept, 1);
    assert.equal(r.report.costUsd, 0.002);

    const none = await generateExamples([makeBlock({ name: 'kozeny' })], client(), fakeRunner([]), opts({ limits: limits({ usd: 1 }) }));
    assert.equal(none.report.stoppedBy, 'no_price');
    assert.equal(none.report.requests, 0);
    assert.match(none.warnings.join('\n'), /CODEDISTILL_LLM_PRICE_INPUT/);
  });

  for (const [what, reply, over] of [
    ['401', { status: 401, body: { error: { message: 'Invalid API key' } } }, {}],
    ['429 after the retries', { status: 429, body: { error: { message: 'slow down' } } }, {}],
    ['a timeout', { hang: true }, { timeoutMs: 200, maxRetries: 0 }],
  ] as const) {
    test(`a provider that fails with ${what} stops generation with a warning; what was kept stays`, async () => {
      const blocks = ['ergun', 'blake', 'kozeny'].map((name, i) => makeBlock({ name, rank: 3 - i }));
      script.push(ok('ergun'), reply, reply, reply);
      const r = await generateExamples(blocks, client(over), fakeRunner([record('passed')]), opts());
      assert.equal(r.report.stoppedBy, 'provider');
      assert.equal(r.report.attempted, 2);
      assert.equal(r.report.kept, 1);
      assert.equal(blocks[0]!.examples[0]?.run?.status, 'passed', 'the example kept before the failure stays');
      assert.equal(blocks[2]!.examples.length, 0, 'no block is asked about after the failure');
      const w = r.warnings.join('\n');
      assert.match(w, /example generation stopped at block 2 of 3 \(flowkit\.beds\.blake\) because the language model failed: /);
      assert.match(w, /Kept: 1 generated examples; mined examples are untouched/);
      assert.ok(!w.includes(KEY), 'the key never reaches a warning');
    });
  }

  test('blocks a model cannot help are not asked about: private, workflows, a missing package, a budget of 0, no sandbox', async () => {
    const priv = makeBlock({ name: '_helper' });
    const privModule = makeBlock({ name: 'ergun', module: 'flowkit._impl' });
    const missing = makeBlock({ name: 'blake', examples: [example('from flowkit.beds import blake\n', 'test', record('skipped', { skipReason: 'missing_dependency' }))] });
    const wf = makeBlock({ name: 'demo', kind: 'workflow' });
    const r = await generateExamples([priv, privModule, missing, wf], client(), fakeRunner([]), opts());
    assert.equal(r.report.wanted, 0);
    assert.equal(r.report.stoppedBy, 'done');
    const zero = await generateExamples([makeBlock({ name: 'ergun' })], client(), fakeRunner([]), opts({ limits: limits({ blocks: 0 }) }));
    assert.equal(zero.report.stoppedBy, 'blocks');
    const noSandbox = await generateExamples([makeBlock({ name: 'ergun' })], client(), fakeRunner([], false), opts());
    assert.equal(noSandbox.report.stoppedBy, 'sandbox');
    assert.match(noSandbox.warnings.join('\n'), /no sandbox here/);
    assert.equal(requests.length, 0);
  });

  test('with the real runner: the generated example imports the package from its import root and passes', async (t) => {
    // Loaded here so that work in progress on the runner fails this test alone, not the whole file.
    const { createPythonRunner } = await import('../../src/validate/runner.js');
    const { detectBubblewrap } = await import('../../src/validate/sandbox/detect.js');
    const home = tempDir('cd-llm-');
    const root = path.join(home, 'repo');
    mkdirSync(path.join(root, 'flowkit'), { recursive: true });
    writeFileSync(path.join(root, 'flowkit', '__init__.py'), '');
    writeFileSync(path.join(root, 'flowkit', 'beds.py'), 'def ergun(v, d):\n    return v * d\n');
    const bwrap = await detectBubblewrap();
    const config = loadConfig(testEnv(home, bwrap.available ? {} : { CODEDISTILL_SANDBOX: 'none', CODEDISTILL_ALLOW_UNSANDBOXED: '1' }));
    const runner = createPythonRunner(config, captureLogger().logger, runnerServices);
    const info = await runner.info();
    if (!info.available) return t.skip(`no Python runner here: ${info.reason}`);
    const b = makeBlock({ name: 'ergun' });
    script.push(chat(fence('from flowkit.beds import ergun\nprint(ergun(3, 7))'), USAGE));

    const r = await generateExamples([b], client(), runner, opts({ importRoots: [root] }));

    assert.equal(r.report.kept, 1, r.warnings.join('; '));
    assert.equal(b.examples[0]?.run?.status, 'passed', b.examples[0]?.run?.message);
    assert.equal(b.examples[0]?.run?.stdout, '21\n');
    assert.equal(b.examples[0]?.run?.level, 'ran');
  });

  test('callsBlock: a function or class by its name, a method through an attribute; not in strings or comments', () => {
    const fn = makeBlock({ name: 'ergun' });
    const method = makeBlock({ name: 'sld', kind: 'method', module: 'flowkit.xsf', qualifiedName: 'flowkit.xsf.Xray.sld' });
    assert.equal(callsBlock('from flowkit.beds import ergun\nergun (1, 2)\n', fn), true);
    assert.equal(callsBlock('from flowkit.beds import ergun\nprint(ergun)\n', fn), false);
    assert.equal(callsBlock('from flowkit.beds import ergun\nprint("ergun(1)")\n', fn), false);
    assert.equal(callsBlock('from flowkit.xsf import Xray\nx = Xray(1)\nprint(x.sld())\n', method), true);
    assert.equal(callsBlock('from flowkit.xsf import Xray\nprint(Xray.sld)\n', method), false);
  });

  test('orderExamples: mined first, then generated ones that passed, import checks last', () => {
    const mined = example('from flowkit.beds import ergun\nergun(1, 2)\n', 'doctest', record('failed'));
    const passing = { ...example('x', 'generated'), run: record('passed') };
    const failing = { ...example('y', 'generated'), run: record('failed') };
    const ordered = orderExamples([failing, example('import flowkit\n', 'import'), passing, mined]);
    assert.deepEqual(
      ordered.map((e) => `${e.source}:${e.run?.status}`),
      ['doctest:failed', 'generated:passed', 'generated:failed', 'import:undefined'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// repair

describe('repairExample', () => {
  const failing = () =>
    record('failed', {
      stderr: 'Traceback (most recent call last):\n  File "snippet.py", line 2\nNameError: name \'ergn\' is not defined\n',
      error: { type: 'NameError', message: "name 'ergn' is not defined", line: 2 },
    });

  test('the first fix fails, the second passes: repaired with both attempts recorded', async () => {
    const b = makeBlock({ name: 'ergun' });
    const original = example('from flowkit.beds import ergun\nprint(ergn(1, 2))\n', 'test', failing());
    b.examples = [original];
    const first = 'from flowkit.beds import ergun\nprint(ergun(1))';
    const second = 'from flowkit.beds import ergun\nprint(ergun(1, 2))';
    script.push(chat(fence(first)), chat(`Sorry, try this:\n${fence(second)}`));
    const stillBroken = record('failed', { error: { type: 'TypeError', message: "missing 1 required positional argument: 'diameter'", line: 2 } });
    const runner = fakeRunner([stillBroken, record('passed', { stdout: '1\n' })]);

    const r = await repairExample(b, original, client(), runner, { importRoots: ROOTS, attempts: 2 });

    assert.ok(r.repaired, 'the second attempt passed');
    assert.equal(r.attempts.length, 2);
    assert.deepEqual(r.attempts.map((a) => a.run.status), ['failed', 'passed']);
    assert.equal(r.repaired.code, second + '\n');
    assert.equal(r.repaired.source, 'test', 'a repair does not change where the example came from');
    assert.equal(r.repaired.repairedFrom, original.code);
    assert.equal(r.repaired.repairAttempts, 2);
    assert.equal(r.repaired.run?.status, 'passed');
    Example.parse(r.repaired);
    assert.deepEqual(runner.calls.map((c) => c.importRoots), [ROOTS, ROOTS]);

    const firstPrompt = requests[0]!.body.messages.map((m) => m.content).join('\n');
    for (const part of ['NameError', "name 'ergn' is not defined", 'line 2', 'Traceback (most recent call last)', original.code.trim(), 'return 150']) {
      assert.ok(firstPrompt.includes(part), `first prompt lacks ${part}`);
    }
    // The model must learn why its own first fix failed, or it tends to repeat it.
    const secondLast = requests[1]!.body.messages.at(-1)!.content;
    assert.match(secondLast, /missing 1 required positional argument/);
    assert.equal(requests[1]!.body.messages.at(-2)!.role, 'assistant');
  });

  test('a fix that only prints the block instead of calling it is refused before it runs', async () => {
    const b = makeBlock({ name: 'ergun' });
    const original = example("from flowkit.beds import ergun\nprint(ergun(1, 'two'))\n", 'test', failing());
    b.examples = [original];
    script.push(chat(fence('from flowkit.beds import ergun\nprint(ergun)')), chat(fence('from flowkit.beds import ergun\nprint(ergun(1, 2))')));
    const runner = fakeRunner([record('passed', { stdout: '1\n' })]);
    const r = await repairExample(b, original, client(), runner, { importRoots: ROOTS, attempts: 2 });
    assert.equal(r.repaired?.code, 'from flowkit.beds import ergun\nprint(ergun(1, 2))\n');
    assert.equal(runner.calls.length, 1, 'the print-only fix never ran');
    assert.match(requests[1]!.body.messages.at(-1)!.content, /must still import and use ergun/);
  });

  test('no passing fix within the attempts: nothing repaired, every run recorded', async () => {
    const b = makeBlock({ name: 'ergun' });
    const original = example('from flowkit.beds import ergun\nprint(ergn(1, 2))\n', 'doctest', failing());
    script.push(chat(fence('from flowkit.beds import ergun\nergun(1)')), chat(fence('from flowkit.beds import ergun\nergun(2)')));
    const r = await repairExample(b, original, client(), fakeRunner([record('failed'), record('failed')]), { importRoots: ROOTS, attempts: 2 });
    assert.equal(r.repaired, null);
    assert.equal(r.attempts.length, 2);
    assert.equal(requests.length, 2);
  });

  test('a passing example is not sent to the model', async () => {
    const b = makeBlock({ name: 'ergun' });
    const ok = example('from flowkit.beds import ergun\n', 'test', record('passed'));
    const r = await repairExample(b, ok, client(), fakeRunner([]), { importRoots: ROOTS, attempts: 2 });
    assert.deepEqual(r, { repaired: null, attempts: [] });
    assert.equal(requests.length, 0);
  });

  test('repairLibraryExamples replaces repaired examples in place, updates validation and respects the cap', async () => {
    const top = makeBlock({ name: 'ergun', rank: 3 });
    top.examples = [example('from flowkit.beds import ergun\nergn(1, 2)\n', 'test', failing())];
    top.validation = top.examples[0]!.run;
    const mid = makeBlock({ name: 'blake', rank: 2 });
    mid.examples = [example('from flowkit.beds import blake\nblak(1, 2)\n', 'test', failing())];
    const low = makeBlock({ name: 'kozeny', rank: 1 });
    low.examples = [example('from flowkit.beds import kozeny\nkozen(1, 2)\n', 'test', failing())];
    script.push(chat(fence('from flowkit.beds import ergun\nergun(1, 2)')), chat(fence('from flowkit.beds import blake\nblake(1, 2)')));
    const runner = fakeRunner([record('passed'), record('failed')]);

    const r = await repairLibraryExamples([low, mid, top], client(), runner, { importRoots: ROOTS, attempts: 1, maxRepairs: 2 });

    assert.deepEqual({ tried: r.tried, repaired: r.repaired, stillFailing: r.stillFailing, notTried: r.notTried }, { tried: 2, repaired: 1, stillFailing: 1, notTried: 1 });
    assert.equal(top.examples[0]!.code, 'from flowkit.beds import ergun\nergun(1, 2)\n');
    assert.equal(top.examples[0]!.repairedFrom, 'from flowkit.beds import ergun\nergn(1, 2)\n');
    assert.equal(top.validation?.status, 'passed');
    assert.equal(mid.examples[0]!.repairedFrom, undefined, 'a failed repair leaves the example as it was');
    assert.equal(low.examples[0]!.code, 'from flowkit.beds import kozeny\nkozen(1, 2)\n', 'beyond the cap nothing is asked');
    assert.equal(requests.length, 2);
    Block.parse(top);
  });
});

// ---------------------------------------------------------------------------------------------
// the client

describe('createLlmClient', () => {
  test('429 then success: retried, honouring Retry-After', async () => {
    script.push({ status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } }, chat('fine'));
    const text = await client().complete([{ role: 'user', content: 'hi' }]);
    assert.equal(text, 'fine');
    assert.equal(requests.length, 2);
  });

  // Without the bound this would sleep for an hour: the timeout turns that regression into a failure.
  test('a Retry-After beyond the bound ends the retries at once with rate_limited', { timeout: 10_000 }, async () => {
    script.push({ status: 429, headers: { 'retry-after': '3600' }, body: { error: { message: 'quota' } } }, chat('never'));
    const e = await rejectsWith(client().complete([{ role: 'user', content: 'hi' }]), 'rate_limited');
    assert.match(e.message, /wait 3600 s/);
    assert.equal(requests.length, 1);
  });

  test('5xx on every attempt: retried maxRetries times, then a network error', async () => {
    script.push({ status: 503, body: 'upstream down' }, { status: 502, body: '' }, { status: 500, body: { error: 'boom' } });
    const e = await rejectsWith(client({ maxRetries: 2 }).complete([{ role: 'user', content: 'hi' }]), 'network');
    assert.equal(requests.length, 3);
    assert.ok(e instanceof LlmError && e.status === 500 && e.failure === 'server');
  });

  test('401: a network error with a hint naming CODEDISTILL_LLM_API_KEY, not retried, key masked', async () => {
    script.push({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}.`, code: 'invalid_api_key' } } });
    const e = await rejectsWith(client().complete([{ role: 'user', content: 'hi' }]), 'network');
    assert.match(e.hint, /CODEDISTILL_LLM_API_KEY/);
    assert.ok(e instanceof LlmError && e.fatal && e.status === 401);
    assert.ok(!e.message.includes(KEY) && !e.hint.includes(KEY), e.message);
    assert.equal(requests.length, 1);
  });

  test('404 for the model: a hint naming CODEDISTILL_LLM_MODEL; no key sent when none is set', async () => {
    script.push({ status: 404, body: { error: { message: `The model '${MODEL}' does not exist`, code: 'model_not_found' } } });
    const e = await rejectsWith(client({}, { apiKey: null }).complete([{ role: 'user', content: 'hi' }]), 'network');
    assert.match(e.hint, /CODEDISTILL_LLM_MODEL/);
    assert.equal(requests[0]!.headers.authorization, undefined);
  });

  test('malformed answers: not JSON, or no choices, are network errors pointing at the base URL', async () => {
    script.push({ status: 200, body: '<html>hello</html>' }, { status: 200, body: { choices: [] } }, chat(null));
    for (const why of [/not JSON/, /no choices/, /no text content/]) {
      const e = await rejectsWith(client().complete([{ role: 'user', content: 'hi' }]), 'network');
      assert.match(e.message, why);
      assert.match(e.hint, /CODEDISTILL_LLM_BASE_URL/);
    }
    assert.equal(requests.length, 3, 'a malformed answer is not retried');
  });

  test('server down: a network error saying the connection was refused', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const e = await rejectsWith(client({}, { baseUrl: `http://127.0.0.1:${port}/v1` }).complete([{ role: 'user', content: 'hi' }]), 'network');
    assert.match(e.message, /connection refused/);
    assert.match(e.hint, /CODEDISTILL_LLM_BASE_URL/);
  });

  test('a query on the base URL (Azure-style api-version) stays on the endpoint', async () => {
    script.push(chat('ok'));
    await client({}, { baseUrl: `${baseUrl}/?api-version=2024-06-01` }).complete([{ role: 'user', content: 'hi' }]);
    assert.equal(requests[0]!.url, '/v1/chat/completions?api-version=2024-06-01');
  });

  test('a base URL that is not http(s) is reported by complete(), not at creation', async () => {
    const c = client({}, { baseUrl: 'localhost:8080' });
    const e = await rejectsWith(c.complete([{ role: 'user', content: 'hi' }]), 'network');
    assert.match(e.hint, /CODEDISTILL_LLM_BASE_URL/);
  });

  test("the caller's signal cancels a request in flight", async () => {
    script.push({ hang: true });
    const ac = new AbortController();
    const seen = nextRequest();
    const p = client().complete([{ role: 'user', content: 'hi' }], { signal: ac.signal });
    await seen;
    ac.abort();
    await rejectsWith(p, 'cancelled');
  });

  test('a server that never answers times out as a network error', async () => {
    script.push({ hang: true });
    const e = await rejectsWith(client({ timeoutMs: 50, maxRetries: 0 }).complete([{ role: 'user', content: 'hi' }]), 'network');
    assert.ok(e instanceof LlmError && e.failure === 'timeout', e.message);
  });

  test('at most `concurrency` requests are in flight', async () => {
    const pending: Array<() => void> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const fetchImpl = (async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => pending.push(r));
      inFlight--;
      return new Response(JSON.stringify({ choices: [{ message: { content: 'ok' } }] }), { status: 200 });
    }) as typeof fetch;
    const c = client({ fetchImpl, concurrency: 2 });
    const all = Promise.all(Array.from({ length: 5 }, () => c.complete([{ role: 'user', content: 'hi' }])));
    // Drain them one by one; each release lets exactly one queued call start.
    for (let released = 0; released < 5; released++) {
      while (pending.length === 0) await new Promise((r) => setImmediate(r));
      pending.shift()!();
    }
    assert.deepEqual(await all, ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.equal(maxInFlight, 2);
  });

  test('the API key never appears in the logs, even when the server echoes it', async () => {
    const { logger, lines } = captureLogger();
    const c = createLlmClient({ baseUrl, apiKey: KEY, model: MODEL }, { logger, retryBaseDelayMs: 0, maxRetries: 1 });
    script.push({ status: 500, body: { error: { message: `internal error for key ${KEY}` } } }, chat('ok'));
    await c.complete([{ role: 'user', content: 'hi' }]);
    script.push({ status: 401, body: { error: { message: `bad key ${KEY}` } } });
    await rejectsWith(c.complete([{ role: 'user', content: 'hi' }]), 'network');
    // The retry must have been logged with the server's text, or this test would prove nothing.
    assert.ok(lines.some((l) => /Retrying/.test(l) && /internal error for key \*\*\*/.test(l)), lines.join(''));
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.ok(!l.includes(KEY), `key leaked: ${l}`);
  });
});

describe('extractPythonCode', () => {
  test('first python fence wins; untagged fence as a fallback; an unclosed fence is not code', () => {
    assert.equal(extractPythonCode('text\n```\nuntagged()\n```\n```python\ntagged()\n```'), 'tagged()\n');
    assert.equal(extractPythonCode('```\nuntagged()\n```'), 'untagged()\n');
    assert.equal(extractPythonCode('```bash\npip install x\n```'), null);
    assert.equal(extractPythonCode('```python\ncut_off(\n'), null);
    assert.equal(extractPythonCode('1. Run:\n   ```py\n   a = 1\n   print(a)\n   ```'), 'a = 1\nprint(a)\n');
  });
});
