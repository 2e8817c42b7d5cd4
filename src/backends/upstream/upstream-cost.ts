import { formatUsd, usdToMicros } from '../../contract/index.js';
import type { UpstreamInfo } from '../../store/index.js';
import type { UpstreamStatus } from './upstream-provider.js';

/** What a provider's status says it charged, as an attempt records it. */
export function costOf(status: UpstreamStatus): { credits?: number; costMicros?: number } {
  const micros = status.costUsd !== undefined ? usdMicros(status.costUsd) : null;
  return {
    ...(status.credits !== undefined ? { credits: status.credits } : {}),
    ...(micros !== null ? { costMicros: micros } : {}),
  };
}

/** `metadata.upstream` with what the provider charged, as its status says. */
export function withCost(info: UpstreamInfo, status: UpstreamStatus): UpstreamInfo {
  const { credits, costMicros } = costOf(status);
  return {
    ...info,
    ...(credits !== undefined ? { credits } : {}),
    ...(costMicros !== undefined ? { cost: formatUsd(costMicros) } : {}),
  };
}

/** A provider's USD string as micro-dollars; null when it is not a plain amount. */
function usdMicros(text: string): number | null {
  try {
    return usdToMicros(text);
  } catch {
    return null;
  }
}
