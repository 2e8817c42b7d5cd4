import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCatalogueMarkdown } from './error-catalogue.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const START = '<!-- errors:start -->';
const END = '<!-- errors:end -->';

// Cells of each table row, so column padding (prettier re-aligns tables) does not matter.
function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe('README error table', () => {
  it('matches the error catalogue', () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) {
      throw new Error(
        `README.md must hold the error table between ${START} and ${END}; paste errorCatalogueMarkdown()'s output there`,
      );
    }
    const documented = tableCells(readme.slice(start + START.length, end));
    expect(documented, 'README error table differs from src/contract/error-catalogue.ts').toEqual(
      tableCells(errorCatalogueMarkdown()),
    );
  });
});
