import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Block } from '../../src/domain/block.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { classifyOutcome, reclassifyRuns } from '../../src/validate/classify.js';
import type { ClassifyContext, Outcome } from '../../src/validate/types.js';

// Tracebacks as CPython 3.11 prints them in the sandbox: the snippet is /sandbox/snippet.py, the repository's
// import root is mounted at its host path (/repos/control here), the interpreter's packages under /usr/lib.
const S = '/sandbox/snippet.py';
const ROOT = '/repos/control';
const SITE = '/usr/lib/python3/dist-packages';
const tb = (...lines: string[]) => ['Traceback (most recent call last):', ...lines, ''].join('\n');

const limits = { outputCapBytes: 65536, maxTimeoutMs: 600000, killAfterBytes: 1 << 20 };
const ctx: ClassifyContext = {
  interp: {
    executable: '/usr/bin/python3',
    version: '3.11.7',
    implementation: 'cpython',
    mounts: [],
    stdlib: new Set(['os', 'sys', 'socket', 'urllib', 'json']),
    installed: new Set(['numpy', 'scipy', 'requests', 'urllib3', 'pandas', 'matplotlib']),
    environmentHash: 'h',
    distributions: [],
    display: '/usr/bin/python3 (3.11.7)',
  },
  sandbox: 'bwrap',
  timeoutMs: 1000,
  importRoots: [ROOT],
  files: [],
  ranAt: 't',
};

function outcome(stderr: string): Outcome {
  return {
    spawnError: null, sandboxFailure: null, timedOut: false, outputLimitHit: false, exitCode: 1, signal: null,
    stdout: '', stderr, stderrTail: stderr, stdoutTruncated: false, stderrTruncated: false, durationMs: 5, peakKb: null, snippetPath: S,
  };
}
const classify = (stderr: string) => classifyOutcome(outcome(stderr), ctx, limits);

describe('classifyOutcome: environment problems are skipped with a reason', () => {
  test('a missing import is a missing dependency', () => {
    const r = classify(tb(`  File "${S}", line 1, in <module>`, '    import cvxopt', "ModuleNotFoundError: No module named 'cvxopt'"));
    assert.equal(r.status, 'skipped');
    assert.equal(r.skipReason, 'missing_dependency');
    assert.equal(r.missingModule, 'cvxopt');
  });

  test('in a library environment, a missing import says how to make it installable and rebuild, not to install by hand', () => {
    const env = { ...ctx, interp: { ...ctx.interp, environment: 'bdecb07b19d0', display: '/envs/bdecb07b19d0/venv/bin/python (3.11.7, environment bdecb07b19d0)' } };
    const r = classifyOutcome(outcome(tb(`  File "${S}", line 1, in <module>`, '    import hepunits', "ModuleNotFoundError: No module named 'hepunits'")), env, limits);
    assert.equal(r.skipReason, 'missing_dependency');
    assert.match(r.message, /not in the library environment bdecb07b19d0; make it installable by pip or uv .* rebuild the environment/);
    assert.doesNotMatch(r.message, /install it in/);
  });

  test('an optional extra the repository guards with its own ModuleNotFoundError', () => {
    const r = classify(
      tb(
        `  File "${S}", line 3, in <module>`,
        '    ct.ispassive(sys)',
        `  File "${ROOT}/control/passivity.py", line 60, in ispassive`,
        '    raise ModuleNotFoundError("cvxopt required for passivity module")',
        'ModuleNotFoundError: cvxopt required for passivity module',
      ),
    );
    assert.equal(r.status, 'skipped');
    assert.equal(r.skipReason, 'optional_extra');
    assert.equal(r.missingModule, 'cvxopt');
    assert.match(r.message, /optional dependency cvxopt .*install cvxopt/);
  });

  test('an optional extra behind a custom exception class named after it, or a failed import earlier in the chain', () => {
    const custom = classify(
      tb(
        `  File "${S}", line 2, in <module>`,
        '    ct.lyap(A, Q, method="slycot")',
        `  File "${ROOT}/control/mateqn.py", line 111, in lyap`,
        '    raise ControlSlycot("Can\'t find slycot module \'sb03md\'")',
        "control.exception.ControlSlycot: Can't find slycot module 'sb03md'",
      ),
    );
    assert.equal(custom.skipReason, 'optional_extra');
    assert.equal(custom.missingModule, 'slycot');
    const chained = [
      tb(`  File "${ROOT}/control/canonical.py", line 339, in _bdschur`, '    from slycot import mb03rd', "ModuleNotFoundError: No module named 'slycot'"),
      'During handling of the above exception, another exception occurred:',
      '',
      tb(
        `  File "${S}", line 4, in <module>`,
        '    ct.bdschur(A)',
        `  File "${ROOT}/control/canonical.py", line 341, in bdschur`,
        '    raise ValueError("this method requires slycot")',
        'ValueError: this method requires slycot',
      ),
    ].join('\n');
    const r = classify(chained);
    assert.equal(r.skipReason, 'optional_extra');
    assert.equal(r.missingModule, 'slycot');
  });

  test("a library's own optional dependency (pandas asking for openpyxl) is an optional extra too", () => {
    const r = classify(
      tb(
        `  File "${S}", line 3, in <module>`,
        '    df.to_excel("out.xlsx")',
        `  File "${SITE}/pandas/compat/_optional.py", line 138, in import_optional_dependency`,
        '    raise ImportError(msg)',
        "ImportError: Missing optional dependency 'openpyxl'.  Use pip or conda to install openpyxl.",
      ),
    );
    assert.equal(r.skipReason, 'optional_extra');
    assert.equal(r.missingModule, 'openpyxl');
  });

  test('a guard naming a package that is installed, or an ImportError of the package itself, stays a failure', () => {
    const installed = classify(
      tb(`  File "${S}", line 2, in <module>`, '    f()', `  File "${ROOT}/control/x.py", line 9, in f`, '    raise ImportError("plotting requires matplotlib")', 'ImportError: plotting requires matplotlib'),
    );
    assert.equal(installed.status, 'failed');
    const own = classify(
      tb(`  File "${S}", line 1, in <module>`, '    from control import nope', `ImportError: cannot import name 'nope' from 'control' (${ROOT}/control/__init__.py)`),
    );
    assert.equal(own.status, 'failed');
    assert.equal(own.skipReason, undefined);
    // A ValueError that merely mentions "requires" something is not an optional extra.
    const plain = classify(
      tb(`  File "${S}", line 2, in <module>`, '    f()', `  File "${ROOT}/control/x.py", line 9, in f`, '    raise ValueError("input requires squareness")', 'ValueError: input requires squareness'),
    );
    assert.equal(plain.status, 'failed');
  });

  test('network use: resolver failures, urllib and requests wrappers', () => {
    const gai = classify(
      tb(
        `  File "${S}", line 2, in <module>`,
        '    socket.create_connection(("example.org", 80))',
        '  File "/usr/lib/python3.11/socket.py", line 827, in create_connection',
        '    for res in getaddrinfo(host, port, 0, SOCK_STREAM):',
        '  File "/usr/lib/python3.11/socket.py", line 962, in getaddrinfo',
        '    for res in _socket.getaddrinfo(host, port, family, type, proto, flags):',
        'socket.gaierror: [Errno -3] Temporary failure in name resolution',
      ),
    );
    assert.equal(gai.status, 'skipped');
    assert.equal(gai.skipReason, 'network');
    const url = classify(
      tb(
        `  File "${S}", line 2, in <module>`,
        '    urllib.request.urlopen("https://example.org/data.csv")',
        '  File "/usr/lib/python3.11/urllib/request.py", line 1351, in do_open',
        '    raise URLError(err)',
        'urllib.error.URLError: <urlopen error [Errno -2] Name or service not known>',
      ),
    );
    assert.equal(url.skipReason, 'network');
    const requests = classify(
      tb(
        `  File "${S}", line 3, in <module>`,
        '    requests.get("https://api.example.org/v1")',
        `  File "${SITE}/requests/adapters.py", line 519, in send`,
        '    raise ConnectionError(e, request=request)',
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.example.org', port=443): Max retries exceeded with url: /v1 " +
          "(Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 101] Network is unreachable'))",
      ),
    );
    assert.equal(requests.skipReason, 'network');
    // A refused connection to a local server the example should have started is its own failure.
    const refused = classify(
      tb(`  File "${S}", line 2, in <module>`, '    s.connect(("127.0.0.1", 8080))', 'ConnectionRefusedError: [Errno 111] Connection refused'),
    );
    assert.equal(refused.status, 'failed');
  });

  test('a data file the example reads relative to its folder is missing; an absolute path of its own is a failure', () => {
    const rel = classify(
      tb(
        `  File "${S}", line 3, in <module>`,
        '    data = np.loadtxt("data/steering.csv")',
        `  File "${SITE}/numpy/lib/_npyio_impl.py", line 1373, in loadtxt`,
        "FileNotFoundError: [Errno 2] No such file or directory: 'data/steering.csv'",
      ),
    );
    assert.equal(rel.status, 'skipped');
    assert.equal(rel.skipReason, 'data_file');
    assert.match(rel.message, /data\/steering\.csv/);
    const numpyStyle = classify(tb(`  File "${S}", line 3, in <module>`, '    np.genfromtxt("bode.txt")', 'FileNotFoundError: bode.txt not found.'));
    assert.equal(numpyStyle.skipReason, 'data_file');
    const inRepo = classify(
      tb(`  File "${S}", line 3, in <module>`, '    open(path)', `FileNotFoundError: [Errno 2] No such file or directory: '${ROOT}/examples/data.txt'`),
    );
    assert.equal(inRepo.skipReason, 'data_file');
    const own = classify(
      tb(`  File "${S}", line 4, in <module>`, '    open("/tmp/out/result.txt")', "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/out/result.txt'"),
    );
    assert.equal(own.status, 'failed');
    const notFile = classify(tb(`  File "${S}", line 4, in <module>`, '    os.remove(x)', "PermissionError: [Errno 13] Permission denied: 'x'"));
    assert.equal(notFile.status, 'failed');
  });
});

function failed(error: { type: string; message: string }, stderr = ''): RunRecord {
  return {
    status: 'failed', exitCode: 1, durationMs: 1, stdout: '', stderr, sandbox: 'bwrap', ranAt: '', truncated: false,
    error: { ...error, line: 2 }, message: `${error.type} at line 2: ${error.message}`, missingModule: null,
  };
}
const blocksOf = (...runs: RunRecord[]) => runs.map((run) => ({ examples: [{ run }], validation: run })) as unknown as Block[];

describe('reclassifyRuns: declared constraints the environment does not meet', () => {
  const facts = {
    filePaths: ['control/__init__.py', 'examples/pvtol.py', 'examples/steering.py', 'examples/data/bode.txt'],
    providerRoots: [],
    constraints: [
      { name: 'scipy', spec: '>=1.15' },
      { name: 'numpy', spec: '>=1.23,<3' },
    ],
    installed: new Map([
      ['scipy', '1.10.1'],
      ['numpy', '1.26.4'],
    ]),
  };

  test('a name, an attribute or a submodule missing from an installed distribution too old for the declared spec', () => {
    const name = failed({ type: 'ImportError', message: "cannot import name 'make_smoothing_spline' from 'scipy.interpolate' (/usr/lib/python3/dist-packages/scipy/interpolate/__init__.py)" });
    const attr = failed({ type: 'AttributeError', message: "module 'scipy' has no attribute 'differentiate'" });
    const sub = failed({ type: 'ModuleNotFoundError', message: "No module named 'scipy.differentiate'" });
    reclassifyRuns(blocksOf(name, attr, sub), facts);
    for (const r of [name, attr, sub]) {
      assert.equal(r.status, 'skipped');
      assert.equal(r.skipReason, 'unmet_constraint');
      assert.equal(r.missingModule, 'scipy');
    }
    assert.match(name.message, /^environment problem: scipy 1\.10\.1 is installed, the repository needs scipy>=1\.15 \(ImportError/);
  });

  test('a satisfied constraint, an undeclared distribution or a circular import stay failures', () => {
    const numpy = failed({ type: 'AttributeError', message: "module 'numpy' has no attribute 'float'" });
    const undeclared = failed({ type: 'ImportError', message: "cannot import name 'x' from 'pandas.core' (/p.py)" });
    const circular = failed({ type: 'ImportError', message: "cannot import name 'a' from partially initialized module 'scipy.foo' (most likely due to a circular import)" });
    reclassifyRuns(blocksOf(numpy, undeclared, circular), facts);
    for (const r of [numpy, undeclared, circular]) assert.equal(r.status, 'failed');
    // Without the facts, nothing is judged.
    const name = failed({ type: 'ImportError', message: "cannot import name 'x' from 'scipy.foo' (/s.py)" });
    reclassifyRuns(blocksOf(name), { filePaths: [], providerRoots: [] });
    assert.equal(name.status, 'failed');
  });

  test('a name the installed release lacks, although the declared range is met, is an environment problem that says so', () => {
    const newer = failed({ type: 'ImportError', message: "cannot import name 'BWG_integers' from 'fluids.piping' (/env/fluids/piping.py)" });
    const f = { ...facts, constraints: [...facts.constraints, { name: 'fluids', spec: '>=1.1.0' }], installed: new Map([...facts.installed, ['fluids', '1.3.1']]) };
    reclassifyRuns(blocksOf(newer), f);
    assert.equal(newer.status, 'skipped');
    assert.equal(newer.skipReason, 'unmet_constraint');
    assert.match(newer.message, /^environment problem: the installed fluids 1\.3\.1 lacks what the code imports .*another release of fluids than it declares \(it declares fluids>=1\.1\.0\)/);
  });

  test('a helper module of the repository is said to be one, and a data file the repository has is named', () => {
    const helper: RunRecord = {
      ...failed({ type: 'ModuleNotFoundError', message: "No module named 'pvtol'" }),
      status: 'skipped', skipReason: 'missing_dependency', missingModule: 'pvtol',
      message: 'missing dependency pvtol (install name pvtol); install it in /usr/bin/python3 (3.11.7) to run this code.',
    };
    const data = failed({ type: 'FileNotFoundError', message: "[Errno 2] No such file or directory: 'bode.txt'" });
    reclassifyRuns(blocksOf(helper, data), facts);
    assert.equal(helper.status, 'skipped');
    assert.match(helper.message, /^pvtol is a helper module of the repository \(examples\/pvtol\.py\), not importable from the example/);
    assert.doesNotMatch(helper.message, /install name/);
    assert.equal(data.skipReason, 'data_file');
    assert.match(data.message, /examples\/data\/bode\.txt/);
  });

  test('an absolute path beside the snippet is a data file only when the repository has that file', () => {
    const frames = (p: string) => tb(`  File "${S}", line 2, in <module>`, '    open(os.path.join(os.path.dirname(__file__), name))', `FileNotFoundError: [Errno 2] No such file or directory: '${p}'`);
    const err = (p: string) => ({ type: 'FileNotFoundError', message: `[Errno 2] No such file or directory: '${p}'` });
    const beside = failed(err('/sandbox/data/bode.txt'), frames('/sandbox/data/bode.txt'));
    const written = failed(err('/sandbox/results/out.txt'), frames('/sandbox/results/out.txt'));
    const system = failed(err('/usr/share/data/bode.txt'), frames('/usr/share/data/bode.txt'));
    reclassifyRuns(blocksOf(beside, written, system), facts);
    assert.equal(beside.skipReason, 'data_file');
    assert.match(beside.message, /the repository has examples\/data\/bode\.txt/);
    assert.equal(written.status, 'failed');
    assert.equal(system.status, 'failed');
  });

  test('an unbuilt compiled extension is a missing dependency; reclassifying twice changes nothing more', () => {
    const ext = failed({ type: 'ModuleNotFoundError', message: "No module named 'control._fast'" });
    const blocks = blocksOf(ext);
    const ctx = { ...facts, filePaths: [...facts.filePaths, 'control/_fast.pyx'] };
    reclassifyRuns(blocks, ctx);
    assert.equal(ext.skipReason, 'missing_dependency');
    const first = { ...ext };
    reclassifyRuns(blocks, ctx);
    assert.deepEqual(ext, first);
  });
});

describe('reclassifyRuns: a Python the repository says it does not support', () => {
  const ctx = (version: string) => ({ filePaths: [], providerRoots: [], python: { version, requires: '>=3.12' } });
  test('syntax and import errors under an older Python are skipped as an unmet constraint, naming the Python to use', () => {
    const syntax = failed({ type: 'SyntaxError', message: 'invalid syntax' });
    const imp = failed({ type: 'ImportError', message: "cannot import name 'override' from 'typing'" });
    const own = failed({ type: 'ValueError', message: 'negative length' });
    reclassifyRuns(blocksOf(syntax, imp, own), ctx('3.11.7'));
    for (const r of [syntax, imp]) {
      assert.equal(r.status, 'skipped');
      assert.equal(r.skipReason, 'unmet_constraint');
      assert.match(r.message, /requires Python >=3\.12.*Python 3\.11\.7.*python:/);
    }
    assert.equal(own.status, 'failed', 'an error of the code itself stays a failure');
  });
  test('under a Python that meets it, a syntax error stays a failure', () => {
    const syntax = failed({ type: 'SyntaxError', message: 'invalid syntax' });
    reclassifyRuns(blocksOf(syntax), ctx('3.12.1'));
    assert.equal(syntax.status, 'failed');
  });
});
