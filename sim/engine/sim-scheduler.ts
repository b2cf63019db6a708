// The virtual-time scheduler of a run: RxJS's VirtualTimeScheduler with one change, how an action joins the queue.
// RxJS appends it and re-sorts the whole queue; here it is inserted where that stable sort would put it (binary
// search on (due time, creation index), the same order), since a run schedules tens of thousands of actions
// (every timer tick and every delayed message) and the re-sort was a visible share of it.
import { VirtualAction, VirtualTimeScheduler, type SchedulerAction, type Subscription } from 'rxjs';

class SimAction<T> extends VirtualAction<T> {
  constructor(scheduler: VirtualTimeScheduler, work: (this: SchedulerAction<T>, state?: T) => void, index?: number) {
    super(scheduler, work, index);
  }

  override schedule(state?: T, delay = 0): Subscription {
    // As VirtualAction.schedule, except that a rescheduled action is one of ours.
    if (!Number.isFinite(delay) || !this.id) return super.schedule(state, delay);
    this.active = false;
    const action = new SimAction(this.scheduler, this.work);
    this.add(action);
    return action.schedule(state, delay);
  }

  protected override requestAsyncId(scheduler: VirtualTimeScheduler, _id?: unknown, delay = 0): number {
    this.delay = scheduler.frame + delay;
    const actions = scheduler.actions as unknown as SimAction<unknown>[];
    // First position whose action sorts after this one: by due time, then by creation index (both as RxJS sorts).
    let lo = 0;
    let hi = actions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const a = actions[mid]!;
      if (a.delay > this.delay || (a.delay === this.delay && a.index > this.index)) hi = mid;
      else lo = mid + 1;
    }
    actions.splice(lo, 0, this as SimAction<unknown>);
    return 1;
  }
}

export class SimScheduler extends VirtualTimeScheduler {
  constructor(maxFrames?: number) {
    super(SimAction as unknown as typeof VirtualAction, maxFrames);
  }
}
