import { TYPE_PLACEHOLDER, type SettingSpec } from './setting-types.js';
import { SETTING_NAMES, SETTINGS } from './settings.js';

/** The options part of `inbetween serve --help`, one entry per setting, generated from the settings table. */
export function configHelp(): string {
  const lines = ['Options (each also set by its environment variable; a flag beats the variable):', ''];
  for (const name of SETTING_NAMES) {
    const spec: SettingSpec = SETTINGS[name];
    const usage =
      spec.flag === undefined ? `${spec.env} (environment only)` : `${flagUsage(spec)}  [${spec.env}]`;
    lines.push(`  ${usage}`, `      ${spec.doc} Default: ${defaultText(spec)}.`);
  }
  return lines.join('\n') + '\n';
}

/** The settings as a Markdown table for the README. */
export function configMarkdown(): string {
  const rows = ['| setting | env var | flag | type | default | what it does |', '|---|---|---|---|---|---|'];
  for (const name of SETTING_NAMES) {
    const spec: SettingSpec = SETTINGS[name];
    const cells = [
      `\`${name}\``,
      `\`${spec.env}\``,
      spec.flag === undefined ? '(env only)' : `\`${spec.flag}\``,
      spec.type === 'choice' ? (spec.choices ?? []).join(', ') : spec.type,
      // Literal defaults as code; derived ones are prose, with <placeholders> escaped so Markdown keeps them.
      spec.derived === undefined ? `\`${defaultText(spec)}\`` : spec.derived.replace(/</g, '&lt;'),
      spec.doc,
    ];
    rows.push(`| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return rows.join('\n') + '\n';
}

function flagUsage(spec: SettingSpec): string {
  if (spec.type === 'bool') return `${spec.flag}, --no-${spec.flag?.slice(2)}`;
  return `${spec.flag} ${spec.type === 'choice' ? `<${spec.choices?.join('|')}>` : TYPE_PLACEHOLDER[spec.type]}`;
}

function defaultText(spec: SettingSpec): string {
  if (spec.derived !== undefined) return spec.derived;
  if (spec.default === undefined) return 'unset';
  return spec.default === '' ? 'none' : spec.default;
}
