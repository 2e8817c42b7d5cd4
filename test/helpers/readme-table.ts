import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/**
 * The README text between `<!-- name:start -->` and `<!-- name:end -->`, for tests that keep a generated table
 * and the README in step. Throws a message that says what to paste where when the markers are missing.
 */
export function readmeSection(name: string, generator: string): string {
  const readme = readFileSync(README, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(
      `README.md must hold the ${name} table between ${start} and ${end}; paste ${generator}'s output there`,
    );
  }
  return readme.slice(from + start.length, to);
}

/** Cells of each table row, so column padding (prettier re-aligns tables) does not matter. */
export function tableCells(markdown: string): string[][] {
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
