import { describe, expect, it } from 'vitest';
import { readmeSection, tableCells } from '../../test/helpers/readme-table.js';
import { configMarkdown } from './index.js';

describe('README configuration table', () => {
  it('matches the settings declared in src/config/settings.ts', () => {
    const documented = tableCells(readmeSection('config', 'configMarkdown()'));
    expect(documented, 'README configuration table differs from src/config/settings.ts').toEqual(
      tableCells(configMarkdown()),
    );
  });
});
