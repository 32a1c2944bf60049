// autocannon ships no type declarations: these cover the part of its programmatic API the benchmark uses.

declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      average: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface AutocannonRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
    }

    interface AutocannonOptions {
      url: string;
      connections?: number;
      duration?: number;
      amount?: number;
      timeout?: number;
      headers?: Record<string, string>;
      requests?: AutocannonRequest[];
    }

    interface AutocannonResult {
      requests: Histogram & { total: number };
      latency: Histogram;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }
  }

  function autocannon(options: autocannon.AutocannonOptions): Promise<autocannon.AutocannonResult>;
  export = autocannon;
}
