import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { detectCitation, findBibtex, renderCff } from '../../src/ingest/citation.js';
import { detectLicence, identifyLicenceText, normaliseLicenceName } from '../../src/ingest/licence.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cd-lic-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function repo(files: Record<string, string>): string {
  const dir = path.join(tmp, `r${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Short excerpts with each licence's distinctive phrases, written the way projects lay them out.
const MIT = `MIT License

Copyright (c) 2021 Jane Doe

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction...

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.`;

const BSD3 = `Copyright (c) 2005-2024, NumPy Developers.
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:

    * Redistributions of source code must retain the above copyright
       notice, this list of conditions and the following disclaimer.

    * Neither the name of the NumPy Developers nor the names of any
       contributors may be used to endorse or promote products derived
       from this software without specific prior written permission.`;

const BSD2 = `Copyright (c) 2020, A. Person
Redistribution and use in source and binary forms, with or without modification,
are permitted provided that the following conditions are met:
1. Redistributions of source code must retain the above copyright notice.
2. Redistributions in binary form must reproduce the above copyright notice.
THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"`;

const GPL3_FULL = `                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
                       TERMS AND CONDITIONS
  14. Revised Versions of this License.
  ... Program specifies that a certain numbered version of the GNU General
Public License "or any later version" applies to it ...
                     END OF TERMS AND CONDITIONS
            How to Apply These Terms to Your New Programs
    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.`;

describe('identifyLicenceText', () => {
  const cases: Array<[string, string, string]> = [
    ['MIT', MIT, 'MIT'],
    ['BSD-3 with the "neither the name" clause', BSD3, 'BSD-3-Clause'],
    ['BSD-2 without it', BSD2, 'BSD-2-Clause'],
    ['Apache', '                                 Apache License\n                           Version 2.0, January 2004\n    TERMS AND CONDITIONS', 'Apache-2.0'],
    // The full GPL text says "any later version" itself: that is not the project choosing it.
    ['GPL-3 full text alone', GPL3_FULL, 'GPL-3.0'],
    ['GPL-3 with a notice above the text', `This project is licensed under GPL version 3 or (at your option) any later version.\n\n${GPL3_FULL}`, 'GPL-3.0-or-later'],
    ['GPL-2 short notice', 'This program is free software; you can redistribute it and/or modify it under the terms of the GNU General Public License as published by the Free Software Foundation; either version 2 of the License, or (at your option) any later version.', 'GPL-2.0-or-later'],
    ['GPL-2 full text', '          GNU GENERAL PUBLIC LICENSE\n             Version 2, June 1991\n TERMS AND CONDITIONS', 'GPL-2.0'],
    ['LGPL-2.1', '              GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 2.1, February 1999\n GNU General Public License Version 3', 'LGPL-2.1'],
    ['LGPL-3', '                   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n  This version of the GNU Lesser General Public License incorporates\nthe terms and conditions of version 3 of the GNU General Public\nLicense', 'LGPL-3.0'],
    ['AGPL-3', '                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007', 'AGPL-3.0'],
    ['MPL-2', 'Mozilla Public License Version 2.0\n==================================', 'MPL-2.0'],
    ['ISC', 'ISC License\n\nPermission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is hereby granted', 'ISC'],
    ['Unlicense', 'This is free and unencumbered software released into the public domain.', 'Unlicense'],
    ['CC0', 'Creative Commons Legal Code\n\nCC0 1.0 Universal', 'CC0-1.0'],
    ['CC-BY-4.0', 'Attribution 4.0 International\n\n=======================================================================\n\nCreative Commons Corporation', 'CC-BY-4.0'],
    ['SPDX header', '// SPDX-License-Identifier: Apache-2.0 OR MIT\n', 'Apache-2.0 OR MIT'],
    ['markdown-wrapped MIT', '# MIT License\n\n**Permission is hereby granted, free of charge, to any person obtaining a copy** of this', 'MIT'],
  ];
  for (const [name, text, want] of cases) test(name, () => assert.equal(identifyLicenceText(text), want));

  test('the main licence comes first; bundled ones appended later do not win', () => {
    assert.equal(identifyLicenceText(`${BSD3}\n\n----\nBundled: lapack-lite\n\n${MIT}`), 'BSD-3-Clause');
  });
  test('unrelated text', () => {
    assert.equal(identifyLicenceText('All rights reserved. Do not copy.'), null);
  });
});

describe('normaliseLicenceName', () => {
  const cases: Array<[string, string | null]> = [
    ['MIT', 'MIT'],
    ['mit', 'MIT'],
    ['License :: OSI Approved :: MIT License', 'MIT'],
    ['License :: OSI Approved :: BSD License', null],
    ['BSD', null],
    ['new BSD', 'BSD-3-Clause'],
    ['BSD_3_clause + file LICENSE', 'BSD-3-Clause'],
    ['MIT + file LICENSE', 'MIT'],
    ['Apache Software License', 'Apache-2.0'],
    ['Apache License 2.0', 'Apache-2.0'],
    ['License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)', 'GPL-3.0-or-later'],
    ['License :: OSI Approved :: GNU General Public License v2 (GPLv2)', 'GPL-2.0'],
    ['GPL (>= 2)', 'GPL-2.0-or-later'],
    ['GPL-3', 'GPL-3.0'],
    ['GPL-3.0+', 'GPL-3.0-or-later'],
    ['GPL-3.0-only', 'GPL-3.0-only'],
    ['LGPL-2.1', 'LGPL-2.1'],
    ['GNU Lesser General Public License v3 or later (LGPLv3+)', 'LGPL-3.0-or-later'],
    ['GPL', null],
    ['GPL-2 | GPL-3', 'GPL-2.0 OR GPL-3.0'],
    ['MIT OR Apache-2.0', 'MIT OR Apache-2.0'],
    ['Mozilla Public License 2.0 (MPL 2.0)', 'MPL-2.0'],
    ['CC0', 'CC0-1.0'],
    ['Proprietary', null],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(normaliseLicenceName(input), want));
});

describe('detectLicence', () => {
  test('LICENSE text', async () => {
    assert.deepEqual(await detectLicence(repo({ LICENSE: MIT })), { spdx: 'MIT', source: 'LICENSE' });
  });
  test('LICENCE.md and COPYING.txt spellings', async () => {
    assert.deepEqual(await detectLicence(repo({ 'LICENCE.md': BSD2 })), { spdx: 'BSD-2-Clause', source: 'LICENCE.md' });
    assert.deepEqual(await detectLicence(repo({ 'COPYING.txt': GPL3_FULL })), { spdx: 'GPL-3.0', source: 'COPYING.txt' });
  });
  test('COPYING (GPL) plus COPYING.LESSER (LGPL) is LGPL', async () => {
    const r = await detectLicence(repo({ COPYING: GPL3_FULL, 'COPYING.LESSER': '   GNU LESSER GENERAL PUBLIC LICENSE\n   Version 3, 29 June 2007' }));
    assert.deepEqual(r, { spdx: 'LGPL-3.0', source: 'COPYING.LESSER' });
  });
  test('a bundled-licences file is not the licence', async () => {
    assert.deepEqual(await detectLicence(repo({ 'LICENSES_bundled.txt': MIT, 'LICENSE.txt': BSD3 })), { spdx: 'BSD-3-Clause', source: 'LICENSE.txt' });
  });
  test('GPL text without a choice, classifier says or-later', async () => {
    const r = await detectLicence(
      repo({
        COPYING: GPL3_FULL,
        'pyproject.toml': '[project]\nname = "x"\nclassifiers = [\n  "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",\n]\n',
      }),
    );
    assert.deepEqual(r, { spdx: 'GPL-3.0-or-later', source: 'COPYING' });
  });
  test('pyproject license string (PEP 639)', async () => {
    assert.deepEqual(await detectLicence(repo({ 'pyproject.toml': '[project]\nname = "x"\nlicense = "Apache-2.0"\n' })), {
      spdx: 'Apache-2.0',
      source: 'pyproject.toml',
    });
  });
  test('pyproject license table with text, and classifiers', async () => {
    assert.equal((await detectLicence(repo({ 'pyproject.toml': '[project]\nlicense = {text = "BSD 3-Clause"}\n' }))).spdx, 'BSD-3-Clause');
    assert.equal(
      (await detectLicence(repo({ 'pyproject.toml': '[project]\nclassifiers = ["Programming Language :: Python", "License :: OSI Approved :: MIT License"]\n' }))).spdx,
      'MIT',
    );
  });
  test('pyproject license table pointing at a file', async () => {
    assert.deepEqual(await detectLicence(repo({ 'pyproject.toml': '[project]\nlicense = { file = "docs/terms.txt" }\n', 'docs/terms.txt': MIT })), {
      spdx: 'MIT',
      source: 'pyproject.toml',
    });
  });
  test('setup.cfg', async () => {
    assert.deepEqual(await detectLicence(repo({ 'setup.cfg': '[metadata]\nname = x\nlicense = MIT\n' })), { spdx: 'MIT', source: 'setup.cfg' });
  });
  test('setup.py is read, never run', async () => {
    const dir = repo({
      'setup.py': `import os\nos.system("touch PWNED")\nfrom setuptools import setup\nsetup(name="x", license='Apache 2.0', classifiers=["License :: OSI Approved :: Apache Software License"])\n`,
    });
    assert.deepEqual(await detectLicence(dir), { spdx: 'Apache-2.0', source: 'setup.py' });
    assert.deepEqual(
      (await import('node:fs')).existsSync(path.join(dir, 'PWNED')),
      false,
    );
  });
  test('R DESCRIPTION', async () => {
    assert.deepEqual(await detectLicence(repo({ DESCRIPTION: 'Package: foo\nVersion: 1.0\nLicense: GPL (>= 3)\n' })), {
      spdx: 'GPL-3.0-or-later',
      source: 'DESCRIPTION',
    });
  });
  test('R "MIT + file LICENSE" where LICENSE holds only the holder', async () => {
    assert.deepEqual(await detectLicence(repo({ LICENSE: 'YEAR: 2020\nCOPYRIGHT HOLDER: Someone\n', DESCRIPTION: 'Package: foo\nLicense: MIT + file LICENSE\n' })), {
      spdx: 'MIT',
      source: 'DESCRIPTION',
    });
  });
  test('an unrecognised licence file is named; nothing at all gives null source', async () => {
    assert.deepEqual(await detectLicence(repo({ LICENSE: 'Internal use only.' })), { spdx: 'NOASSERTION', source: 'LICENSE' });
    assert.deepEqual(await detectLicence(repo({ 'README.md': '# hi' })), { spdx: 'NOASSERTION', source: null });
  });
  test('dual licence files', async () => {
    assert.deepEqual(await detectLicence(repo({ 'LICENSE-APACHE': 'Apache License\nVersion 2.0, January 2004', 'LICENSE-MIT': MIT })), {
      spdx: 'Apache-2.0 OR MIT',
      source: 'LICENSE-APACHE',
    });
  });
  test('uses the given file list instead of listing the folder', async () => {
    const dir = repo({ LICENSE: MIT, 'COPYING': GPL3_FULL });
    assert.deepEqual(await detectLicence(dir, ['COPYING', 'src/x.py']), { spdx: 'GPL-3.0', source: 'COPYING' });
  });
});

describe('citation', () => {
  const CFF = `# This CITATION.cff file was generated with cffinit.
cff-version: 1.2.0
title: "FlowCalc: fast flow cytometry"
message: >-
  If you use this software, please cite it using the
  metadata from this file.
type: software
authors:
  - given-names: Ada
    family-names: Lovelace
    orcid: 'https://orcid.org/0000-0000-0000-0000'
  - given-names: Jan Hendrik
    name-particle: van der
    family-names: Berg
  - name: "The FlowCalc Team"
identifiers:
  - type: url
    value: https://example.org
  - type: doi
    value: 10.5281/zenodo.1234567
    description: The concept DOI
keywords: [cytometry, "flow: fast"]
version: 2.1.0
date-released: '2023-04-05'
`;
  test('CITATION.cff rendered', () => {
    assert.equal(
      renderCff(CFF),
      'Lovelace, A., van der Berg, J. H., The FlowCalc Team (2023). FlowCalc: fast flow cytometry. Version 2.1.0. doi:10.5281/zenodo.1234567',
    );
  });
  test('preferred-citation wins over the software entry', () => {
    const text = `cff-version: 1.2.0
title: tool
version: 9.9
authors:
- family-names: Soft
  given-names: Ware
preferred-citation:
  type: article
  title: A paper about the tool.
  journal: "J. Open Source Softw."
  year: 2020
  doi: https://doi.org/10.21105/joss.00001
  authors:
  - family-names: Paper
    given-names: Author
`;
    assert.equal(renderCff(text), 'Paper, A. (2020). A paper about the tool. J. Open Source Softw. doi:10.21105/joss.00001');
  });
  test('detectCitation reads CITATION.cff first', async () => {
    assert.match((await detectCitation(repo({ 'CITATION.cff': CFF, 'README.md': '@article{x, title={y}}' }))) ?? '', /^Lovelace, A\./);
  });
  test('BibTeX block in a README code fence', async () => {
    const readme = `# Tool\n\n## Citing\n\n\`\`\`bibtex\n@article{doe2020tool,\n  title = {A {Tool} for Things},\n  author = {Doe, J.},\n  year = {2020}\n}\n\`\`\`\n\nMore text.\n`;
    assert.equal(await detectCitation(repo({ 'README.md': readme })), '@article{doe2020tool,\n  title = {A {Tool} for Things},\n  author = {Doe, J.},\n  year = {2020}\n}');
  });
  test('BibTeX in docs/, indented in an rst code block', async () => {
    const rst = 'Citing\n======\n\n.. code-block:: bibtex\n\n    @software{tool,\n      author = {Roe, R.},\n      title = {tool}\n    }\n';
    assert.equal(await detectCitation(repo({ 'docs/citing.rst': rst })), '@software{tool,\n  author = {Roe, R.},\n  title = {tool}\n}');
  });
  test('"@article{" in prose is not an entry; no citation gives null', async () => {
    assert.equal(findBibtex('Write @article{ and then nothing'), null);
    assert.equal(await detectCitation(repo({ 'README.md': '# no citation here' })), null);
  });
});

describe('SPDX names through the SPDX list', () => {
  const cases: Array<[string, string | null]> = [
    // Valid expressions are kept whole, in canonical form, exceptions included.
    ['GPL-2.0-only WITH Classpath-exception-2.0', 'GPL-2.0-only WITH Classpath-exception-2.0'],
    ['(MIT AND BSD-3-Clause) OR Apache-2.0', '(MIT AND BSD-3-Clause) OR Apache-2.0'],
    // Any listed id, not only a hand-kept few.
    ['eupl-1.1', 'EUPL-1.1'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    // A LicenseRef names no licence anyone can look up.
    ['LicenseRef-Proprietary', null],
    // spdx-correct is heard only when the name says what it answers.
    ['ZPL 2.1', 'ZPL-2.1'],
    ['GNU Free Documentation License', null],
    ['Historical Permission Notice', null],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(normaliseLicenceName(input), want));

  test('REUSE: a LICENSES/ file named by any SPDX id', async () => {
    assert.deepEqual(await detectLicence(repo({ 'LICENSES/EUPL-1.1.txt': 'European Union Public Licence v. 1.1' })), {
      spdx: 'EUPL-1.1',
      source: 'LICENSES/EUPL-1.1.txt',
    });
  });
});
