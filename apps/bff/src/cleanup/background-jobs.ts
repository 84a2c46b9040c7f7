import type { Logger } from 'pino';

/**
 * Work accepted with a 202 and finished after the response (bulk tag deletes). Failures are logged,
 * never thrown at nobody; `drain` lets the app finish what it accepted before it stops.
 */
export class BackgroundJobs {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(label: string, job: () => Promise<void>): void {
    const promise = job()
      .catch((error: unknown) => this.log.error({ err: error, job: label }, 'background job failed'))
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
