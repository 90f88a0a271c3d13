// One render at a time per canvas. pdf.js refuses a second render() on a
// canvas while one is running ("Cannot use the same canvas during multiple
// render() operations"), and a page shown for the first time is often drawn
// twice in a row (the panel settles its width while the first is under way).
// So each render on a canvas cancels the one before it and waits for it to
// let go of the canvas before it touches it.

/** What a render in flight offers: a way to stop it, and its end. */
export interface Task {
  cancel(): void;
  promise: Promise<unknown>;
}

interface Slot {
  cancel(): void;
  /** Settles when this render no longer uses the canvas. */
  released: Promise<void>;
}

const slots = new WeakMap<object, Slot>();

/** The error a render superseded before it began ends with, named as pdf.js names its own. */
export class RenderingCancelled extends Error {
  constructor() {
    super("Rendering cancelled");
    this.name = "RenderingCancelledException";
  }
}

/**
 * Runs `start` on `canvas` once every earlier render on it has been
 * cancelled and has ended. `start` prepares the canvas and returns the
 * render's task; the promise resolves with that task (it may still be
 * drawing). A call superseded while it waited rejects with
 * RenderingCancelled and never calls `start`; one superseded while it
 * draws has its task cancelled, so its promise rejects as pdf.js's do.
 */
export async function exclusive<T extends Task>(canvas: object, start: () => Promise<T>): Promise<T> {
  const previous = slots.get(canvas);
  let release!: () => void;
  let superseded = false;
  let task: T | null = null;
  const slot: Slot = {
    cancel: () => {
      superseded = true;
      task?.cancel();
    },
    released: new Promise<void>((r) => (release = r)),
  };
  slots.set(canvas, slot);
  if (previous) {
    previous.cancel();
    await previous.released;
  }
  try {
    if (superseded) throw new RenderingCancelled();
    task = await start();
  } catch (err) {
    release();
    throw err;
  }
  if (superseded) task.cancel();
  task.promise.then(release, release);
  return task;
}
