import { type SimulatorOptions, startSimulator } from '../../simulator/index.js';
import { createSegmindClient, type SegmindClient } from './segmind-client.js';

export interface UpstreamSettings {
  /** Set: talk to Segmind at `baseUrl`. Unset: start the built-in simulator on loopback and talk to it. */
  apiKey: string | undefined;
  baseUrl: string;
  timeoutMs: number;
  simulator: Pick<SimulatorOptions, 'queueMs' | 'processingMs' | 'recordTtlMs'>;
}

export interface Upstream {
  kind: 'segmind' | 'simulator';
  url: string;
  client: SegmindClient;
  /** Releases the client's connections, then stops the simulator if one was started. */
  close(): Promise<void>;
}

/** Segmind when a key is set, else the built-in simulator (contract section 4), behind the same client. */
export async function connectUpstream(settings: UpstreamSettings): Promise<Upstream> {
  const simulator = settings.apiKey ? undefined : await startSimulator({ ...settings.simulator, host: '127.0.0.1' });
  const url = simulator?.url ?? settings.baseUrl;
  const client = createSegmindClient({
    baseUrl: url,
    apiKey: settings.apiKey ?? 'simulator',
    timeoutMs: settings.timeoutMs,
  });
  return {
    kind: simulator ? 'simulator' : 'segmind',
    url,
    client,
    close: async () => {
      await client.close();
      await simulator?.close();
    },
  };
}
