export { ConfigError } from './config-error.js';
export { configHelp, configMarkdown } from './config-help.js';
export {
  describeConfig,
  loadConfig,
  type Config,
  type ConfigSource,
  type ConfigValues,
  type LoadConfigOptions,
} from './load-config.js';
export { formatBytes, formatDuration, type SettingSpec, type SettingType } from './setting-types.js';
export { SETTING_NAMES, SETTINGS, type SettingName } from './settings.js';
