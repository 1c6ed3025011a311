import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';

const base = { CODEDISTILL_HOME: '/tmp/cd-config-test' };

test('the generation budget: 10 blocks and 2 repairs by default, no token or dollar limit, no price', () => {
  assert.deepEqual(loadConfig(base).generation, { blocks: 10, tokens: null, usd: null, repairs: 2, price: null });
});

test('the generation budget and price from CODEDISTILL_LLM_*; one price given takes the other as 0; nonsense is an error naming the variable', () => {
  const g = loadConfig({
    ...base,
    CODEDISTILL_LLM_BUDGET_BLOCKS: '0',
    CODEDISTILL_LLM_BUDGET_TOKENS: '50000',
    CODEDISTILL_LLM_BUDGET_USD: '0.25',
    CODEDISTILL_LLM_REPAIRS: '9',
    CODEDISTILL_LLM_PRICE_OUTPUT: '0.6',
  }).generation;
  assert.deepEqual(g, { blocks: 0, tokens: 50000, usd: 0.25, repairs: 5, price: { input: 0, output: 0.6 } });
  assert.throws(() => loadConfig({ ...base, CODEDISTILL_LLM_BUDGET_USD: 'lots' }), /CODEDISTILL_LLM_BUDGET_USD/);
  assert.throws(() => loadConfig({ ...base, CODEDISTILL_LLM_BUDGET_TOKENS: '-3' }), /CODEDISTILL_LLM_BUDGET_TOKENS/);
});
