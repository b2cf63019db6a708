// Resolves on SIGINT/SIGTERM (or after durationS), so processes stop cleanly and print their summary.
// `until` resolving also ends the wait (with its value), and removes the signal handlers and the timer.
export function waitForShutdown(durationS?: number, until?: Promise<string>): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    void until?.then(done);
    const timer = durationS !== undefined ? setTimeout(() => done('duration'), durationS * 1000) : undefined;
  });
}
