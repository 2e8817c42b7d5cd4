import { describe, expect, it } from 'vitest';
import { readmeSection, tableCells } from '../../test/helpers/readme-table.js';
import { errorCatalogueMarkdown } from './error-catalogue.js';

describe('README error table', () => {
  it('matches the error catalogue', () => {
    const documented = tableCells(readmeSection('errors', 'errorCatalogueMarkdown()'));
    expect(documented, 'README error table differs from src/contract/error-catalogue.ts').toEqual(
      tableCells(errorCatalogueMarkdown()),
    );
  });
});
